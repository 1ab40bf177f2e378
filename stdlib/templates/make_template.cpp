// make_template: builds the stock templates (nda, service_agreement,
// invoice) from the descriptions beside it, at build time, so the project
// owns their text and fields as reviewable JSON rather than binary blobs.
//
//     make_template OUT_DIR OUT_CPP DESCRIPTION.json...
//
// writes OUT_DIR/<name>.pdf for each description and OUT_CPP, a C++ source
// holding their bytes (stock_documents.cpp looks them up by name).
//
// A description is a list of pages; a page may name a `section` (it gets the
// hidden marker field `section:NAME`, so hiding the section removes the page)
// and holds items laid out top to bottom on A4:
//   {"title": T} {"heading": T} {"text": T}      static text (Helvetica)
//   {"fields": [{name, label, type, options?, width?, lines?, rect?}...]}
//                                                one row of labelled fields;
//                                                type: text | checkbox | choice;
//                                                rect [x, y, w, h] places a field
//                                                absolutely instead
//   {"clause": SECTION, "heading": H, "text": T} a conditional clause: a
//                                                read-only text field
//                                                `SECTION.clause` holding the
//                                                words, removed with SECTION
//   {"signatures": [{name, label}...]}           signature fields, one per role
// Clause fields are filled with signflow's own fill(), which draws their
// appearance and marks them read-only.
#include "signflow/documents/form.hpp"

#include <podofo/podofo.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace PoDoFo;
using nlohmann::json;

constexpr double page_w = 595.0, page_h = 842.0;  // A4
constexpr double margin = 60.0;
constexpr double body_size = 9.5, leading = 12.0;
constexpr double field_h = 16.0;

struct Builder {
    PdfMemDocument doc;
    PdfFont* regular = nullptr;
    PdfFont* bold = nullptr;
    PdfObject* acroform = nullptr;
    PdfObject* helv = nullptr;
    PdfObject* zadb = nullptr;
    PdfPage* page = nullptr;
    PdfPainter painter;
    double y = 0;
    json clauses = json::object();  // clause field -> its words, filled at the end

    Builder() {
        regular = doc.CreateFont("Helvetica");
        bold = doc.CreateFont("Helvetica-Bold");
        acroform = doc.GetObjects().CreateObject();
        acroform->GetDictionary().AddKey("Fields", PdfArray());
        acroform->GetDictionary().AddKey("DA", PdfString("/Helv 10 Tf 0 g"));
        helv = font_dict("Helvetica", true);
        zadb = font_dict("ZapfDingbats", false);
        PdfDictionary fonts;
        fonts.AddKey("Helv", helv->Reference());
        fonts.AddKey("ZaDb", zadb->Reference());
        PdfDictionary dr;
        dr.AddKey("Font", fonts);
        acroform->GetDictionary().AddKey("DR", dr);
        doc.GetCatalog()->GetDictionary().AddKey("AcroForm", acroform->Reference());
    }

    PdfObject* font_dict(char const* base, bool winansi) {
        PdfObject* f = doc.GetObjects().CreateObject("Font");
        f->GetDictionary().AddKey("Subtype", PdfName("Type1"));
        f->GetDictionary().AddKey("BaseFont", PdfName(base));
        if (winansi) f->GetDictionary().AddKey("Encoding", PdfName("WinAnsiEncoding"));
        return f;
    }

    void new_page() {
        if (page) painter.FinishPage();
        page = doc.CreatePage(PdfRect(0, 0, page_w, page_h));
        painter.SetPage(page);
        y = page_h - margin;
    }

    double width_of(PdfFont* font, double size, std::string const& s) {
        font->SetFontSize(static_cast<float>(size));
        return font->GetFontMetrics()->StringWidth(PdfString(s.c_str()));
    }

    std::vector<std::string> wrap(PdfFont* font, double size, std::string const& text, double width) {
        std::vector<std::string> lines;
        std::istringstream words(text);
        std::string word, line;
        while (words >> word) {
            std::string candidate = line.empty() ? word : line + " " + word;
            if (!line.empty() && width_of(font, size, candidate) > width) {
                lines.push_back(line);
                line = word;
            } else {
                line = candidate;
            }
        }
        if (!line.empty()) lines.push_back(line);
        return lines;
    }

