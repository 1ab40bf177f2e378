#pragma once
// The visible part of a signature: a form XObject with the typed name (in
// an embedded, subset TrueType font so that any script renders: DejaVu Sans,
// or Droid Sans Fallback when the text has CJK), the date line the caller
// formatted in the signer's zone, and optionally the signer's drawn image.
// Only this file and signing.cpp see PoDoFo's drawing API.
#include "signflow/documents/signing.hpp"

#include <podofo/podofo.h>

namespace signflow::documents::sign_detail {

// Draws `appearance` into a new XObject the size of `rect` and makes it the
// field's normal appearance.
void draw_appearance(PoDoFo::PdfMemDocument& document, PoDoFo::PdfSignatureField& field, PoDoFo::PdfRect const& rect,
                     Appearance const& appearance);

}  // namespace signflow::documents::sign_detail
