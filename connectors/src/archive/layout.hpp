#pragma once
// Where an archived envelope goes below the archive's root: a layout such as
// "{workflow}/{yyyy}/{mm}/{envelope}", checked when the configuration loads
// and rendered per envelope. A layout cannot leave the root: no absolute
// path, no "." or ".." folder, and every placeholder's value is reduced to
// letters, digits, '.', '_' and '-' (a workflow name cannot smuggle a "/").
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace signflow::connectors::archive {

struct LayoutValues {
    std::string workflow;
    std::int64_t envelope = 0;
    std::int64_t created_ms = 0;  // the envelope's creation (UTC): stable across retries, unlike "now"
};

class Layout {
public:
    // Throws std::invalid_argument with the reason (the caller adds where).
    explicit Layout(std::string const& text);
    // A relative path, never empty, never escaping.
    std::filesystem::path render(LayoutValues const& v) const;

    static std::vector<std::string> placeholders();

private:
    struct Piece {
        bool placeholder;
        std::string text;  // literal text, or the placeholder's name
    };
    std::vector<std::vector<Piece>> folders_;  // one list of pieces per path segment
};

}  // namespace signflow::connectors::archive
