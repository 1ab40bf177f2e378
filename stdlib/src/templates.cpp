// The stock templates a workflow can `fill` without declaring them: a mutual
// NDA, a service agreement and an invoice. The checker uses these specs to
// validate `fill` steps (field names, value types, choice options) and
// `show` sections; the document renderer has the matching PDFs. Keep field
// and section names in step with those documents: a name here that the PDF
// lacks would pass the checker and fail at signing time.
#include "signflow/stdlib/catalog.hpp"

#include <string>
#include <utility>

namespace signflow::stdlib {

namespace {

using dsl::FieldSpec;
using dsl::TemplateSpec;
using dsl::Type;

FieldSpec text(std::string name) { return {std::move(name), Type::string, {}}; }
FieldSpec number(std::string name) { return {std::move(name), Type::number, {}}; }
FieldSpec flag(std::string name) { return {std::move(name), Type::boolean, {}}; }

// Currencies are a choice rather than free text so that a typo ("EURO")
// is a compile error, not a wrongly printed contract.
FieldSpec currency() {
    return {"currency", Type::string, {"USD", "EUR", "GBP", "CNY", "JPY", "SGD", "AUD"}};
}

}  // namespace

std::vector<dsl::TemplateSpec> const& stock_templates() {
    // Built on first use and never changed: the catalog hands out pointers
    // into this vector.
    static std::vector<TemplateSpec> const templates{
        {
            "nda",
            "Mutual Non-Disclosure Agreement",
            {
                text("client_name"),
                text("client_email"),
                text("client_company"),
                text("effective_date"),
                number("term_months"),
                text("governing_law"),
                number("fee"),
                currency(),
            },
            {"payment", "non_solicitation"},
        },
        {
            "service_agreement",
            "Service Agreement",
            {
                text("client_name"),
                text("client_company"),
                text("provider_name"),
                text("service_description"),
                text("start_date"),
                text("end_date"),
                number("monthly_fee"),
                currency(),
                number("payment_terms_days"),
                flag("auto_renew"),
            },
            {"payment_schedule", "service_levels", "international_terms"},
        },
        {
            "invoice",
            "Invoice",
            {
                text("invoice_number"),
                text("customer_name"),
                text("customer_address"),
                text("issue_date"),
                text("due_date"),
                number("amount"),
                number("tax_rate"),
                currency(),
                text("notes"),
                flag("paid"),
            },
            {"bank_details", "late_fees"},
        },
    };
    return templates;
}

}  // namespace signflow::stdlib
