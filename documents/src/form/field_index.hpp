#pragma once
// One walk over a loaded document's AcroForm: every terminal field by its
// full name, with its type, flags, options, widgets and their pages, and the
// sections the fields and pages belong to. describe() and fill() both start
// here; walking once and keeping a name -> field map matters for speed
// (PoDoFo's PdfPage::GetNumFields rebuilds the annotation list on each call).
#include "signflow/documents/form.hpp"

#include <podofo/podofo.h>

#include <map>
#include <string>
#include <vector>

namespace signflow::documents::form_detail {

// Field flags (PDF 32000-1, tables 221, 226, 228, 230); bit n is 1 << (n-1).
inline constexpr long ff_read_only = 1L << 0;
inline constexpr long ff_multiline = 1L << 12;
inline constexpr long ff_no_toggle_off = 1L << 14;
inline constexpr long ff_radio = 1L << 15;
inline constexpr long ff_push_button = 1L << 16;
inline constexpr long ff_combo = 1L << 17;
inline constexpr long ff_edit = 1L << 18;

struct ChoiceOption {
    std::string export_value;  // what /V holds
    std::string display;       // what the viewer shows (same as export when /Opt has plain strings)
};

struct Widget {
    PoDoFo::PdfObject* object = nullptr;
    int page = -1;  // 0-based; -1 when no page lists it in /Annots
};

struct Field {
    std::string name;
    FieldType type = FieldType::text;
    PoDoFo::PdfObject* object = nullptr;  // the terminal field dictionary
    PoDoFo::PdfObject* parent = nullptr;  // its /Parent, nullptr at the top of /Fields
    long flags = 0;                       // /Ff, inherited
    std::vector<Widget> widgets;          // the field itself when it is merged with its widget
    std::vector<ChoiceOption> choices;    // choice fields
    std::vector<std::string> states;      // check boxes and radios: the on-state names
    std::string section;                  // by name prefix or by page marker; "" when none
    bool marker = false;                  // `section:NAME`: structure, not a field to fill
};

struct Section {
    std::string name;
    std::vector<int> pages;     // 0-based, ascending
    std::vector<std::size_t> fields;  // indexes into FieldIndex::fields
};

struct FieldIndex {
    std::vector<Field> fields;           // in the AcroForm's order, markers included
    std::map<std::string, std::size_t> by_name;
    std::vector<Section> sections;       // in order of first appearance
    int pages = 0;

    Field* find(std::string const& name);
    Section const* section(std::string const& name) const;
};

// The document's page objects in order (the page tree's leaves).
std::vector<PoDoFo::PdfObject*> page_objects(PoDoFo::PdfMemDocument& doc);

// Walks the document. Needs no AcroForm: a PDF without one has no fields.
FieldIndex index_fields(PoDoFo::PdfMemDocument& doc);

// Inherited attributes walk up /Parent (PDF 32000-1, 12.7.3.1).
PoDoFo::PdfObject* inherited(PoDoFo::PdfObject* field, char const* key);

// A string value from a PdfString (UTF-8) or name.
std::string text_of(PoDoFo::PdfObject const* value);

// The current value of a field as describe() reports it.
std::string current_value(Field const& field);

// Loads bytes into `doc`; PoDoFo errors become DocumentError("what: cause").
// `for_update` keeps the bytes for an incremental update (WriteUpdate).
void load(PoDoFo::PdfMemDocument& doc, std::string_view pdf, bool for_update = false);

// PoDoFo's error as words.
std::string describe_error(PoDoFo::PdfError const& e);

}  // namespace signflow::documents::form_detail
