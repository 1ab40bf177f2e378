#pragma once
// UTF-8, strictly (RFC 3629): overlong forms, UTF-16 surrogates and code
// points past U+10FFFF are not UTF-8. The one home of the decoding, encoding
// and counting that the language's lexer, its diagnostics, the evaluator's
// text functions, the signing page's forms, the bulk reader, the logs and
// the PDF text reader share.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace signflow::base {

// A byte that continues a sequence (10xxxxxx).
inline bool utf8_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The length (1-4) of the valid sequence at s[i], or 0 when the bytes there
// are not one (invalid, or cut short by the end of `s`).
std::size_t utf8_length(std::string_view s, std::size_t i);

// Where `s` stops being valid UTF-8; npos when all of it is.
std::size_t utf8_invalid_at(std::string_view s);
inline bool utf8_valid(std::string_view s) { return utf8_invalid_at(s) == std::string_view::npos; }

struct CodePoint {
    char32_t value = 0;
    std::size_t length = 0;  // bytes
};
// The code point at s[i]; nullopt when no valid sequence starts there.
std::optional<CodePoint> utf8_decode(std::string_view s, std::size_t i);

// Appends `cp` (at most U+10FFFF, not a surrogate) as UTF-8.
void utf8_append(std::string& out, char32_t cp);

// Code points in valid UTF-8 (lead bytes counted).
std::size_t utf8_count(std::string_view s);

// The longest prefix of `s` of at most `max_bytes` that does not end inside
// a character.
std::string_view utf8_clip(std::string_view s, std::size_t max_bytes);

}  // namespace signflow::base
