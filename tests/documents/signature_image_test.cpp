// Drawn signatures: a PNG that claims an absurd size is refused by its
// header before a pixel is decoded; a large one is scaled down to the
// signing page's 600×180 canvas; a small one is kept as it is
// (documents/signature_image.hpp). Finding: a 384 KB PNG of 20000×17500
// pixels took the daemon from 22 MB to 370 MB and stayed in the signed PDF.
#include "signflow/documents/error.hpp"
#include "signflow/documents/signature_image.hpp"

#include <catch2/catch.hpp>
#include <png.h>

#include <cstdint>
#include <string>
#include <vector>

using signflow::documents::DocumentError;
using signflow::documents::fit_signature_image;

namespace {

// A PNG from libpng: w×h RGBA, a dark stroke on transparent.
std::string make_png(int w, int h) {
    std::vector<std::uint8_t> px(static_cast<std::size_t>(w) * h * 4, 0);
    for (int x = 0; x < w; ++x) {
        int y = h / 2;
        auto* p = &px[(static_cast<std::size_t>(y) * w + x) * 4];
        p[0] = p[1] = p[2] = 20;
        p[3] = 255;
    }
    png_image img{};
    img.version = PNG_IMAGE_VERSION;
    img.width = static_cast<png_uint_32>(w);
    img.height = static_cast<png_uint_32>(h);
    img.format = PNG_FORMAT_RGBA;
    png_alloc_size_t n = 0;
    REQUIRE(png_image_write_get_memory_size(img, n, 0, px.data(), 0, nullptr));
    std::string out(n, '\0');
    REQUIRE(png_image_write_to_memory(&img, out.data(), &n, 0, px.data(), 0, nullptr));
    out.resize(n);
    return out;
}

std::uint32_t crc32(std::string const& bytes) {
    std::uint32_t c = 0xffffffffu;
    for (unsigned char b : bytes) {
        c ^= b;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string chunk(std::string const& type, std::string const& data) {
    return be32(static_cast<std::uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}

// A well-formed PNG whose header claims w×h (its pixels are never there:
// nothing may try to decode them).
std::string claimed_png(std::uint32_t w, std::uint32_t h) {
    std::string ihdr = be32(w) + be32(h) + std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit grey
    return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) + chunk("IDAT", std::string("\x78\x9c\x03\x00", 4)) +
           chunk("IEND", "");
}

}  // namespace

TEST_CASE("drawn signatures: a decompression bomb is refused by its header", "[documents][signature_image]") {
    try {
        fit_signature_image(claimed_png(20000, 17500));
        FAIL("a 20000×17500 PNG was accepted");
    } catch (DocumentError const& e) {
        CHECK(std::string(e.what()).find("20000×17500") != std::string::npos);
        CHECK(std::string(e.what()).find("4000000") != std::string::npos);
    }
    CHECK_THROWS_AS(fit_signature_image("GIF89a........"), DocumentError);
    CHECK_THROWS_AS(fit_signature_image(make_png(600, 180).substr(0, 40)), DocumentError);
}

TEST_CASE("drawn signatures: large ones are scaled down to the canvas, small ones kept", "[documents][signature_image]") {
    std::string small = make_png(600, 180);
    CHECK(fit_signature_image(small) == small);

    std::string big = make_png(2400, 720);  // 1.7 MP: within the limit, 4x the canvas
    std::string fitted = fit_signature_image(big);
    png_image img{};
    img.version = PNG_IMAGE_VERSION;
    REQUIRE(png_image_begin_read_from_memory(&img, fitted.data(), fitted.size()));
    CHECK(img.width == 600);
    CHECK(img.height == 180);
    // The stroke survives the scaling: some pixel is dark and opaque.
    img.format = PNG_FORMAT_RGBA;
    std::vector<std::uint8_t> px(PNG_IMAGE_SIZE(img));
    REQUIRE(png_image_finish_read(&img, nullptr, px.data(), 0, nullptr));
    bool stroke = false;
    for (std::size_t i = 0; i + 3 < px.size(); i += 4) stroke = stroke || (px[i + 3] > 40 && px[i] < 60);
    CHECK(stroke);

    std::string tall = make_png(300, 1800);  // fits the height: 30×180
    png_image t{};
    t.version = PNG_IMAGE_VERSION;
    std::string fitted_tall = fit_signature_image(tall);
    REQUIRE(png_image_begin_read_from_memory(&t, fitted_tall.data(), fitted_tall.size()));
    CHECK(t.height == 180);
    CHECK(t.width == 30);
    png_image_free(&t);
}
