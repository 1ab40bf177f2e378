#pragma once
// Removing the sections a workflow does not show. "Removed, not blanked": the
// pages leave the page tree, the fields leave the AcroForm and their widgets
// leave the pages, and every object no longer reachable from the trailer is
// dropped, so a hidden clause's text is not in the output's bytes either.
#include "form/field_index.hpp"

#include <set>
#include <string>
#include <vector>

namespace signflow::documents::form_detail {

// The fields (indexes into index.fields) that hiding `sections` removes.
std::set<std::size_t> fields_removed_by(FieldIndex const& index, std::vector<std::string> const& sections);

// Removes the sections' pages and fields from `doc`.
void remove_sections(PoDoFo::PdfMemDocument& doc, FieldIndex const& index, std::vector<std::string> const& sections);

}  // namespace signflow::documents::form_detail
