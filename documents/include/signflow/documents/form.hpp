#pragma once
// PDF templates: what a form offers (describe) and a filled copy of it (fill).
//
// A template is any PDF with AcroForm fields, made by PoDoFo (the stock
// templates), reportlab, Acrobat or LibreOffice. `describe` lists its fields
// and conditional sections; `fill` sets values by field name, draws an
// appearance stream for every value it sets (viewers that ignore
// NeedAppearances, and signatures over the result, see what was filled), and
// removes the sections the workflow does not show: their pages and fields are
// gone from the output, not hidden.
//
// How a template marks its sections (docs/templates.md says it for authors):
//   - a field whose full name begins with `SECTION.` (an AcroForm parent
//     SECTION, or a flat name with that prefix) belongs to section SECTION;
//     hiding the section removes those fields and their widgets;
//   - a page that carries a field named `section:SECTION` (a hidden marker,
//     any type) belongs to SECTION and is removed whole, with every field on it.
//     Markers are structure, not data: `describe` does not list them as fields.
//
// Text is drawn in Helvetica when it fits WinAnsi; anything else in an
// embedded, subset TrueType font (DejaVu Sans for Latin, Greek and Cyrillic,
// Droid Sans Fallback for CJK), so that CJK values render and extract.
// Both functions are thread-safe: every call works on its own document.
#include "signflow/documents/error.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::documents {

enum class FieldType { text, checkbox, radio, choice, signature, button };
std::string_view to_string(FieldType type);

struct FieldInfo {
    std::string name;                  // the full name: parent names joined by '.'
    FieldType type = FieldType::text;
    std::vector<std::string> options;  // radio and choice: the values it accepts; checkbox: its on-state
    int page = 0;                      // 1-based page of its first widget; 0 when it has none
    std::string value;                 // its current value (a checkbox: its state name, "Off" when clear)
    std::string section;               // the section it belongs to, "" when none
    bool read_only = false;            // the viewer may not change it (the program still fills it)
    int max_length = 0;                // text: the most characters it holds (/MaxLen); 0 when it says none
};

struct SectionInfo {
    std::string name;
    std::vector<int> pages;            // 1-based pages hiding it removes
    std::vector<std::string> fields;   // fields hiding it removes (those on its pages included)
};

struct TemplateInfo {
    std::vector<FieldInfo> fields;     // in the AcroForm's order
    std::vector<SectionInfo> sections; // in order of first appearance
    int pages = 0;
};

// The fields and sections of a PDF form. Throws DocumentError when the bytes
// are not a PDF PoDoFo can read.
TemplateInfo describe(std::string_view pdf);

// A text field the PDF lacks, made by fill() at a place the template gives
// (points from the page's lower left corner), empty and fillable.
struct PlacedField {
    std::string name;
    int page = 1;  // 1-based
    double x = 0, y = 0, width = 0, height = 0;
};

struct FillRequest {
    nlohmann::json values = nlohmann::json::object();  // field name -> string | number | bool | null (null leaves it)
    std::map<std::string, bool> sections;               // section -> shown; a section not named is shown
    std::vector<PlacedField> placed;                    // made before the values are set
    std::vector<std::string> lock;                      // made read-only, their value left as it is
};

struct FilledDocument {
    std::string pdf;
    std::string sha256;                         // of `pdf`: the hash the audit trail records
    std::vector<std::string> removed_sections;  // in the template's order
};

// A filled copy of `pdf`. Values for fields of a removed section are
// ignored (a workflow sets them whether or not the section shows). Throws
// DocumentError naming the field for an unknown field, a value of the wrong
// type (text into a check box, an option a choice lacks, anything into a
// signature field), and naming the section for an unknown section. A placed
// field whose name the PDF has already, or whose page it lacks, is refused.
FilledDocument fill(std::string_view pdf, FillRequest const& request);

}  // namespace signflow::documents
