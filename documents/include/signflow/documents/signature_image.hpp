#pragma once
// A drawn signature, made safe to keep: the signing page's canvas is 600×180
// pixels, and whatever arrives (from the page, or from an operator's key
// through the API) is checked and brought to that size before it is stored
// in the PDF. A PNG of a few hundred kilobytes can claim 20000×17500
// pixels; decoded, that is 1.4 GB, and kept in the PDF it slows every later
// drawing of the page.
#include <string>
#include <string_view>

namespace signflow::documents {

struct SignatureImageLimits {
    int max_pixels = 4'000'000;  // refused above this, before a pixel is decoded
    int box_width = 600;         // scaled down (never up) to fit this box
    int box_height = 180;
};

// `bytes`: a PNG or a JPEG. Returns a PNG no larger than the box (the same
// bytes when the PNG fits already; a JPEG within the limits is kept as it
// is: PoDoFo embeds JPEG data without decoding it). Throws DocumentError
// naming the problem: not a PNG or JPEG, damaged, or more pixels than
// max_pixels.
std::string fit_signature_image(std::string_view bytes, SignatureImageLimits const& limits = {});

}  // namespace signflow::documents
