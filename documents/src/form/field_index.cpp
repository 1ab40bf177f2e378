// The AcroForm walk behind describe() and fill(). It works on PoDoFo's
// objects directly rather than through PdfPage::GetField: one pass over the
// /Fields tree and one over the pages' /Annots arrays, whatever the number of
// fields, and no annotation list rebuilt per call.
#include "form/field_index.hpp"

#include <algorithm>
#include <set>

namespace signflow::documents::form_detail {

using namespace PoDoFo;

namespace {

// A form nests fields a few levels deep; a file that nests deeper (or makes
// a /Kids cycle) is hostile or broken, and the walk stops there.
constexpr int max_depth = 32;
constexpr std::string_view marker_prefix = "section:";

PdfObject* resolve(PdfObject* o) {
    if (o && o->IsReference() && o->GetOwner()) return o->GetOwner()->GetObject(o->GetReference());
    return o;
}

bool is_widget(PdfObject* o) {
    PdfObject* subtype = o->GetDictionary().GetKey("Subtype");
    return subtype && subtype->IsName() && subtype->GetName() == "Widget";
}

FieldType type_of(PdfObject* field, long flags) {
    PdfObject* ft = inherited(field, "FT");
    std::string t = ft && ft->IsName() ? ft->GetName().GetName() : "";
    if (t == "Btn") {
        if (flags & ff_push_button) return FieldType::button;
        if (flags & ff_radio) return FieldType::radio;
        return FieldType::checkbox;
    }
    if (t == "Ch") return FieldType::choice;
    if (t == "Sig") return FieldType::signature;
    return FieldType::text;  // "Tx", and a field without /FT is treated as text
}

// On-state names of a check box or radio widget: the keys of /AP /N (and /D)
// other than /Off.
void collect_states(PdfObject* widget, std::vector<std::string>& states) {
    PdfObject* ap = widget->GetIndirectKey("AP");
    if (!ap || !ap->IsDictionary()) return;
    for (char const* which : {"N", "D"}) {
        PdfObject* n = ap->GetIndirectKey(which);
        if (!n || !n->IsDictionary()) continue;
        for (auto const& [key, value] : n->GetDictionary().GetKeys()) {
            (void)value;
            std::string name = key.GetName();
            if (name != "Off" && std::find(states.begin(), states.end(), name) == states.end()) states.push_back(name);
        }
    }
}

void collect_choices(PdfObject* field, std::vector<ChoiceOption>& out) {
    PdfObject* opt = resolve(inherited(field, "Opt"));
    if (!opt || !opt->IsArray()) return;
    for (auto& element : opt->GetArray()) {
        PdfObject* e = resolve(&element);
        if (e->IsArray() && e->GetArray().size() >= 2) {
            out.push_back({text_of(resolve(&e->GetArray()[0])), text_of(resolve(&e->GetArray()[1]))});
        } else {
            std::string s = text_of(e);
            out.push_back({s, s});
        }
    }
}

class Walker {
public:
    Walker(FieldIndex& index, std::map<PdfReference, int> const& pages) : index_(index), pages_(pages) {}

