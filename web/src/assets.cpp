// find_asset over the table that web/cmake/embed_assets.cmake generates
// (sorted by path: a binary search).
#include "signflow/web/assets.hpp"

#include <algorithm>

namespace signflow::web {

Asset const* find_asset(std::string_view path) noexcept {
    auto all = all_assets();
    auto it = std::lower_bound(all.begin(), all.end(), path,
                               [](Asset const& a, std::string_view p) { return a.path < p; });
    if (it == all.end() || it->path != path) return nullptr;
    return &*it;
}

}  // namespace signflow::web
