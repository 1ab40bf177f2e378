#pragma once
// Appearance streams for filled fields. A value a viewer or a signature
// covers must be drawn: /V alone shows nothing in viewers that do not
// regenerate appearances, and a regenerated appearance would not be what was
// signed. One writer per document: it creates the fonts a document needs on
// first use (Helvetica for WinAnsi text; DejaVu Sans, then Droid Sans
// Fallback, embedded as subset CID fonts, for anything else) and embeds the
// subsets in finish(). The font files are read once per thread.
#include <podofo/podofo.h>

#include <memory>
#include <string>

namespace signflow::documents::form_detail {

struct TextStyle {
    double size = 0;          // from /DA; 0 fits the text to the box
    std::string color = "0 g";  // the colour operators of /DA
    int quadding = 0;         // /Q: 0 left, 1 centred, 2 right
    bool multiline = false;
    bool comb = false;        // unused for now: drawn as ordinary text
};

// The /DA of a field (inherited, else the AcroForm's) as a style.
TextStyle style_of(PoDoFo::PdfObject* field, PoDoFo::PdfObject* widget, PoDoFo::PdfObject* acroform, long flags);

class AppearanceWriter {
public:
    explicit AppearanceWriter(PoDoFo::PdfMemDocument& doc);
    ~AppearanceWriter();
    AppearanceWriter(AppearanceWriter const&) = delete;
    AppearanceWriter& operator=(AppearanceWriter const&) = delete;

    // Makes `text` the normal appearance of `widget` (its /AP /N).
    void draw_text(PoDoFo::PdfObject* widget, std::u32string const& text, TextStyle const& style);
    // Gives a check box or radio widget on/off appearances when it has none
    // for `on_state` (forms from writers that leave them to the viewer).
    void ensure_check_appearance(PoDoFo::PdfObject* widget, std::string const& on_state, bool radio);
    // Embeds the subsets of the fonts used; call once, before writing.
    void finish();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace signflow::documents::form_detail
