#!/usr/bin/python3
"""Makes the example PDF forms with reportlab (Debian's python3-reportlab).

    /usr/bin/python3 examples/templates/make_forms.py [OUT_DIR]

They stand for "forms made by another program": HR's offer letter, a
brokerage's purchase agreement, and a software order form with its terms
(fields the client fills when signing), as the examples hr_offer_letter.flow,
real_estate_purchase.flow and service_order.flow name them. The PDFs are checked in (small) so that
the examples and the tests do not need reportlab; run this again after
changing it and commit both.

Sections follow signflow's convention (docs/templates.md):
  - a field named `SECTION.something` belongs to SECTION (the offer letter's
    signing bonus: its wording is a read-only field, so it goes too);
  - a page carrying the hidden field `section:SECTION` belongs to SECTION
    (the addenda: relocation, equity, financing and inspection).
"""
import os
import sys

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen import canvas

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
W, H = LETTER
M = 72  # margins
GREY = colors.Color(0.55, 0.55, 0.55)


class Form:
    def __init__(self, path, title):
        self.c = canvas.Canvas(path, pagesize=LETTER, invariant=1)  # invariant: same bytes every run
        self.c.setTitle(title)
        self.c.setAuthor("signflow examples")
        self.y = H - M

    def title(self, text):
        self.c.setFont("Helvetica-Bold", 16)
        self.c.drawCentredString(W / 2, self.y - 16, text)
        self.y -= 34

    def heading(self, text):
        self.c.setFont("Helvetica-Bold", 11)
        self.y -= 16
        self.c.drawString(M, self.y, text)
        self.y -= 2

    def para(self, text, size=10):
        self.c.setFont("Helvetica", size)
        words, line = text.split(), ""
        for w in words:
            cand = (line + " " + w).strip()
            if self.c.stringWidth(cand, "Helvetica", size) > W - 2 * M:
                self.y -= size * 1.3
                self.c.drawString(M, self.y, line)
                line = w
            else:
                line = cand
        if line:
            self.y -= size * 1.3
            self.c.drawString(M, self.y, line)
        self.y -= 6

    def label(self, x, y, text):
        self.c.setFont("Helvetica-Bold", 9)
        self.c.drawString(x, y + 5, text)
        return x + self.c.stringWidth(text, "Helvetica-Bold", 9) + 6

    def text(self, name, label, x, width, height=18, multiline=False, value="", read_only=False):
        fx = self.label(x, self.y - height + (height - 18 if multiline else 0), label) if label else x
        flags = " ".join(f for f in ("multiline" if multiline else "", "readOnly" if read_only else "") if f)
        self.c.acroForm.textfield(name=name, x=fx, y=self.y - height, width=width, height=height,
                                  fontName="Helvetica", fontSize=0 if not multiline else 10, value=value,
                                  borderColor=GREY, fillColor=colors.white, textColor=colors.black,
                                  borderWidth=1, forceBorder=True, fieldFlags=flags)

    def row(self, height=18):
        self.y -= height + 8

    def marker(self, section):
        self.c.acroForm.textfield(name="section:" + section, x=0, y=0, width=1, height=1, borderWidth=0,
                                  annotationFlags="hidden", fieldFlags="readOnly")

    def signature_line(self, x, text):
        self.c.setStrokeColor(colors.black)
        self.c.line(x, self.y, x + 200, self.y)
        self.c.setFont("Helvetica", 9)
        self.c.drawString(x, self.y - 12, text)

    def page(self):
        self.c.showPage()
        self.y = H - M

    def save(self):
        self.c.showPage()
        self.c.save()


