#pragma once
// The visible part of a signature: a form XObject with the typed name (in
// an embedded, subset TrueType font so that any script renders: DejaVu Sans,
// or Droid Sans Fallback when the text has CJK), the date line the caller
// formatted in the signer's zone, and optionally the signer's drawn image.
// Only this file and signing.cpp see PoDoFo's drawing API.
#include "signflow/documents/signing.hpp"

#include <podofo/podofo.h>

#include <memory>
#include <string_view>

namespace signflow::documents::sign_detail {

// The fonts of one document's signature appearance. The font files are
// read once per thread and shared by reference (PdfRefCountedBuffer's count
// is not atomic, hence per thread); only the glyphs drawn are embedded, as
// a subset, when `embed` is called before the document is written. Building
// them per document through PdfDocument::CreateFontSubset read and parsed
// the whole file each time: half the cost of a visible signature.
class SignatureFonts {
public:
    explicit SignatureFonts(PoDoFo::PdfMemDocument& document);
    ~SignatureFonts();
    SignatureFonts(SignatureFonts const&) = delete;
    SignatureFonts& operator=(SignatureFonts const&) = delete;

    // DejaVu Sans, or Droid Sans Fallback when `text` has CJK.
    PoDoFo::PdfFont* for_text(std::string_view text);
    // Writes the subsets of the fonts used into the document.
    void embed();

private:
    PoDoFo::PdfMemDocument& document_;
    FT_Library library_;  // the document's; PoDoFo keeps a pointer to this member
    std::unique_ptr<PoDoFo::PdfFont> latin_, cjk_;
};

// Draws `appearance` into a new XObject the size of `rect` and makes it the
// field's normal appearance.
void draw_appearance(PoDoFo::PdfMemDocument& document, SignatureFonts& fonts, PoDoFo::PdfSignatureField& field,
                     PoDoFo::PdfRect const& rect, Appearance const& appearance);

}  // namespace signflow::documents::sign_detail
