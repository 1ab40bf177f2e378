#include "attach/certificate_layout.hpp"

#include "font_files.hpp"

#include "signflow/base/utf8.hpp"

#include "signflow/documents/error.hpp"

namespace signflow::documents::attach {

using namespace PoDoFo;

namespace {

// A4 in points, and the margins of the certificate.
constexpr double kPageWidth = 595.28, kPageHeight = 841.89;
constexpr double kMargin = 56, kFooterY = 32;
constexpr double kLineFactor = 1.35;  // line height ÷ font size

// UTF-8 to code points; a malformed byte becomes U+FFFD rather than an
// error: the text comes from signers (names, user agents).
std::u32string decode(std::string const& s) {
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) {
        auto d = base::utf8_decode(s, i);
        if (!d) {  // a byte that starts no character, or one cut short
            out.push_back(U'\uFFFD');
            ++i;
            continue;
        }
        char32_t c = d->value;
        i += d->length;
        // Control characters would be drawn as boxes; PoDoFo 0.9.8's
        // Identity-H encoding covers the Basic Multilingual Plane only.
        if (c < 0x20 || c == 0x7F) c = U' ';
        else if (c > 0xFFFF || (c >= 0xD800 && c <= 0xDFFF)) c = U'\uFFFD';
        out.push_back(c);
    }
    return out;
}

std::string encode(std::u32string_view text) {
    std::string out;
    for (char32_t c : text) base::utf8_append(out, c);
    return out;
}

PdfString unicode(std::u32string_view text) {
    std::string utf8 = encode(text);
    return PdfString(reinterpret_cast<pdf_utf8 const*>(utf8.c_str()));
}

}  // namespace

TextSetter::TextSetter(PdfMemDocument& document)
    : document_(document), library_(document.GetFontLibrary()),
      main_(fonts::subset_font(document, library_, fonts::latin, "SFCRTL+", "certificate's")) {}

TextSetter::~TextSetter() = default;

PdfFont* TextSetter::font_for(char32_t c) {
    if (c == U' ' || main_->GetFontMetrics()->GetGlyphId(static_cast<long>(c)) != 0) return main_.get();
    if (!fallback_) fallback_ = fonts::subset_font(document_, library_, fonts::cjk, "SFCRTF+", "certificate's");
    if (fallback_->GetFontMetrics()->GetGlyphId(static_cast<long>(c)) != 0) return fallback_.get();
    return main_.get();  // neither has it: DejaVu's "missing glyph" box
}

void TextSetter::embed() {
    for (auto* font : {main_.get(), fallback_.get()})
        if (font && font->IsSubsetting()) font->EmbedSubsetFont();
}

double TextSetter::width(std::string const& utf8, double size) {
    double total = 0;
    for (char32_t c : decode(utf8)) {
        PdfFont* font = font_for(c);
        font->SetFontSize(static_cast<float>(size));
        total += font->GetFontMetrics()->UnicodeCharWidth(static_cast<unsigned short>(c));
    }
    return total;
}

std::vector<Line> TextSetter::wrap(Line const& line, double max_width) {
    std::u32string text = decode(line.text);
    std::vector<Line> out;
    auto emit = [&](std::u32string_view part) {
        Line piece = line;
        piece.text = encode(part);
        if (!out.empty()) piece.gap_before = 0;
        out.push_back(std::move(piece));
    };
    auto char_width = [&](char32_t c) {
        PdfFont* font = font_for(c);
        font->SetFontSize(static_cast<float>(line.size));
        return font->GetFontMetrics()->UnicodeCharWidth(static_cast<unsigned short>(c));
    };
    std::size_t start = 0, last_space = std::u32string::npos;
    double w = 0, w_at_space = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        double cw = char_width(text[i]);
        if (text[i] == U' ') {
            last_space = i;
            w_at_space = w + cw;
        }
        if (w + cw > max_width && i > start) {
            if (last_space != std::u32string::npos && last_space > start) {
                emit(std::u32string_view(text).substr(start, last_space - start));
                start = last_space + 1;
                w -= w_at_space;
            } else {  // no space to break at: break before this character
                emit(std::u32string_view(text).substr(start, i - start));
                start = i;
                w = 0;
            }
            last_space = std::u32string::npos;
        }
        w += cw;
    }
    if (start < text.size() || out.empty()) emit(std::u32string_view(text).substr(start));
    return out;
}

void TextSetter::draw(PdfPainter& painter, double x, double y, std::string const& utf8, double size) {
    std::u32string text = decode(utf8);
    std::size_t i = 0;
    while (i < text.size()) {
        PdfFont* font = font_for(text[i]);
        std::size_t j = i + 1;
        while (j < text.size() && font_for(text[j]) == font) ++j;
        font->SetFontSize(static_cast<float>(size));
        painter.SetFont(font);
        std::u32string_view run = std::u32string_view(text).substr(i, j - i);
        painter.DrawText(x, y, unicode(run));
        for (char32_t c : run) x += font->GetFontMetrics()->UnicodeCharWidth(static_cast<unsigned short>(c));
        i = j;
    }
}

int flow_onto_pages(PdfMemDocument& document, TextSetter& setter, std::vector<Block> const& blocks,
                    std::string const& footer) {
    double const text_width = kPageWidth - 2 * kMargin;
    double const top = kPageHeight - kMargin, bottom = kMargin + 12;

    // Wrap first, then cut into pages: the page count goes into every footer.
    struct Placed {
        Line line;
        double y;
    };
    std::vector<std::vector<Placed>> pages(1);
    double y = top;
    for (auto const& block : blocks) {
        std::vector<Line> lines;
        for (auto const& line : block) {
            auto wrapped = setter.wrap(line, text_width - line.indent);
            lines.insert(lines.end(), wrapped.begin(), wrapped.end());
        }
        double height = 0;
        for (auto const& line : lines) height += line.gap_before + line.size * kLineFactor;
        // A block that does not fit starts a new page, unless it is taller
        // than a page (then it runs over, line by line).
        if (y - height < bottom && y < top && height <= top - bottom) {
            pages.emplace_back();
            y = top;
        }
        for (auto& line : lines) {
            double step = line.gap_before + line.size * kLineFactor;
            if (y - step < bottom) {
                pages.emplace_back();
                y = top;
                step = line.size * kLineFactor;
            }
            y -= step;
            pages.back().push_back({line, y});
        }
    }

    int const count = static_cast<int>(pages.size());
    for (int n = 0; n < count; ++n) {
        PdfPage* page = document.CreatePage(PdfRect(0, 0, kPageWidth, kPageHeight));
        if (!page) throw DocumentError("a page of the certificate of completion cannot be created");
        PdfPainter painter;
        painter.SetPage(page);
        for (auto const& placed : pages[static_cast<std::size_t>(n)]) {
            if (placed.line.grey) painter.SetColor(0.35, 0.35, 0.35);
            else painter.SetColor(0, 0, 0);
            setter.draw(painter, kMargin + placed.line.indent, placed.y, placed.line.text, placed.line.size);
        }
        painter.SetColor(0.35, 0.35, 0.35);
        std::string foot = footer + " · page " + std::to_string(n + 1) + " of " + std::to_string(count);
        setter.draw(painter, kMargin, kFooterY, foot, 7.5);
        painter.SetStrokingColor(0.6, 0.6, 0.6);
        painter.SetStrokeWidth(0.5);
        painter.DrawLine(kMargin, kFooterY + 11, kPageWidth - kMargin, kFooterY + 11);
        painter.FinishPage();
    }
    return count;
}

}  // namespace signflow::documents::attach
