// fill(): values into fields by name, appearances drawn, hidden sections
// removed, the result written to memory. Every value is checked against its
// field before anything is written, in the words of the template author:
// which field, which value, what it accepts.
#include "signflow/documents/form.hpp"

#include "form/appearance.hpp"
#include "form/field_index.hpp"
#include "form/sections.hpp"
#include "form/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace signflow::documents {

using namespace PoDoFo;
using namespace form_detail;

namespace {

std::string shown(nlohmann::json const& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string list(std::vector<std::string> const& names) {
    std::string out;
    for (auto const& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "none" : out;
}

// A number as a person writes it: 1500, not 1500.0; 0.25, not 2.5e-01.
std::string number_text(nlohmann::json const& value) {
    if (value.is_number_integer() || value.is_number_unsigned()) return shown(value);
    double d = value.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", d);
        return buf;
    }
    return shown(value);
}

PdfString pdf_string(std::string const& utf8) {
    bool ascii = std::all_of(utf8.begin(), utf8.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) return PdfString(utf8.c_str());
    return PdfString(reinterpret_cast<pdf_utf8 const*>(utf8.c_str()));
}

class Filler {
public:
    Filler(PdfMemDocument& doc, AppearanceWriter& appearances)
        : appearances_(appearances), acroform_(doc.GetCatalog()->GetIndirectKey("AcroForm")) {}

    void set(Field& f, nlohmann::json const& value) {
        switch (f.type) {
        case FieldType::text: text(f, value); break;
        case FieldType::checkbox: checkbox(f, value); break;
        case FieldType::radio: radio(f, value); break;
        case FieldType::choice: choice(f, value); break;
        case FieldType::signature:
            throw DocumentError("field `" + f.name + "` is a signature field: it is signed, not filled (value " +
                                shown(value) + ")");
        case FieldType::button:
            throw DocumentError("field `" + f.name + "` is a push button: it holds no value (value " + shown(value) +
                                ")");
        }
        // What the workflow filled is not for a signer's viewer to change.
        f.object->GetDictionary().AddKey("Ff", PdfVariant(static_cast<pdf_int64>(f.flags | ff_read_only)));
    }

private:
    AppearanceWriter& appearances_;
    PdfObject* acroform_;

    std::string scalar_text(Field const& f, nlohmann::json const& value, char const* kind) {
        if (value.is_string()) return value.get<std::string>();
        if (value.is_number()) return number_text(value);
        throw DocumentError("field `" + f.name + "` is " + kind + ": " + shown(value) + " is not text or a number");
    }

    void text(Field& f, nlohmann::json const& value) {
        std::string s = scalar_text(f, value, "a text field");
        auto chars = decode_utf8(s);
        if (PdfObject* max = inherited(f.object, "MaxLen"); max && max->IsNumber() && max->GetNumber() > 0 &&
                                                          static_cast<long long>(chars.size()) > max->GetNumber())
            throw DocumentError("field `" + f.name + "` holds at most " + std::to_string(max->GetNumber()) +
                                " characters: " + shown(value) + " has " + std::to_string(chars.size()));
        f.object->GetDictionary().AddKey("V", pdf_string(s));
        for (auto const& w : f.widgets)
            appearances_.draw_text(w.object, chars, style_of(f.object, w.object, acroform_, f.flags));
    }

    void set_state(Field& f, std::string const& state, bool radio) {
        f.object->GetDictionary().AddKey("V", PdfName(state));
        for (auto const& w : f.widgets) {
            // A widget shows the state when it has an appearance for it; for a
            // group of widgets that each stand for one value (radios, or check
            // boxes that share a name), only the matching one turns on.
            bool has = false;
            if (PdfObject* ap = w.object->GetIndirectKey("AP"); ap && ap->IsDictionary())
                if (PdfObject* n = ap->GetIndirectKey("N"); n && n->IsDictionary()) has = n->GetDictionary().HasKey(state);
            if (!has && state != "Off" && f.widgets.size() == 1) {
                appearances_.ensure_check_appearance(w.object, state, radio);
                has = true;
            }
            w.object->GetDictionary().AddKey("AS", PdfName(has ? state : "Off"));
        }
    }

    void checkbox(Field& f, nlohmann::json const& value) {
        std::string on = f.states.empty() ? "Yes" : f.states.front();
        if (value.is_boolean()) return set_state(f, value.get<bool>() ? on : "Off", false);
        if (value.is_string()) {
            auto s = value.get<std::string>();
            if (s == "Off" || std::find(f.states.begin(), f.states.end(), s) != f.states.end())
                return set_state(f, s, false);
        }
        throw DocumentError("field `" + f.name + "` is a check box: " + shown(value) + " is not true or false");
    }

    void radio(Field& f, nlohmann::json const& value) {
        if (value.is_string() || value.is_number()) {
            std::string s = value.is_string() ? value.get<std::string>() : number_text(value);
            if (std::find(f.states.begin(), f.states.end(), s) != f.states.end()) return set_state(f, s, true);
        }
        throw DocumentError("field `" + f.name + "` is a radio group: " + shown(value) + " is not one of its options (" +
                            list(f.states) + ")");
    }

    void choice(Field& f, nlohmann::json const& value) {
        std::string s = scalar_text(f, value, "a choice field");
        auto it = std::find_if(f.choices.begin(), f.choices.end(),
                               [&](ChoiceOption const& o) { return o.export_value == s || o.display == s; });
        bool editable = (f.flags & ff_combo) && (f.flags & ff_edit);
        if (it == f.choices.end() && !editable) {
            std::vector<std::string> options;
            for (auto const& o : f.choices) options.push_back(o.export_value);
            throw DocumentError("field `" + f.name + "` is a choice: " + shown(value) + " is not one of its options (" +
                                list(options) + ")");
        }
        std::string export_value = it == f.choices.end() ? s : it->export_value;
        std::string display = it == f.choices.end() ? s : it->display;
        f.object->GetDictionary().AddKey("V", pdf_string(export_value));
        if (!(f.flags & ff_combo) && it != f.choices.end()) {  // a list box also marks the index
            PdfArray selected;
            selected.push_back(PdfVariant(static_cast<pdf_int64>(it - f.choices.begin())));
            f.object->GetDictionary().AddKey("I", selected);
        }
        auto chars = decode_utf8(display);
        for (auto const& w : f.widgets) {
            TextStyle style = style_of(f.object, w.object, acroform_, 0);
            appearances_.draw_text(w.object, chars, style);
        }
    }
};

// The text fields the template places (docs/templates.md: a position
// instead of a field in the PDF): one widget each, on its page, in the
// AcroForm (made when the PDF has none), with Helvetica as its default
// appearance; fill() then sets and draws them as any other text field.
void add_placed(PdfMemDocument& doc, std::vector<PlacedField> const& placed) {
    if (placed.empty()) return;
    FieldIndex const before = index_fields(doc);
    PdfObject* acroform = doc.GetCatalog()->GetIndirectKey("AcroForm");
    if (!acroform || !acroform->IsDictionary()) {
        acroform = doc.GetObjects().CreateObject();
        acroform->GetDictionary().AddKey("Fields", PdfArray());
        acroform->GetDictionary().AddKey("DA", PdfString("/Helv 10 Tf 0 g"));
        doc.GetCatalog()->GetDictionary().AddKey("AcroForm", acroform->Reference());
    }
    int const pages = doc.GetPageCount();
    for (auto const& f : placed) {
        if (before.by_name.count(f.name))
            throw DocumentError("field `" + f.name + "` is placed by the template, but the PDF has a field of that name");
        if (f.page < 1 || f.page > pages)
            throw DocumentError("field `" + f.name + "` is placed on page " + std::to_string(f.page) + ", but the PDF has " +
                                std::to_string(pages) + " page" + (pages == 1 ? "" : "s"));
        if (!(f.width > 0 && f.height > 0))
            throw DocumentError("field `" + f.name + "` is placed in a box without a width and a height");
        PdfPage* page = doc.GetPage(f.page - 1);
        PdfObject* w = doc.GetObjects().CreateObject("Annot");
        auto& d = w->GetDictionary();
        d.AddKey("Subtype", PdfName("Widget"));
        d.AddKey("FT", PdfName("Tx"));
        d.AddKey("T", pdf_string(f.name));
        PdfArray rect;
        for (double v : {f.x, f.y, f.x + f.width, f.y + f.height}) rect.push_back(PdfObject(v));
        d.AddKey("Rect", rect);
        d.AddKey("F", PdfVariant(static_cast<pdf_int64>(4)));  // printed
        d.AddKey("P", page->GetObject()->Reference());
        d.AddKey("DA", PdfString("/Helv 10 Tf 0 g"));
        // New arrays, set whole: an array grown in place loses its elements'
        // owner in PoDoFo 0.9 (their references would no longer resolve).
        auto with = [&](PdfObject* array) {
            PdfArray out;
            if (array && array->IsArray()) out = array->GetArray();
            out.push_back(w->Reference());
            return out;
        };
        page->GetObject()->GetDictionary().AddKey("Annots", with(page->GetObject()->GetIndirectKey("Annots")));
        acroform->GetDictionary().AddKey("Fields", with(acroform->GetIndirectKey("Fields")));
    }
}

}  // namespace

FilledDocument fill(std::string_view pdf, FillRequest const& request) {
    if (!request.values.is_object() && !request.values.is_null())
        throw DocumentError("the values to fill must be a JSON object of field names, not " +
                            std::string(request.values.type_name()));
    try {
        // Without a section to remove, the filled document is the template
        // plus an incremental update holding only what changed (the fields,
        // their appearances, the fonts). PoDoFo parses objects lazily, and a
        // full rewrite would parse and print every one: that was 80% of a
        // fill. Removing a section needs the rewrite, so that what it removes
        // is not left in the file's first revision.
        bool const removes = std::any_of(request.sections.begin(), request.sections.end(),
                                         [](auto const& s) { return !s.second; });
        PdfMemDocument doc;
        load(doc, pdf, !removes);
        add_placed(doc, request.placed);
        FieldIndex index = index_fields(doc);

        std::vector<std::string> hidden;
        for (auto const& [name, show] : request.sections) {
            if (!index.section(name)) {
                std::vector<std::string> names;
                for (auto const& s : index.sections) names.push_back(s.name);
                throw DocumentError("the template has no section `" + name + "` (its sections: " + list(names) + ")");
            }
            if (!show) hidden.push_back(name);
        }
        std::vector<std::string> ordered;  // the template's order, for the audit trail
        for (auto const& s : index.sections)
            if (std::find(hidden.begin(), hidden.end(), s.name) != hidden.end()) ordered.push_back(s.name);
        auto removed = fields_removed_by(index, ordered);

        AppearanceWriter appearances(doc);
        Filler filler(doc, appearances);
        if (request.values.is_object()) {
            for (auto const& [name, value] : request.values.items()) {
                auto it = index.by_name.find(name);
                if (it == index.by_name.end() || index.fields[it->second].marker)
                    throw DocumentError("the template has no field `" + name + "`");
                if (value.is_null() || removed.count(it->second)) continue;
                filler.set(index.fields[it->second], value);
            }
        }
        for (auto const& name : request.lock) {
            auto it = index.by_name.find(name);
            if (it == index.by_name.end() || index.fields[it->second].marker || removed.count(it->second))
                throw DocumentError("the template has no field `" + name + "` to lock");
            Field& f = index.fields[it->second];
            f.object->GetDictionary().AddKey("Ff", PdfVariant(static_cast<pdf_int64>(f.flags | ff_read_only)));
        }
        if (!ordered.empty()) remove_sections(doc, index, ordered);
        appearances.finish();
        // Every value set has its appearance: viewers must show those, not
        // regenerate their own (which a signature would not cover).
        if (PdfObject* acroform = doc.GetCatalog()->GetIndirectKey("AcroForm"); acroform && acroform->IsDictionary())
            acroform->GetDictionary().RemoveKey("NeedAppearances");

        PdfRefCountedBuffer buffer;
        PdfOutputDevice device(&buffer);
        if (removes)
            doc.Write(&device);
        else
            doc.WriteUpdate(&device, true);
        FilledDocument out;
        out.pdf.assign(buffer.GetBuffer(), device.GetLength());
        out.sha256 = sha256_hex(out.pdf);
        out.removed_sections = std::move(ordered);
        return out;
    } catch (PdfError const& e) {
        throw DocumentError("cannot fill the template: " + describe_error(e));
    }
}

}  // namespace signflow::documents