    void text_line(PdfFont* font, double size, double x, double at, std::string const& s) {
        font->SetFontSize(static_cast<float>(size));
        painter.SetFont(font);
        painter.SetColor(0, 0, 0);
        painter.DrawText(x, at, PdfString(s.c_str()));
    }

    void paragraph(std::string const& text) {
        for (auto const& line : wrap(regular, body_size, text, page_w - 2 * margin)) {
            y -= leading;
            text_line(regular, body_size, margin, y, line);
        }
        y -= 6;
    }

    PdfObject* widget(std::string const& name, char const* ft, PdfRect const& rect, long flags, int annot_flags = 4) {
        PdfObject* w = doc.GetObjects().CreateObject("Annot");
        auto& d = w->GetDictionary();
        d.AddKey("Subtype", PdfName("Widget"));
        d.AddKey("FT", PdfName(ft));
        d.AddKey("T", PdfString(name.c_str()));
        PdfArray r;
        for (double v : {rect.GetLeft(), rect.GetBottom(), rect.GetLeft() + rect.GetWidth(), rect.GetBottom() + rect.GetHeight()})
            r.push_back(PdfObject(v));
        d.AddKey("Rect", r);
        d.AddKey("F", PdfVariant(static_cast<pdf_int64>(annot_flags)));
        d.AddKey("P", page->GetObject()->Reference());
        if (flags) d.AddKey("Ff", PdfVariant(static_cast<pdf_int64>(flags)));
        PdfObject* annots = page->GetObject()->GetIndirectKey("Annots");
        if (!annots) {
            page->GetObject()->GetDictionary().AddKey("Annots", PdfArray());
            annots = page->GetObject()->GetIndirectKey("Annots");
        }
        annots->GetArray().push_back(w->Reference());
        acroform->GetIndirectKey("Fields")->GetArray().push_back(w->Reference());
        return w;
    }

    PdfObject* stream_xobject(double w, double h, std::string const& content, bool zapf) {
        PdfObject* xo = doc.GetObjects().CreateObject("XObject");
        auto& d = xo->GetDictionary();
        d.AddKey("Subtype", PdfName("Form"));
        PdfArray bbox;
        for (double v : {0.0, 0.0, w, h}) bbox.push_back(PdfObject(v));
        d.AddKey("BBox", bbox);
        PdfDictionary fonts, res;
        if (zapf) fonts.AddKey("ZaDb", zadb->Reference());
        res.AddKey("Font", fonts);
        d.AddKey("Resources", res);
        xo->GetStream()->Set(content.data(), static_cast<pdf_long>(content.size()), TVecFilters{});
        return xo;
    }

    void box(PdfRect const& r) {
        painter.SetStrokingColor(0.55, 0.55, 0.55);
        painter.SetStrokeWidth(0.6);
        painter.Rectangle(r.GetLeft(), r.GetBottom(), r.GetWidth(), r.GetHeight());
        painter.Stroke();
    }

