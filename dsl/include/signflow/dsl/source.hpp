#pragma once
// A source file as the compiler sees it: its path (for messages only), its
// bytes, and an index of line starts so that a byte offset turns into
// `line:column` in O(log lines). Every position in the front end is a byte
// offset into `text`; lines and columns are computed only when a message is
// printed, so the parser never pays for them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::dsl {

// A half-open byte range [begin, end) in one source file.
struct Span {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
    bool operator==(Span const&) const = default;
};

struct LineColumn {
    std::uint32_t line = 1;    // 1-based
    std::uint32_t column = 1;  // 1-based, in Unicode code points (as rustc counts)
};

class SourceFile {
public:
    SourceFile(std::string path, std::string text);

    std::string const& path() const { return path_; }
    std::string const& text() const { return text_; }

    LineColumn locate(std::uint32_t offset) const;
    // The text of a 1-based line, without its line break.
    std::string_view line_text(std::uint32_t line) const;
    std::uint32_t line_count() const { return static_cast<std::uint32_t>(line_starts_.size()); }

private:
    std::string path_;
    std::string text_;
    std::vector<std::uint32_t> line_starts_;  // byte offset of each line's first byte
};

}  // namespace signflow::dsl
