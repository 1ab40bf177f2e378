// Section removal: pages first out of the page tree, then fields out of the
// field tree (a parent whose last kid goes goes too), widgets out of the
// pages that remain, and finally a mark-and-sweep from the trailer. PoDoFo's
// own CollectGarbage counts references from unreachable objects too, so it
// would keep a removed page's content stream; the sweep here does not.
#include "form/sections.hpp"

#include <algorithm>
#include <vector>

namespace signflow::documents::form_detail {

using namespace PoDoFo;

namespace {

void erase_ref(PdfObject* array_holder, char const* key, PdfReference const& ref) {
    if (!array_holder || !array_holder->IsDictionary()) return;
    PdfObject* arr = array_holder->GetIndirectKey(key);
    if (!arr || !arr->IsArray()) return;
    auto& a = arr->GetArray();
    for (std::size_t i = a.size(); i-- > 0;)
        if (a[i].IsReference() && a[i].GetReference() == ref) a.erase(a.begin() + static_cast<std::ptrdiff_t>(i));
}

// Takes `field` out of its parent's /Kids (or the AcroForm's /Fields); a
// parent left without kids is taken out in turn.
void unlink_field(PdfObject* field, PdfObject* acroform, int depth = 0) {
    if (!field || !field->Reference().IsIndirect() || depth > 32) return;
    PdfObject* parent = field->GetIndirectKey("Parent");
    if (!parent) {
        erase_ref(acroform, "Fields", field->Reference());
        return;
    }
    erase_ref(parent, "Kids", field->Reference());
    PdfObject* kids = parent->GetIndirectKey("Kids");
    if (!kids || !kids->IsArray() || kids->GetArray().empty()) unlink_field(parent, acroform, depth + 1);
}

void sweep(PdfMemDocument& doc) {
    PdfVecObjects* objects = &doc.GetObjects();
    std::set<PdfReference> reachable;
    std::vector<PdfObject const*> stack{doc.GetTrailer()};
    while (!stack.empty()) {
        PdfObject const* o = stack.back();
        stack.pop_back();
        if (o->IsReference()) {
            if (!reachable.insert(o->GetReference()).second) continue;
            if (PdfObject* target = objects->GetObject(o->GetReference())) stack.push_back(target);
        } else if (o->IsDictionary()) {
            for (auto const& [key, value] : o->GetDictionary().GetKeys()) {
                (void)key;
                stack.push_back(value);
            }
        } else if (o->IsArray()) {
            for (auto const& v : o->GetArray()) stack.push_back(&v);
        }
    }
    std::vector<PdfReference> garbage;
    for (PdfObject* o : *objects)
        if (!reachable.count(o->Reference())) garbage.push_back(o->Reference());
    for (auto const& ref : garbage) delete objects->RemoveObject(ref);
}

}  // namespace

std::set<std::size_t> fields_removed_by(FieldIndex const& index, std::vector<std::string> const& sections) {
    std::set<std::size_t> out;
    for (auto const& name : sections) {
        Section const* s = index.section(name);
        if (!s) continue;
        out.insert(s->fields.begin(), s->fields.end());
        for (std::size_t i = 0; i < index.fields.size(); ++i) {
            Field const& f = index.fields[i];
            if (f.marker && f.name == "section:" + name) out.insert(i);
            // Any field all of whose widgets sit on removed pages goes too.
            if (f.widgets.empty()) continue;
            bool all = std::all_of(f.widgets.begin(), f.widgets.end(), [&](Widget const& w) {
                return std::find(s->pages.begin(), s->pages.end(), w.page) != s->pages.end();
            });
            if (all) out.insert(i);
        }
    }
    return out;
}

void remove_sections(PdfMemDocument& doc, FieldIndex const& index, std::vector<std::string> const& sections) {
    std::set<int> pages;
    for (auto const& name : sections)
        if (Section const* s = index.section(name)) pages.insert(s->pages.begin(), s->pages.end());
    PdfObject* acroform = doc.GetCatalog()->GetIndirectKey("AcroForm");
    auto const page_list = page_objects(doc);
    for (std::size_t i : fields_removed_by(index, sections)) {  // fields and their widgets
        Field const& f = index.fields[i];
        for (auto const& w : f.widgets) {
            if (w.page < 0 || pages.count(w.page) || !w.object->Reference().IsIndirect()) continue;
            if (w.page < static_cast<int>(page_list.size()))
                erase_ref(page_list[static_cast<std::size_t>(w.page)], "Annots", w.object->Reference());
        }
        unlink_field(f.object, acroform);
    }
    auto removed = fields_removed_by(index, sections);
    // A field that stays but has widgets on removed pages loses those widgets.
    for (std::size_t i = 0; i < index.fields.size(); ++i) {
        Field const& f = index.fields[i];
        if (removed.count(i)) continue;
        for (auto const& w : f.widgets)
            if (pages.count(w.page) && w.object != f.object && w.object->Reference().IsIndirect())
                erase_ref(f.object, "Kids", w.object->Reference());
    }
    std::vector<PdfObject*> removed_pages;
    for (int p : pages) removed_pages.push_back(page_list.at(static_cast<std::size_t>(p)));
    for (auto it = pages.rbegin(); it != pages.rend(); ++it) doc.GetPagesTree()->DeletePage(*it);
    // Something else may still point at a removed page (a tagged PDF's
    // structure tree, a link): empty it, so that what it showed is
    // unreachable and swept even then.
    for (PdfObject* page : removed_pages)
        for (char const* key : {"Contents", "Annots", "Resources", "Parent", "Thumb"})
            page->GetDictionary().RemoveKey(key);
    sweep(doc);
}

}  // namespace signflow::documents::form_detail
