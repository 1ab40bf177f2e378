#include "sign/appearance.hpp"

#include "font_files.hpp"

#include "signflow/base/utf8.hpp"

#include "signflow/documents/error.hpp"

#include <algorithm>
#include <string_view>

namespace signflow::documents::sign_detail {

using namespace PoDoFo;

namespace {

// True when `text` has a code point DejaVu Sans lacks that Droid Sans
// Fallback has: CJK ideographs, kana, hangul, CJK punctuation and
// full-width forms (U+2E80 and up, below the surrogates/private use).
bool needs_cjk_font(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        auto d = base::utf8_decode(text, i);
        if (!d) {
            ++i;
            continue;
        }
        char32_t code = d->value;
        if (code >= 0x2e80 && code < 0xd800) return true;
        if (code >= 0xff00 && code < 0xfff0) return true;
        i += d->length;
    }
    return false;
}

PdfString utf8(std::string const& text) { return PdfString(reinterpret_cast<pdf_utf8 const*>(text.c_str())); }

// The largest size (at most `largest`) at which `text` fits `width`.
double fitting_size(PdfFont* font, PdfString const& text, double width, double largest) {
    font->SetFontSize(static_cast<float>(largest));
    double measured = font->GetFontMetrics()->StringWidth(text);
    if (measured <= width || measured <= 0) return largest;
    return std::max(4.0, largest * width / measured);
}

}  // namespace

SignatureFonts::SignatureFonts(PdfMemDocument& document) : document_(document), library_(document.GetFontLibrary()) {}

SignatureFonts::~SignatureFonts() = default;

PdfFont* SignatureFonts::for_text(std::string_view text) {
    bool cjk = needs_cjk_font(text);
    auto& font = cjk ? cjk_ : latin_;
    if (!font)
        font = fonts::subset_font(document_, library_, cjk ? fonts::cjk : fonts::latin, cjk ? "SFCJKA+" : "SFLATN+",
                                  "signature");
    return font.get();
}

void SignatureFonts::embed() {
    for (auto* font : {latin_.get(), cjk_.get()})
        if (font && font->IsSubsetting()) font->EmbedSubsetFont();
}

void draw_appearance(PdfMemDocument& document, SignatureFonts& fonts, PdfSignatureField& field, PdfRect const& rect,
                     Appearance const& appearance) {
    double const width = rect.GetWidth(), height = rect.GetHeight();
    PdfXObject canvas(PdfRect(0, 0, width, height), &document);
    PdfPainter painter;
    painter.SetPage(&canvas);
    try {
        double const pad = std::min(4.0, height / 10);
        // A thin frame, so the box reads as a signature even without an image.
        painter.SetStrokingColor(0.45, 0.45, 0.5);
        painter.SetStrokeWidth(0.6);
        painter.Rectangle(0.5, 0.5, width - 1, height - 1);
        painter.Stroke();

        double date_band = appearance.date_text.empty() ? 0 : std::max(7.0, height * 0.18);
        double const note_band = appearance.note.empty() ? 0 : std::max(7.0, height * 0.16);
        double top = height - pad, bottom = pad + date_band + note_band;
        if (!appearance.image_png.empty()) {
            PdfImage image(&document);
            image.LoadFromData(reinterpret_cast<unsigned char const*>(appearance.image_png.data()),
                               static_cast<pdf_long>(appearance.image_png.size()));
            double image_height = (top - bottom) * (appearance.name.empty() ? 1.0 : 0.6);
            double scale = std::min((width - 2 * pad) / image.GetWidth(), image_height / image.GetHeight());
            double drawn_width = image.GetWidth() * scale, drawn_height = image.GetHeight() * scale;
            painter.DrawImage(pad, top - drawn_height, &image, scale, scale);
            top -= drawn_height;
            (void)drawn_width;
        }
        painter.SetColor(0.05, 0.05, 0.2);
        if (!appearance.name.empty() && top - bottom > 3) {
            PdfFont* font = fonts.for_text(appearance.name);
            auto text = utf8(appearance.name);
            double size = fitting_size(font, text, width - 2 * pad, std::min(24.0, (top - bottom) * 0.8));
            font->SetFontSize(static_cast<float>(size));
            painter.SetFont(font);
            double baseline = bottom + (top - bottom - size) / 2 + size * 0.2;
            painter.DrawText(pad, baseline, text);
        }
        // A small line in a band of its own above the bottom (`from`): the
        // note ("on behalf of …") above the date, the date at the bottom.
        auto small_line = [&](std::string const& line, double band, double from, double grey) {
            if (line.empty()) return;
            PdfFont* font = fonts.for_text(line);
            auto text = utf8(line);
            double size = fitting_size(font, text, width - 2 * pad, std::min(9.0, band * 0.9));
            font->SetFontSize(static_cast<float>(size));
            painter.SetFont(font);
            painter.SetColor(grey, grey, grey);
            painter.DrawText(pad, from + size * 0.25, text);
        };
        small_line(appearance.note, note_band, pad + date_band, 0.2);
        small_line(appearance.date_text, date_band, pad, 0.3);
        painter.FinishPage();
    } catch (...) {
        try {
            painter.FinishPage();
        } catch (...) {
        }
        throw;
    }
    field.SetAppearanceStream(&canvas);
}

}  // namespace signflow::documents::sign_detail