def offer_letter():
    f = Form(os.path.join(OUT, "offer_letter.pdf"), "Offer of Employment")
    f.title("Offer of Employment")
    f.text("candidate_name", "Dear", M, 250)
    f.row()
    f.para("We are delighted to offer you employment with Acme GmbH on the terms below. This letter and the "
           "enclosed addenda set out the main terms of your employment; your contract of employment follows "
           "from them.")
    f.text("position", "Position", M, 170)
    f.text("department", "Department", M + 250, 150)
    f.row()
    f.text("start_date", "Start date", M, 100)
    f.row()
    f.text("annual_salary", "Annual gross salary", M, 110)
    f.c.acroForm.choice(name="currency", value="EUR", options=["EUR", "USD", "GBP", "CHF"], x=M + 230,
                        y=f.y - 18, width=60, height=18, fieldFlags="combo", fontName="Helvetica", fontSize=10,
                        borderColor=GREY, fillColor=colors.white, textColor=colors.black)
    f.row()
    f.para("Your salary is paid in twelve equal monthly instalments at the end of each month. The first six "
           "months of employment are a probationary period during which either party may end the employment "
           "with two weeks' notice.")
    # The signing bonus is a section of fields on this page: its wording is a
    # read-only field, so that hiding the section removes the words as well.
    f.c.acroForm.textfield(name="signing_bonus.terms", x=M, y=f.y - 18, width=300, height=18,
                           fontName="Helvetica", fontSize=9, borderWidth=0, fillColor=colors.white,
                           textColor=colors.black, fieldFlags="readOnly",
                           value="One-time signing bonus, paid with your first salary:")
    f.c.acroForm.textfield(name="signing_bonus.amount", x=M + 310, y=f.y - 18, width=110, height=18,
                           fontName="Helvetica", fontSize=0, borderColor=GREY, fillColor=colors.white,
                           textColor=colors.black, borderWidth=1, forceBorder=True)
    f.row()
    f.para("Please confirm your acceptance by signing below. This offer is open for seven days from the date "
           "you receive it.")
    f.y -= 40
    f.signature_line(M, "Candidate")
    f.signature_line(M + 250, "For Acme GmbH")
    f.page()

    f.marker("relocation")
    f.title("Addendum: Relocation")
    f.para("Acme reimburses your reasonable relocation expenses, including travel for you and your family, "
           "removal of household goods and up to three months of temporary housing, against receipts and up "
           "to the budget below.")
    f.text("relocation_budget", "Relocation budget", M, 110)
    f.row()
    f.c.acroForm.checkbox(name="relocation_lump_sum", x=M, y=f.y - 12, size=12, checked=False,
                          buttonStyle="check", borderColor=GREY, fillColor=colors.white)
    f.c.setFont("Helvetica", 10)
    f.c.drawString(M + 18, f.y - 10, "Paid as a lump sum with the first salary instead of against receipts")
    f.y -= 22
    f.para("If you resign within twelve months of your start date, you repay the relocation costs in proportion "
           "to the months remaining.")
    f.page()

    f.marker("equity")
    f.title("Addendum: Equity Grant")
    f.para("Subject to approval by the board, you will be granted restricted stock units under the Acme "
           "Employee Equity Plan. The grant, its vesting and its treatment on leaving are governed by the plan "
           "and your grant agreement.")
    f.text("equity_units", "Units granted", M, 100)
    f.row()
    f.c.setFont("Helvetica-Bold", 9)
    f.c.drawString(M, f.y, "Vesting schedule")
    f.y -= 18
    for i, (value, text) in enumerate([("four_year_cliff", "Four years, one-year cliff, then monthly"),
                                       ("three_year_monthly", "Three years, monthly from the start")]):
        f.c.acroForm.radio(name="vesting", value=value, selected=(i == 0), x=M, y=f.y - 2, size=12,
                           buttonStyle="circle", borderColor=GREY, fillColor=colors.white)
        f.c.setFont("Helvetica", 10)
        f.c.drawString(M + 18, f.y, text)
        f.y -= 18
    f.para("Units that have not vested when your employment ends lapse without compensation.")
    f.save()


def purchase_agreement():
    f = Form(os.path.join(OUT, "residential_purchase_agreement.pdf"), "Residential Purchase Agreement")
    f.title("Residential Purchase Agreement")
    f.para("This agreement is made between the buyer and the seller named below for the purchase of the "
           "property described in it, on the terms and conditions that follow.")
    f.text("buyer_name", "Buyer", M, 180)
    f.text("seller_name", "Seller", M + 250, 180)
    f.row()
    f.heading("1. Property")
    f.text("property_address", "Address", M, 380)
    f.row()
    f.text("parcel_number", "Parcel number", M, 140)
    f.c.setFont("Helvetica-Bold", 9)
    f.c.drawString(M + 250, f.y - 13, "Type")
    f.c.acroForm.listbox(name="property_type", value="single_family",
                         options=["single_family", "condominium", "townhouse"], x=M + 280, y=f.y - 44,
                         width=110, height=44, fontName="Helvetica", fontSize=9, borderColor=GREY,
                         fillColor=colors.white, textColor=colors.black)
    f.row(36)
    f.heading("2. Price and payment")
    f.text("purchase_price", "Purchase price", M, 120)
    f.text("earnest_money", "Earnest money", M + 250, 110)
    f.row()
    f.para("The earnest money is deposited with the escrow holder within three business days of acceptance and "
           "is credited to the buyer at closing. The balance of the purchase price is paid at closing.")
    f.text("closing_date", "Closing date", M, 140)
    f.row()
    f.heading("3. Closing and possession")
    f.para("Title is conveyed by warranty deed free of liens other than those the buyer accepts. Possession is "
           "delivered at closing. Property taxes are prorated to the closing date. Any addenda attached to "
           "this agreement form part of it.")
    f.y -= 40
    f.signature_line(M, "Buyer")
    f.signature_line(M + 250, "Seller")
    f.y -= 50
    f.signature_line(M, "Listing agent")
    f.signature_line(M + 250, "Witness")
    f.page()

    f.marker("financing_contingency")
    f.title("Addendum: Financing Contingency")
    f.para("This agreement is contingent on the buyer obtaining a loan on the terms below. If the buyer, having "
           "applied in good faith, cannot obtain loan approval by the date below, the buyer may cancel this "
           "agreement and the earnest money is returned.")
    f.text("loan_amount", "Loan amount", M, 120)
    f.text("approval_deadline", "Approval by", M + 250, 110)
    f.row()
    f.c.setFont("Helvetica-Bold", 9)
    f.c.drawString(M, f.y, "Loan type")
    f.y -= 18
    for value, text in [("conventional", "Conventional"), ("fha", "FHA"), ("va", "VA")]:
        f.c.acroForm.radio(name="loan_type", value=value, selected=False, x=M, y=f.y - 2, size=12,
                           buttonStyle="circle", borderColor=GREY, fillColor=colors.white)
        f.c.setFont("Helvetica", 10)
        f.c.drawString(M + 18, f.y, text)
        f.y -= 18
    f.page()

    f.marker("inspection_contingency")
    f.title("Addendum: Inspection Contingency")
    f.para("The buyer may have the property inspected at the buyer's expense within the inspection period below "
           "and may cancel this agreement by written notice before the period ends if the results are not "
           "satisfactory, in which case the earnest money is returned to the buyer.")
    f.text("inspection_days", "Inspection period (days)", M, 40)
    f.row()
    f.para("The seller gives the inspectors reasonable access to the property during the inspection period.")
    f.save()


