#pragma once
// The static files the daemon serves (web/assets: the dashboard's and the
// signing page's CSS, JS, SVG, fonts), compiled into the binary by
// web/CMakeLists.txt. Nothing is read from disk at run time, so what a
// browser gets is exactly what was built and reviewed, and the daemon can be
// copied alone.
//
// No HTTP here: app/src/serve/dashboard.cpp answers GET /assets/{path} with
// these bytes, their content type and ETag.
#include <span>
#include <string_view>

namespace signflow::web {

struct Asset {
    std::string_view path;          // below web/assets: "dashboard.js", "fonts/x.woff2"
    std::string_view content_type;  // "text/javascript; charset=utf-8", from the extension
    std::string_view bytes;         // the file as it was at build time
    std::string_view etag;          // quoted, ready for the ETag header: "\"3f2a…\"" (SHA-256, 128 bits)
};

// The asset at `path` (no leading '/'), or null. Lives as long as the program.
Asset const* find_asset(std::string_view path) noexcept;

// Every asset, sorted by path.
std::span<Asset const> all_assets() noexcept;

}  // namespace signflow::web
