#include "attach/image_headers.hpp"

#include "signflow/documents/error.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace signflow::documents::attach {

namespace {

std::uint32_t be32(std::string_view b, std::size_t at) {
    auto u = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + i])); };
    return u(0) << 24 | u(1) << 16 | u(2) << 8 | u(3);
}

unsigned be16(std::string_view b, std::size_t at) {
    return static_cast<unsigned>(static_cast<unsigned char>(b[at])) << 8 | static_cast<unsigned char>(b[at + 1]);
}

// CRC-32 as PNG (and zlib) define it; a table built once.
std::uint32_t crc32(std::string_view data) {
    static auto const table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t n = 0; n < 256; ++n) {
            std::uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xFFFFFFFFu;
    for (char ch : data) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

[[noreturn]] void damaged(char const* kind, std::string const& why) {
    throw DocumentError(std::string("the ") + kind + " is damaged: " + why);
}

}  // namespace

ImageSize read_png(std::string_view b) {
    // After the 8-byte signature: chunks of length(4) type(4) data crc(4).
    std::size_t at = 8;
    ImageSize size;
    bool seen_idat = false;
    for (int index = 0;; ++index) {
        if (b.size() - at < 12) damaged("PNG", "it ends before its last chunk (was it cut short?)");
        std::uint32_t length = be32(b, at);
        std::string_view type = b.substr(at + 4, 4);
        if (length > 0x7FFFFFFFu || length > b.size() - at - 12)
            damaged("PNG", "it ends inside a chunk (was it cut short?)");
        std::string_view data = b.substr(at + 8, length);
        if (crc32(b.substr(at + 4, 4 + length)) != be32(b, at + 8 + length)) {
            bool letters = std::all_of(type.begin(), type.end(), [](char c) {
                return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
            });
            damaged("PNG", "the checksum of " + (letters ? "its '" + std::string(type) + "' chunk" : std::string("a chunk")) +
                               " does not match its data");
        }
        if (index == 0) {
            if (type != "IHDR" || length != 13) damaged("PNG", "it does not start with an image header");
            std::uint32_t w = be32(data, 0), h = be32(data, 4);
            if (w == 0 || h == 0 || w > 0x7FFFFFFFu || h > 0x7FFFFFFFu)
                damaged("PNG", "its header gives an impossible size");
            unsigned depth = static_cast<unsigned char>(data[8]), colour = static_cast<unsigned char>(data[9]);
            bool valid = (colour == 0 && (depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16)) ||
                         (colour == 3 && (depth == 1 || depth == 2 || depth == 4 || depth == 8)) ||
                         ((colour == 2 || colour == 4 || colour == 6) && (depth == 8 || depth == 16));
            if (!valid) damaged("PNG", "its header gives an impossible colour type and bit depth");
            size = {static_cast<int>(w), static_cast<int>(h)};
        } else if (type == "IHDR") {
            damaged("PNG", "it has a second image header");
        }
        if (type == "IDAT") seen_idat = true;
        at += 12 + length;
        if (type == "IEND") break;
    }
    if (!seen_idat) damaged("PNG", "it has no image data");
    return size;
}

ImageSize read_jpeg(std::string_view b) {
    // SOI, then segments: FF, marker, (length(2) incl. itself, payload) until
    // the first SOS; the entropy-coded data after it is not parsed.
    std::size_t at = 2;
    ImageSize size;
    for (;;) {
        if (at >= b.size()) damaged("JPEG", "it ends before the image data (was it cut short?)");
        if (static_cast<unsigned char>(b[at]) != 0xFF) damaged("JPEG", "a marker is missing between its segments");
        while (at < b.size() && static_cast<unsigned char>(b[at]) == 0xFF) ++at;  // fill bytes
        if (at >= b.size()) damaged("JPEG", "it ends before the image data (was it cut short?)");
        unsigned marker = static_cast<unsigned char>(b[at++]);
        if (marker == 0xD8 || marker == 0xD9 || marker == 0x00) damaged("JPEG", "a marker is out of place");
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no payload
        if (b.size() - at < 2) damaged("JPEG", "it ends inside a segment (was it cut short?)");
        unsigned length = be16(b, at);
        if (length < 2 || length > b.size() - at) damaged("JPEG", "it ends inside a segment (was it cut short?)");
        std::string_view payload = b.substr(at + 2, length - 2);
        bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (frame) {
            if (payload.size() < 6) damaged("JPEG", "its frame header is too short");
            unsigned height = be16(payload, 1), width = be16(payload, 3);
            unsigned components = static_cast<unsigned char>(payload[5]);
            if (width == 0 || height == 0) damaged("JPEG", "its frame header gives no size");
            if (components == 0 || payload.size() < 6 + 3 * components)
                damaged("JPEG", "its frame header lists its colour components wrongly");
            size = {static_cast<int>(width), static_cast<int>(height)};
        }
        at += length;
        if (marker == 0xDA) {
            if (size.width == 0) damaged("JPEG", "its image data comes before its frame header");
            // End of image: FF D9 somewhere after the scan (cameras may append
            // data after it, which viewers ignore).
            if (b.find("\xFF\xD9", at) == std::string_view::npos)
                damaged("JPEG", "it has no end-of-image marker (was it cut short?)");
            return size;
        }
    }
}

}  // namespace signflow::documents::attach
