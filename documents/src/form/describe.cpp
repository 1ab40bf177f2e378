// describe(): what a template offers, for `signflow fields`, the checker
// (a workflow's PDF template) and the tests that hold the stock templates to
// their specs.
#include "signflow/documents/form.hpp"

#include "form/field_index.hpp"

namespace signflow::documents {

using namespace form_detail;

std::string_view to_string(FieldType type) {
    switch (type) {
    case FieldType::text: return "text";
    case FieldType::checkbox: return "checkbox";
    case FieldType::radio: return "radio";
    case FieldType::choice: return "choice";
    case FieldType::signature: return "signature";
    case FieldType::button: return "button";
    }
    return "text";
}

TemplateInfo describe(std::string_view pdf) {
    try {
        PoDoFo::PdfMemDocument doc;
        load(doc, pdf);
        FieldIndex index = index_fields(doc);
        TemplateInfo info;
        info.pages = index.pages;
        for (auto const& f : index.fields) {
            if (f.marker) continue;
            FieldInfo fi;
            fi.name = f.name;
            fi.type = f.type;
            if (f.type == FieldType::choice)
                for (auto const& o : f.choices) fi.options.push_back(o.export_value);
            else if (f.type == FieldType::checkbox || f.type == FieldType::radio)
                fi.options = f.states;
            for (auto const& w : f.widgets)
                if (w.page >= 0) {
                    fi.page = w.page + 1;
                    break;
                }
            fi.value = current_value(f);
            fi.section = f.section;
            fi.read_only = (f.flags & ff_read_only) != 0;
            if (f.type == FieldType::text)
                if (PoDoFo::PdfObject* max = inherited(f.object, "MaxLen"); max && max->IsNumber() && max->GetNumber() > 0)
                    fi.max_length = static_cast<int>(std::min<PoDoFo::pdf_int64>(max->GetNumber(), 1 << 30));
            info.fields.push_back(std::move(fi));
        }
        for (auto const& s : index.sections) {
            SectionInfo si;
            si.name = s.name;
            for (int p : s.pages) si.pages.push_back(p + 1);
            for (std::size_t i : s.fields)
                if (!index.fields[i].marker) si.fields.push_back(index.fields[i].name);
            info.sections.push_back(std::move(si));
        }
        return info;
    } catch (PoDoFo::PdfError const& e) {
        throw DocumentError("cannot read the template's fields: " + describe_error(e));
    }
}

}  // namespace signflow::documents
