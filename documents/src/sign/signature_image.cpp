// Drawn signatures checked by their headers, then decoded (libpng's
// simplified API) and scaled down by averaging when larger than the box.
#include "signflow/documents/signature_image.hpp"

#include "../attach/image_headers.hpp"
#include "signflow/documents/error.hpp"

#include <png.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace signflow::documents {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Box-filter downscale of RGBA pixels: each target pixel averages the source
// pixels it covers (premultiplied by alpha, so that transparent pixels do
// not darken the strokes' edges).
std::vector<std::uint8_t> shrink(std::vector<std::uint8_t> const& src, int sw, int sh, int dw, int dh) {
    std::vector<std::uint8_t> dst(static_cast<std::size_t>(dw) * dh * 4);
    for (int y = 0; y < dh; ++y) {
        int y0 = static_cast<int>(static_cast<long long>(y) * sh / dh);
        int y1 = std::max(y0 + 1, static_cast<int>(static_cast<long long>(y + 1) * sh / dh));
        for (int x = 0; x < dw; ++x) {
            int x0 = static_cast<int>(static_cast<long long>(x) * sw / dw);
            int x1 = std::max(x0 + 1, static_cast<int>(static_cast<long long>(x + 1) * sw / dw));
            std::uint64_t r = 0, g = 0, b = 0, a = 0, n = 0;
            for (int yy = y0; yy < y1; ++yy)
                for (int xx = x0; xx < x1; ++xx) {
                    auto const* p = &src[(static_cast<std::size_t>(yy) * sw + xx) * 4];
                    r += std::uint64_t{p[0]} * p[3];
                    g += std::uint64_t{p[1]} * p[3];
                    b += std::uint64_t{p[2]} * p[3];
                    a += p[3];
                    ++n;
                }
            auto* q = &dst[(static_cast<std::size_t>(y) * dw + x) * 4];
            q[0] = static_cast<std::uint8_t>(a ? r / a : 0);
            q[1] = static_cast<std::uint8_t>(a ? g / a : 0);
            q[2] = static_cast<std::uint8_t>(a ? b / a : 0);
            q[3] = static_cast<std::uint8_t>(a / n);
        }
    }
    return dst;
}

}  // namespace

std::string fit_signature_image(std::string_view bytes, SignatureImageLimits const& limits) {
    bool png = starts_with(bytes, "\x89PNG\r\n\x1a\n");
    bool jpeg = starts_with(bytes, "\xff\xd8\xff");
    if (!png && !jpeg) throw DocumentError("the drawn signature is not a PNG or JPEG image");
    attach::ImageSize size = png ? attach::read_png(bytes) : attach::read_jpeg(bytes);
    auto pixels = static_cast<long long>(size.width) * size.height;
    if (size.width <= 0 || size.height <= 0 || pixels > limits.max_pixels)
        throw DocumentError("the drawn signature is " + std::to_string(size.width) + "×" + std::to_string(size.height) +
                            " pixels; the limit is " + std::to_string(limits.max_pixels) + " pixels");
    if (jpeg || (size.width <= limits.box_width && size.height <= limits.box_height)) return std::string(bytes);

    png_image in{};
    in.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&in, bytes.data(), bytes.size()))
        throw DocumentError(std::string("the drawn signature's PNG cannot be read: ") + in.message);
    std::unique_ptr<png_image, void (*)(png_imagep)> guard(&in, png_image_free);
    if (static_cast<int>(in.width) != size.width || static_cast<int>(in.height) != size.height)
        throw DocumentError("the drawn signature's PNG is damaged: its size changed while reading");
    in.format = PNG_FORMAT_RGBA;
    std::vector<std::uint8_t> rgba(PNG_IMAGE_SIZE(in));
    if (!png_image_finish_read(&in, nullptr, rgba.data(), 0, nullptr))
        throw DocumentError(std::string("the drawn signature's PNG cannot be decoded: ") + in.message);
    guard.release();

    double scale = std::min(static_cast<double>(limits.box_width) / size.width,
                            static_cast<double>(limits.box_height) / size.height);
    int w = std::max(1, static_cast<int>(size.width * scale));
    int h = std::max(1, static_cast<int>(size.height * scale));
    auto small = shrink(rgba, size.width, size.height, w, h);

    png_image out{};
    out.version = PNG_IMAGE_VERSION;
    out.width = static_cast<png_uint_32>(w);
    out.height = static_cast<png_uint_32>(h);
    out.format = PNG_FORMAT_RGBA;
    png_alloc_size_t length = 0;
    if (!png_image_write_get_memory_size(out, length, 0, small.data(), 0, nullptr))
        throw DocumentError(std::string("the drawn signature cannot be encoded again: ") + out.message);
    std::string encoded(length, '\0');
    if (!png_image_write_to_memory(&out, encoded.data(), &length, 0, small.data(), 0, nullptr))
        throw DocumentError(std::string("the drawn signature cannot be encoded again: ") + out.message);
    encoded.resize(length);
    return encoded;
}

}  // namespace signflow::documents