    void field(json const& f, PdfRect const& r) {
        std::string name = f.at("name");
        std::string type = f.value("type", "text");
        box(r);
        if (type == "text") {
            long flags = f.value("lines", 1) > 1 ? (1L << 12) : 0;
            PdfObject* w = widget(name, "Tx", r, flags);
            w->GetDictionary().AddKey("DA", PdfString("/Helv 10 Tf 0 g"));
        } else if (type == "choice") {
            PdfObject* w = widget(name, "Ch", r, 1L << 17);
            w->GetDictionary().AddKey("DA", PdfString("/Helv 10 Tf 0 g"));
            PdfArray opts;
            for (auto const& o : f.at("options")) opts.push_back(PdfString(o.get<std::string>().c_str()));
            w->GetDictionary().AddKey("Opt", opts);
        } else if (type == "checkbox") {
            PdfObject* w = widget(name, "Btn", r, 0);
            auto& d = w->GetDictionary();
            d.AddKey("DA", PdfString("/ZaDb 0 Tf 0 g"));
            d.AddKey("V", PdfName("Off"));
            d.AddKey("AS", PdfName("Off"));
            PdfDictionary mk;
            mk.AddKey("CA", PdfString("4"));
            d.AddKey("MK", mk);
            double s = r.GetHeight() * 0.8;
            char on[160];
            std::snprintf(on, sizeof on, "q 0 g BT /ZaDb %.2f Tf 1 0 0 1 %.2f %.2f Tm (4) Tj ET Q", s,
                          (r.GetWidth() - 0.846 * s) / 2, (r.GetHeight() - 0.7 * s) / 2);
            PdfDictionary normal;
            normal.AddKey("Yes", stream_xobject(r.GetWidth(), r.GetHeight(), on, true)->Reference());
            normal.AddKey("Off", stream_xobject(r.GetWidth(), r.GetHeight(), "", false)->Reference());
            PdfDictionary ap;
            ap.AddKey("N", normal);
            d.AddKey("AP", ap);
        } else {
            throw std::runtime_error("field `" + name + "`: unknown type `" + type + "`");
        }
    }

    void field_row(json const& fields) {
        double avail = page_w - 2 * margin;
        double col = avail / static_cast<double>(fields.size());
        double row_h = field_h;
        for (auto const& f : fields) row_h = std::max(row_h, f.value("lines", 1) > 1 ? f.value("lines", 1) * 12.0 + 6 : field_h);
        y -= row_h + 6;
        double x = margin;
        for (auto const& f : fields) {
            std::string label = f.value("label", std::string());
            if (f.contains("rect")) {
                auto const& a = f.at("rect");
                field(f, PdfRect(a[0].get<double>(), a[1].get<double>(), a[2].get<double>(), a[3].get<double>()));
                continue;
            }
            if (f.value("type", "text") == "checkbox") {
                PdfRect r(x, y + (row_h - 11) / 2, 11, 11);
                field(f, r);
                text_line(regular, body_size, x + 16, y + (row_h - 11) / 2 + 2, label);
            } else {
                double label_w = width_of(bold, 8.5, label) + 6;
                text_line(bold, 8.5, x, y + row_h - 11, label);
                double w = f.contains("width") ? f.at("width").get<double>() : col - label_w - 12;
                field(f, PdfRect(x + label_w, y, w, row_h));
            }
            x += col;
        }
        y -= 4;
    }

    void clause(json const& c) {
        std::string section = c.at("clause");
        std::string heading = c.value("heading", std::string());
        std::string text = c.at("text");
        double w = page_w - 2 * margin;
        auto lines = wrap(regular, body_size, text, w - 8);
        double h = (static_cast<double>(lines.size()) + (heading.empty() ? 0 : 1) + 1) * body_size * 1.15 + 8;
        y -= h + 2;
        std::string name = section + ".clause";
        PdfObject* wdg = widget(name, "Tx", PdfRect(margin - 2, y, w + 4, h), (1L << 12));
        wdg->GetDictionary().AddKey("DA", PdfString("/Helv 9.5 Tf 0 g"));
        clauses[name] = heading.empty() ? text : heading + "\n" + text;
        y -= 4;
    }

    void signatures(json const& sigs) {
        double avail = page_w - 2 * margin;
        double col = avail / static_cast<double>(sigs.size());
        y -= 70;
        double x = margin;
        for (auto const& s : sigs) {
            double w = std::min(200.0, col - 20);
            widget(s.at("name").get<std::string>(), "Sig", PdfRect(x, y + 14, w, 44), 0);
            painter.SetStrokingColor(0, 0, 0);
            painter.SetStrokeWidth(0.6);
            painter.DrawLine(x, y + 12, x + w, y + 12);
            text_line(regular, 8.5, x, y + 2, s.value("label", std::string()));
            x += col;
        }
    }

    void marker(std::string const& section) {
        // Hidden (annotation flag 2), read-only, zero-sized: structure only.
        widget("section:" + section, "Tx", PdfRect(0, 0, 0, 0), 1, 2);
    }

