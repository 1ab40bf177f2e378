#include "signflow/base/utf8.hpp"

namespace signflow::base {

std::size_t utf8_length(std::string_view s, std::size_t i) {
    if (i >= s.size()) return 0;
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if (!utf8_continuation(byte(i + k))) return 0;
    if (n == 2 && c < 0xC2) return 0;                                          // overlong
    if (n == 3 && c == 0xE0 && byte(i + 1) < 0xA0) return 0;                   // overlong
    if (n == 3 && c == 0xED && byte(i + 1) >= 0xA0) return 0;                  // a surrogate
    if (n == 4 && c == 0xF0 && byte(i + 1) < 0x90) return 0;                   // overlong
    if (n == 4 && (c > 0xF4 || (c == 0xF4 && byte(i + 1) >= 0x90))) return 0;  // past U+10FFFF
    return n;
}

std::size_t utf8_invalid_at(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_length(s, i);
        if (n == 0) return i;
        i += n;
    }
    return std::string_view::npos;
}

std::optional<CodePoint> utf8_decode(std::string_view s, std::size_t i) {
    std::size_t n = utf8_length(s, i);
    if (n == 0) return std::nullopt;
    auto byte = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k])); };
    char32_t cp = n == 1 ? byte(0) : n == 2 ? byte(0) & 0x1F : n == 3 ? byte(0) & 0x0F : byte(0) & 0x07;
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (byte(k) & 0x3F);
    return CodePoint{cp, n};
}

void utf8_append(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::size_t utf8_count(std::string_view s) {
    std::size_t n = 0;
    for (char c : s) n += !utf8_continuation(static_cast<unsigned char>(c));
    return n;
}

std::string_view utf8_clip(std::string_view s, std::size_t max_bytes) {
    if (s.size() <= max_bytes) return s;
    std::size_t n = max_bytes;
    while (n > 0 && utf8_continuation(static_cast<unsigned char>(s[n]))) --n;
    return s.substr(0, n);
}

}  // namespace signflow::base
