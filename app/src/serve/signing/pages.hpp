#pragma once
// The document shown on the signing page as one PNG per page, drawn on the
// server by poppler's pdftoppm (every browser shows an image; not every
// browser, and no headless one, shows an embedded PDF). Kept in memory by
// the document's SHA-256, for the few documents being signed right now.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace signflow::app::signing {

using PagePngs = std::shared_ptr<std::vector<std::string> const>;

class PageImages {
public:
    PageImages(std::filesystem::path scratch, std::size_t keep = 32);
    // Every page of `pdf` (whose SHA-256 is `sha256`) as PNG bytes. Null,
    // with `error` set, when the PDF cannot be drawn.
    PagePngs pages(std::string const& sha256, std::string const& pdf, std::string& error);

private:
    PagePngs draw(std::string const& pdf, std::string& error);  // pdftoppm, in a scratch folder

    struct Failure {
        std::string error;
        std::chrono::steady_clock::time_point until;
    };
    std::filesystem::path scratch_;
    std::size_t keep_;
    std::mutex mutex_;
    std::unordered_map<std::string, PagePngs> cache_;
    std::unordered_map<std::string, Failure> failed_;  // documents that could not be drawn, for a minute
    std::list<std::string> order_;  // oldest first
};

}  // namespace signflow::app::signing
