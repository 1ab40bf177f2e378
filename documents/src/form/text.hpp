#pragma once
// Text as the appearance writer needs it: code points from UTF-8, the
// WinAnsi byte of a code point (the encoding of the base-14 Helvetica every
// viewer has), and Helvetica's advance widths, so that values in Western
// European languages need no embedded font at all.
#include <string>
#include <string_view>

namespace signflow::documents::form_detail {

// Code points of UTF-8 text; a malformed sequence becomes U+FFFD.
std::u32string decode_utf8(std::string_view text);
std::string encode_utf8(std::u32string_view text);

// The WinAnsiEncoding byte for `c`, or -1 when WinAnsi cannot show it.
int winansi_byte(char32_t c);

// Helvetica's advance width of a WinAnsi byte, in 1/1000 of the font size.
double helvetica_width(unsigned char byte);

}  // namespace signflow::documents::form_detail