    void node(PdfObject* o, PdfObject* parent, std::string const& parent_name, long parent_flags, int depth) {
        if (!o || !o->IsDictionary() || depth > max_depth) return;
        if (o->Reference().IsIndirect() && !seen_.insert(o->Reference()).second) return;
        std::string name = parent_name;
        if (PdfObject* t = o->GetDictionary().GetKey("T")) {
            std::string part = text_of(t);
            name = name.empty() ? part : name + "." + part;
        }
        long flags = parent_flags;
        if (PdfObject* ff = o->GetDictionary().GetKey("Ff"); ff && ff->IsNumber()) flags = static_cast<long>(ff->GetNumber());

        std::vector<PdfObject*> child_fields, child_widgets;
        if (PdfObject* kids = resolve(o->GetDictionary().GetKey("Kids")); kids && kids->IsArray()) {
            for (auto& k : kids->GetArray()) {
                PdfObject* kid = resolve(&k);
                if (!kid || !kid->IsDictionary()) continue;
                if (kid->GetDictionary().HasKey("T") || !is_widget(kid))
                    child_fields.push_back(kid);
                else
                    child_widgets.push_back(kid);
            }
        }
        if (!child_fields.empty()) {
            for (PdfObject* kid : child_fields) node(kid, o, name, flags, depth + 1);
            return;
        }
        if (name.empty()) return;  // a widget without a field: nothing to fill
        Field f;
        f.name = name;
        f.object = o;
        f.parent = parent;
        f.flags = flags;
        f.type = type_of(o, flags);
        if (child_widgets.empty() && is_widget(o)) child_widgets.push_back(o);
        for (PdfObject* w : child_widgets) {
            int page = -1;
            if (w->Reference().IsIndirect())
                if (auto it = pages_.find(w->Reference()); it != pages_.end()) page = it->second;
            f.widgets.push_back({w, page});
            if (f.type == FieldType::checkbox || f.type == FieldType::radio) collect_states(w, f.states);
        }
        if (f.type == FieldType::choice) collect_choices(o, f.choices);
        f.marker = name.rfind(marker_prefix, 0) == 0;
        if (index_.by_name.count(name)) return;  // a second field of the same name: the first wins
        index_.by_name.emplace(name, index_.fields.size());
        index_.fields.push_back(std::move(f));
    }

private:
    FieldIndex& index_;
    std::map<PdfReference, int> const& pages_;
    std::set<PdfReference> seen_;
};

Section& section_named(FieldIndex& index, std::string const& name) {
    for (auto& s : index.sections)
        if (s.name == name) return s;
    index.sections.push_back({name, {}, {}});
    return index.sections.back();
}

void assign_sections(FieldIndex& index) {
    // Page sections first, so a page's fields can be attributed to them.
    std::map<int, std::string> page_section;
    for (std::size_t i = 0; i < index.fields.size(); ++i) {
        Field& f = index.fields[i];
        if (f.marker) {
            std::string name = f.name.substr(marker_prefix.size());
            if (name.empty()) continue;
            Section& s = section_named(index, name);
            for (auto const& w : f.widgets)
                if (w.page >= 0 && !page_section.count(w.page)) {
                    page_section[w.page] = name;
                    s.pages.push_back(w.page);
                }
            continue;
        }
        if (auto dot = f.name.find('.'); dot != std::string::npos && dot > 0) {
            f.section = f.name.substr(0, dot);
            section_named(index, f.section).fields.push_back(i);
        }
    }
    for (auto& s : index.sections) std::sort(s.pages.begin(), s.pages.end());
    // A field lives in a page section when all its widgets are on that
    // section's pages (removing them removes the field).
    for (std::size_t i = 0; i < index.fields.size(); ++i) {
        Field& f = index.fields[i];
        if (f.marker || f.widgets.empty()) continue;
        std::string owner;
        bool all = true;
        for (auto const& w : f.widgets) {
            auto it = page_section.find(w.page);
            if (it == page_section.end() || (!owner.empty() && owner != it->second)) {
                all = false;
                break;
            }
            owner = it->second;
        }
        if (!all || owner.empty()) continue;
        if (f.section.empty()) f.section = owner;
        auto& list = section_named(index, owner).fields;
        if (std::find(list.begin(), list.end(), i) == list.end()) list.push_back(i);
    }
}

}  // namespace

PdfObject* inherited(PdfObject* field, char const* key) {
    for (int depth = 0; field && field->IsDictionary() && depth <= max_depth; ++depth) {
        if (PdfObject* v = field->GetIndirectKey(key)) return v;
        field = field->GetIndirectKey("Parent");
    }
    return nullptr;
}

std::string text_of(PdfObject const* value) {
    if (!value) return {};
    if (value->IsString() || value->IsHexString()) return value->GetString().GetStringUtf8();
    if (value->IsName()) return value->GetName().GetName();
    if (value->IsNumber()) return std::to_string(value->GetNumber());
    return {};
}

std::string current_value(Field const& field) {
    PdfObject* v = inherited(field.object, "V");
    if (field.type == FieldType::checkbox && !v && !field.widgets.empty()) {
        // Some writers keep the state only in the widget's /AS.
        v = field.widgets.front().object->GetIndirectKey("AS");
    }
    if (v && v->IsArray()) {  // a multi-select list: its first selection
        return v->GetArray().empty() ? std::string() : text_of(&v->GetArray()[0]);
    }
    return text_of(v);
}

Field* FieldIndex::find(std::string const& name) {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : &fields[it->second];
}

Section const* FieldIndex::section(std::string const& name) const {
    for (auto const& s : sections)
        if (s.name == name) return &s;
    return nullptr;
}

std::vector<PdfObject*> page_objects(PdfMemDocument& doc) {
    // The page tree walked by hand: PdfPagesTree::GetPage builds a PdfPage
    // (contents, resources) for each page, a tenth of a fill, when all that
    // is needed here is each page's /Annots.
    std::vector<PdfObject*> pages;
    std::set<PdfReference> seen;
    std::vector<std::pair<PdfObject*, int>> stack;
    if (PdfObject* root = doc.GetCatalog()->GetIndirectKey("Pages")) stack.push_back({root, 0});
    while (!stack.empty()) {
        auto [node, depth] = stack.back();
        stack.pop_back();
        if (!node || !node->IsDictionary() || depth > max_depth) continue;
        if (node->Reference().IsIndirect() && !seen.insert(node->Reference()).second) continue;
        PdfObject* kids = node->GetIndirectKey("Kids");
        if (!kids || !kids->IsArray()) {
            pages.push_back(node);
            continue;
        }
        auto& a = kids->GetArray();
        for (auto it = a.rbegin(); it != a.rend(); ++it) stack.push_back({resolve(&*it), depth + 1});
    }
    return pages;
}

FieldIndex index_fields(PdfMemDocument& doc) {
    FieldIndex index;
    auto page_list = page_objects(doc);
    index.pages = static_cast<int>(page_list.size());
    std::map<PdfReference, int> pages;
    for (int i = 0; i < index.pages; ++i) {
        PdfObject* annots = page_list[static_cast<std::size_t>(i)]->GetIndirectKey("Annots");
        if (!annots || !annots->IsArray()) continue;
        for (auto const& a : annots->GetArray())
            if (a.IsReference()) pages.emplace(a.GetReference(), i);
    }
    PdfObject* acroform = doc.GetCatalog()->GetIndirectKey("AcroForm");
    if (!acroform || !acroform->IsDictionary()) return index;
    PdfObject* fields = acroform->GetIndirectKey("Fields");
    if (!fields || !fields->IsArray()) return index;
    Walker walker(index, pages);
    for (auto& f : fields->GetArray()) walker.node(resolve(&f), nullptr, "", 0, 0);
    assign_sections(index);
    return index;
}

std::string describe_error(PdfError const& e) {
    std::string what = PdfError::ErrorMessage(e.GetError()) ? PdfError::ErrorMessage(e.GetError()) : "";
    if (what.empty()) what = PdfError::ErrorName(e.GetError()) ? PdfError::ErrorName(e.GetError()) : "PoDoFo error";
    auto const& callstack = e.GetCallstack();
    if (!callstack.empty() && !callstack.front().GetInformation().empty())
        what += " (" + callstack.front().GetInformation() + ")";
    return what;
}

void load(PdfMemDocument& doc, std::string_view pdf, bool for_update) {
    if (pdf.size() < 8 || pdf.substr(0, 5) != "%PDF-") {
        // PoDoFo would search for a header anywhere; a template must be a PDF
        // from its first byte, which also keeps HTML error pages out.
        throw DocumentError("not a PDF: the data does not start with %PDF-");
    }
    // PoDoFo logs what it repairs (a trailer it re-read, an xref it rebuilt)
    // to standard error; a library has no business writing there.
    static bool const quiet = [] {
        PdfError::EnableLogging(false);
        PdfError::EnableDebug(false);
        return true;
    }();
    (void)quiet;
    try {
        doc.LoadFromBuffer(pdf.data(), static_cast<long>(pdf.size()), for_update);
    } catch (PdfError const& e) {
        throw DocumentError("not a readable PDF: " + describe_error(e));
    }
}

}  // namespace signflow::documents::form_detail
