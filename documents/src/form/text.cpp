// UTF-8, WinAnsi and Helvetica metrics for the appearance writer. The
// widths are Adobe's Helvetica AFM; they decide where text is placed and how
// far a long value is shrunk to fit its box, so approximations (accented
// letters take their base letter's width) only move text by a fraction of a
// point.
#include "form/text.hpp"

#include "signflow/base/utf8.hpp"

#include <array>

namespace signflow::documents::form_detail {

namespace {

// WinAnsi 0x80..0x9F (PDF 32000-1, Annex D); 0 marks an unused byte.
constexpr std::array<char32_t, 32> winansi_high{
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178};

// Helvetica, bytes 32..126.
constexpr std::array<short, 95> ascii_widths{
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  // space .. /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  // 0 .. ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  // @ .. O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  // P .. _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  // ` .. o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584};      // p .. ~

// Latin-1 letters 0xC0..0xFF by the letter they decorate.
constexpr std::string_view latin1_base = "AAAAAAACEEEEIIIIDNOOOOO*OUUUUYPsaaaaaaaceeeeiiiidnooooo/ouuuuypy";

}  // namespace

std::u32string decode_utf8(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        auto d = base::utf8_decode(s, i);
        out.push_back(d ? d->value : U'\uFFFD');  // a byte that starts no character
        i += d ? d->length : 1;
    }
    return out;
}

std::string encode_utf8(std::u32string_view text) {
    std::string out;
    for (char32_t c : text) base::utf8_append(out, c);
    return out;
}

int winansi_byte(char32_t c) {
    if ((c >= 0x20 && c < 0x7F) || (c >= 0xA0 && c <= 0xFF)) return static_cast<int>(c);
    for (std::size_t i = 0; i < winansi_high.size(); ++i)
        if (winansi_high[i] == c && c != 0) return static_cast<int>(0x80 + i);
    return -1;
}

double helvetica_width(unsigned char byte) {
    if (byte >= 32 && byte <= 126) return ascii_widths[byte - 32];
    if (byte >= 0xC0) {
        char base = latin1_base[byte - 0xC0];
        if (base == '*' || base == '/') return 584;
        return ascii_widths[static_cast<unsigned char>(base) - 32];
    }
    if (byte == 0xA0) return 278;
    return 556;
}

}  // namespace signflow::documents::form_detail
