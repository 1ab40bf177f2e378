#pragma once
// Reading an uploaded PDF all the way through with PoDoFo, inside limits.
//
// PoDoFo loads objects lazily, so a file whose header and trailer are fine
// can still hold objects it cannot parse; they would surface later, at the
// seal. Here every object is loaded, every stream PoDoFo can decode is
// decoded (counting the bytes against a budget: compression bombs), the
// object graph reachable from the catalog is checked for references to
// objects that are not there (PoDoFo drops objects it cannot parse and only
// logs it), and every page is visited. Encrypted PDFs are refused: their
// content cannot be checked, and a password-protected annex is of no use to
// the people who receive the signed document.
#include "signflow/documents/attachments.hpp"

#include <string_view>

namespace signflow::documents::attach {

// Returns the page count. Throws DocumentError with a sentence for the
// signer ("the PDF is damaged: …", "the PDF has 612 pages; the limit is 500").
int inspect_pdf(std::string_view bytes, UploadLimits const& limits);

}  // namespace signflow::documents::attach
