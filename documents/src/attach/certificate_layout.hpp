#pragma once
// Setting text on the certificate of completion's pages: two embedded
// TrueType fonts (DejaVu Sans; Droid Sans Fallback for what DejaVu lacks,
// such as CJK names), each character drawn with the first font that has it,
// lines wrapped to a width (user agents are long, hashes have no spaces),
// and blocks of lines flowed onto as many A4 pages as they need without
// splitting a block (one event) across two pages when it fits on one.
//
// Fonts are Identity-H CID fonts, subset to the glyphs used: the fallback
// font file is 4 MB, the glyphs of a few names are a few KB. The font files
// are read once per thread (font_files.hpp), not for every certificate. PoDoFo writes a
// ToUnicode map for them, which is what lets pdftotext and search read the
// page.
#include <podofo/podofo.h>

#include <memory>
#include <string>
#include <vector>

namespace signflow::documents::attach {

struct Line {
    std::string text;     // UTF-8
    double size = 9;      // points
    double indent = 0;    // points from the left margin
    double gap_before = 0;  // extra space above, points
    bool grey = false;    // labels and the footer
};

// Lines that stay on one page together (a heading with what follows it, one
// event, one signer).
using Block = std::vector<Line>;

class TextSetter {
public:
    explicit TextSetter(PoDoFo::PdfMemDocument& document);
    ~TextSetter();
    TextSetter(TextSetter const&) = delete;
    TextSetter& operator=(TextSetter const&) = delete;

    // Width of `utf8` at `size` points.
    double width(std::string const& utf8, double size);
    // `line` broken into lines no wider than `width` (at spaces; a word wider
    // than a line, like a hash, is broken between characters).
    std::vector<Line> wrap(Line const& line, double width);
    void draw(PoDoFo::PdfPainter& painter, double x, double y, std::string const& utf8, double size);
    // Writes the subsets of the fonts used into the document (before it is written).
    void embed();

private:
    PoDoFo::PdfFont* font_for(char32_t c);
    PoDoFo::PdfMemDocument& document_;
    FT_Library library_;  // the document's; the fonts' metrics keep a pointer to this member
    std::unique_ptr<PoDoFo::PdfFont> main_;
    std::unique_ptr<PoDoFo::PdfFont> fallback_;  // made when a character needs it
};

// Appends A4 pages to `document` holding `blocks`, wrapped and flowed, with
// `footer` and "page i of n" at the foot of each. Returns the page count.
int flow_onto_pages(PoDoFo::PdfMemDocument& document, TextSetter& setter, std::vector<Block> const& blocks,
                    std::string const& footer);

}  // namespace signflow::documents::attach