    void page_of(json const& p) {
        new_page();
        if (p.contains("section")) marker(p.at("section").get<std::string>());
        for (auto const& item : p.at("items")) {
            if (item.contains("title")) {
                std::string t = item.at("title");
                y -= 22;
                text_line(bold, 17, (page_w - width_of(bold, 17, t)) / 2, y, t);
                y -= 12;
            } else if (item.contains("heading")) {
                if (item.contains("clause")) {
                    clause(item);
                    continue;
                }
                y -= 17;
                text_line(bold, 10.5, margin, y, item.at("heading").get<std::string>());
                y -= 1;
            } else if (item.contains("clause")) {
                clause(item);
            } else if (item.contains("text")) {
                paragraph(item.at("text"));
            } else if (item.contains("fields")) {
                field_row(item.at("fields"));
            } else if (item.contains("signatures")) {
                signatures(item.at("signatures"));
            } else {
                throw std::runtime_error("unknown item: " + item.dump());
            }
            if (y < margin) throw std::runtime_error("page overflows: shorten its text or split it");
        }
    }

    std::string build(json const& description) {
        for (auto const& p : description.at("pages")) page_of(p);
        painter.FinishPage();
        doc.GetInfo()->SetTitle(PdfString(description.at("title").get<std::string>().c_str()));
        doc.GetInfo()->SetCreator(PdfString("signflow make_template"));
        PdfRefCountedBuffer buffer;
        PdfOutputDevice device(&buffer);
        doc.Write(&device);
        std::string pdf(buffer.GetBuffer(), device.GetLength());
        signflow::documents::FillRequest request;
        request.values = clauses;
        std::string filled = signflow::documents::fill(pdf, request).pdf;
        // fill() appends its changes as an incremental update; a template
        // ships as one revision, so it is written out whole once more.
        PdfMemDocument whole;
        whole.LoadFromBuffer(filled.data(), static_cast<long>(filled.size()));
        PdfRefCountedBuffer out;
        PdfOutputDevice out_device(&out);
        whole.Write(&out_device);
        return std::string(out.GetBuffer(), out_device.GetLength());
    }
};

std::string read(std::string const& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: make_template OUT_DIR OUT_CPP DESCRIPTION.json...\n";
        return 2;
    }
    std::string out_dir = argv[1];
    std::ostringstream cpp;
    cpp << "// Generated by stdlib/templates/make_template.cpp from stdlib/templates/*.json. Do not edit.\n"
           "#include \"stock_documents_data.hpp\"\n\n"
           "namespace signflow::stdlib::stock_data {\n\n";
    std::vector<std::string> names;
    try {
        for (int i = 3; i < argc; ++i) {
            json description = json::parse(read(argv[i]));
            std::string name = description.at("name");
            Builder builder;
            std::string pdf = builder.build(description);
            std::ofstream(out_dir + "/" + name + ".pdf", std::ios::binary) << pdf;
            cpp << "static unsigned char const " << name << "[] = {";
            for (std::size_t k = 0; k < pdf.size(); ++k) {
                if (k % 24 == 0) cpp << "\n ";
                cpp << " " << static_cast<unsigned>(static_cast<unsigned char>(pdf[k])) << ",";
            }
            cpp << "\n};\n\n";
            names.push_back(name);
        }
    } catch (PdfError const& e) {
        std::cerr << "make_template: PoDoFo error " << PdfError::ErrorName(e.GetError()) << "\n";
        return 1;
    } catch (std::exception const& e) {
        std::cerr << "make_template: " << e.what() << "\n";
        return 1;
    }
    cpp << "Document const documents[] = {\n";
    for (auto const& n : names) cpp << "    {\"" << n << "\", " << n << ", sizeof " << n << "},\n";
    cpp << "};\nstd::size_t const document_count = " << names.size() << ";\n\n}  // namespace signflow::stdlib::stock_data\n";
    std::ofstream(argv[2]) << cpp.str();
    return 0;
}
