#pragma once
// The two TrueType fonts signflow draws text with (Debian's fonts-dejavu-core
// and fonts-droid-fallback), their bytes read once per thread, and subset
// fonts made over those bytes. Used by the form filler's appearances, the
// visible signature and the certificate of completion.
#include <podofo/podofo.h>

#include <memory>

namespace signflow::documents::fonts {

inline constexpr char const* latin = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
inline constexpr char const* cjk = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf";  // 4 MB

// The bytes of a font file, read once per thread: PdfRefCountedBuffer's
// count is not atomic, so each thread keeps its own copy rather than share
// one; the metrics of every document then borrow it without copying. Null
// when the file cannot be read (not tried again on this thread).
PoDoFo::PdfRefCountedBuffer const* file_bytes(char const* path);

// An embedded Identity-H font over those bytes, subset to the glyphs drawn
// with it (PoDoFo writes a ToUnicode map, so the text can be searched and
// extracted). The caller calls EmbedSubsetFont() before the document is
// written; `library` (the document's FreeType instance, copied into a
// member) must outlive the font. Throws DocumentError, naming the font and
// `what` it was for, when the file cannot be read or loaded.
std::unique_ptr<PoDoFo::PdfFont> subset_font(PoDoFo::PdfMemDocument& document, FT_Library& library, char const* path,
                                             char const* prefix, char const* what);

}  // namespace signflow::documents::fonts
