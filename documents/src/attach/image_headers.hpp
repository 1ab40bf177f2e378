#pragma once
// Reading the headers of the two image types a signer may upload (PNG and
// JPEG) without decoding a pixel: enough to know the image's size, to refuse
// one whose size is absurd, and to refuse a file cut short or damaged, since
// no viewer would show it either. Pure byte parsing: every length is checked
// against what is left before it is used.
#include <string>
#include <string_view>

namespace signflow::documents::attach {

struct ImageSize {
    int width = 0;
    int height = 0;
};

// Walks every chunk (lengths, CRCs, IHDR first, IDAT present, IEND last).
// Throws DocumentError "the PNG is damaged: …".
ImageSize read_png(std::string_view bytes);

// Walks the marker segments up to the first scan, reads the frame header,
// then looks for the end-of-image marker. Throws DocumentError "the JPEG is
// damaged: …".
ImageSize read_jpeg(std::string_view bytes);

}  // namespace signflow::documents::attach
