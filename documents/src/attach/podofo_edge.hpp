#pragma once
// What the attach part needs from PoDoFo at its edge, in one place: PoDoFo's
// error codes turned into words for a signer or an operator, and the
// load-for-update / write-an-incremental-update round trip that
// embed_attachments and append_completion_page share (the same mechanism the
// signing code uses: PdfMemDocument::LoadFromBuffer(…, true) then
// WriteUpdate to memory).
#include <podofo/podofo.h>

#include <memory>
#include <string>
#include <string_view>

namespace signflow::documents::attach {

// A short phrase saying what is wrong with a PDF PoDoFo refused ("it ends
// before its end-of-file marker, probably cut short in the upload"), followed
// by PoDoFo's own detail when it has one. Never empty.
std::string describe_pdf_error(PoDoFo::PdfError const& error);

// The document loaded so that WriteUpdate can append to it. `what` names the
// document in messages ("the document"). Throws DocumentError.
std::unique_ptr<PoDoFo::PdfMemDocument> load_for_update(std::string_view pdf, char const* what);

// `original` followed by the incremental update of `document` (loaded from
// `original` by load_for_update). Checks that the result starts with the
// original bytes: a PoDoFo that rewrote them would break every signature, and
// that must never pass silently. Throws DocumentError.
std::string write_incremental_update(PoDoFo::PdfMemDocument& document, std::string_view original, char const* what);

// A PDF text string from UTF-8: PDFDocEncoding when the text is ASCII (any
// reader shows it), UTF-16BE with a byte-order mark otherwise.
PoDoFo::PdfString pdf_text(std::string const& utf8);

}  // namespace signflow::documents::attach