def initials_box(f, name):
    """A field a signer's initials go in, at the foot of the page. One per
    page, named NAME.1, NAME.2, ...: a workflow's `initials` field NAME fills
    them all (docs/templates.md)."""
    page = f.c.getPageNumber()
    f.c.setFont("Helvetica", 8)
    f.c.drawString(W - M - 120, 40, "Initials")
    f.c.acroForm.textfield(name="%s.%d" % (name, page), x=W - M - 80, y=34, width=80, height=18,
                           fontName="Helvetica", fontSize=0, borderColor=GREY, fillColor=colors.white,
                           textColor=colors.black, borderWidth=1, forceBorder=True, maxlen=4)


def order_form():
    """The order the client completes while signing: plan, seats, start date,
    a VAT number for enterprise orders, a marketing opt-in, initials on each
    page (at most 4 letters: the boxes' /MaxLen) and the date of signing.
    reportlab gives every text field /MaxLen 100 unless told otherwise."""
    f = Form(os.path.join(OUT, "order_form.pdf"), "Software Order Form")
    f.title("Software Order Form")
    f.para("This order form is between Acme Cloud Ltd and the customer named below. It is governed by the "
           "Acme Cloud Terms of Service, which the customer accepts separately.")
    f.text("company_name", "Customer", M, 300)
    f.row()
    f.heading("1. Subscription")
    f.c.setFont("Helvetica-Bold", 9)
    f.c.drawString(M, f.y - 13, "Plan")
    f.c.acroForm.choice(name="plan", value="basic", options=["basic", "pro", "enterprise"], x=M + 40,
                        y=f.y - 18, width=110, height=18, fieldFlags="combo", fontName="Helvetica",
                        fontSize=10, borderColor=GREY, fillColor=colors.white, textColor=colors.black)
    f.text("seats", "Seats", M + 250, 60)
    f.row()
    f.text("start_date", "Start date", M, 100)
    f.text("vat_id", "VAT number", M + 250, 120)
    f.row()
    f.c.acroForm.checkbox(name="accept_marketing", x=M, y=f.y - 12, size=12, checked=False,
                          buttonStyle="check", borderColor=GREY, fillColor=colors.white)
    f.c.setFont("Helvetica", 10)
    f.c.drawString(M + 18, f.y - 10, "Send me news about product updates (optional)")
    f.y -= 22
    f.para("Fees are invoiced annually in advance for the seats ordered. Seats may be added at any time and "
           "are invoiced pro rata for the rest of the subscription year.")
    initials_box(f, "client_initials")
    f.page()

    f.title("Order Form: Service Levels")
    f.para("Acme Cloud makes the service available 99.9% of each month, excluding announced maintenance. "
           "If it falls short, the customer receives a credit of 10% of the month's fees for each full 0.1% "
           "below the target, up to 50%.")
    f.text("signed_on", "Signed on", M, 100)
    f.row()
    f.y -= 30
    f.signature_line(M, "Customer")
    initials_box(f, "client_initials")
    f.save()


def terms():
    """The terms the client accepts after the order: their title and initials."""
    f = Form(os.path.join(OUT, "terms.pdf"), "Acme Cloud Terms of Service")
    f.title("Acme Cloud Terms of Service")
    f.para("1. Use. The customer may use the service for its internal business purposes during the "
           "subscription term, for the number of seats ordered.")
    f.para("2. Data. The customer's data stays the customer's. Acme Cloud processes it only to provide the "
           "service and keeps it in the region the customer chooses.")
    f.para("3. Term. The subscription renews for a year at a time unless either party gives notice thirty "
           "days before the end of the term.")
    f.text("company_name", "Customer", M, 300)
    f.row()
    f.text("client_title", "Signatory's title", M, 200)
    f.text("accepted_on", "Date", M + 330, 80)
    f.row()
    f.y -= 30
    f.signature_line(M, "Customer")
    f.text("client_initials", "Initials", W - M - 130, 60)
    f.save()


if __name__ == "__main__":
    offer_letter()
    purchase_agreement()
    order_form()
    terms()
