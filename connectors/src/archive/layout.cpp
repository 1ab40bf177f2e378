#include "archive/layout.hpp"

#include <algorithm>
#include <ctime>
#include <stdexcept>

namespace signflow::connectors::archive {
namespace {

// {year} and {month} are the older spellings of {yyyy} and {mm}.
std::vector<std::string> const known = {"workflow", "yyyy", "mm", "dd", "envelope", "year", "month"};

std::string safe(std::string text) {
    for (char& c : text) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-';
        if (!ok) c = '_';
    }
    if (text.empty() || text == "." || text == "..") return "_";
    return text;
}

std::string two_digits(int n) { return (n < 10 ? "0" : "") + std::to_string(n); }

}  // namespace

std::vector<std::string> Layout::placeholders() { return known; }

Layout::Layout(std::string const& text) {
    if (text.empty()) throw std::invalid_argument("is empty");
    if (text.front() == '/') throw std::invalid_argument("\"" + text + "\" is absolute; it must stay below `path`");
    std::size_t start = 0;
    for (;;) {
        std::size_t slash = text.find('/', start);
        std::string segment = text.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (segment.empty()) throw std::invalid_argument("\"" + text + "\" has an empty folder name (\"//\" or a trailing \"/\")");
        if (segment == "." || segment == "..")
            throw std::invalid_argument("\"" + text + "\" has a \"" + segment +
                                        "\" folder; a layout must stay below `path`");
        std::vector<Piece> pieces;
        for (std::size_t i = 0; i < segment.size();) {
            if (segment[i] == '}') throw std::invalid_argument("\"" + text + "\" has a \"}\" without \"{\"");
            if (segment[i] != '{') {
                std::size_t next = segment.find_first_of("{}", i);
                pieces.push_back({false, segment.substr(i, next == std::string::npos ? std::string::npos : next - i)});
                i = next == std::string::npos ? segment.size() : next;
                continue;
            }
            std::size_t close = segment.find('}', i);
            if (close == std::string::npos) throw std::invalid_argument("\"" + text + "\" has a \"{\" without \"}\"");
            std::string name = segment.substr(i + 1, close - i - 1);
            if (std::find(known.begin(), known.end(), name) == known.end())
                throw std::invalid_argument("\"" + text + "\" has an unknown placeholder {" + name +
                                            "} (known: {workflow} {yyyy} {mm} {dd} {envelope} {year} {month})");
            pieces.push_back({true, name});
            i = close + 1;
        }
        folders_.push_back(std::move(pieces));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
}

std::filesystem::path Layout::render(LayoutValues const& v) const {
    std::time_t seconds = static_cast<std::time_t>(v.created_ms / 1000);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    std::filesystem::path out;
    for (auto const& pieces : folders_) {
        std::string folder;
        for (auto const& p : pieces) {
            if (!p.placeholder) {
                folder += p.text;
            } else if (p.text == "workflow") {
                folder += safe(v.workflow);
            } else if (p.text == "envelope") {
                folder += std::to_string(v.envelope);
            } else if (p.text == "yyyy" || p.text == "year") {
                folder += std::to_string(utc.tm_year + 1900);
            } else if (p.text == "mm" || p.text == "month") {
                folder += two_digits(utc.tm_mon + 1);
            } else if (p.text == "dd") {
                folder += two_digits(utc.tm_mday);
            }
        }
        // Literal pieces were checked; a rendered "." or ".." could only come
        // from values, which safe() already excludes. Checked again anyway.
        if (folder.empty() || folder == "." || folder == "..") folder = "_";
        out /= folder;
    }
    return out;
}

}  // namespace signflow::connectors::archive
