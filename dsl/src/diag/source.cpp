// SourceFile: turns byte offsets into `line:column` for messages. The line
// index is built once, in the constructor, so that each lookup is a binary
// search; the front end keeps plain byte offsets everywhere and pays for
// lines and columns only when a diagnostic is actually printed.
//
// Conventions (they matter for golden tests and for the JSON output):
//  - a line ends at `\n`; a `\r` right before it belongs to the line break,
//    not to the line's text;
//  - the last line need not end with a newline, and a newline at the very end
//    of the file does not open an extra, empty line (POSIX's view of a text
//    file); an empty file still has one (empty) line, so every offset has a
//    line to land on;
//  - columns count Unicode code points, as rustc does, so a CJK character or
//    an accented letter is one column however many bytes it takes;
//  - an offset inside a line break, or past the end of the file, lands just
//    after the last character of its line: "unexpected end of file" then
//    points right after the last thing the author wrote.
#include "signflow/dsl/source.hpp"

#include <algorithm>
#include <utility>

namespace signflow::dsl {

namespace {

// UTF-8 continuation bytes (10xxxxxx) never start a code point, so counting
// the other bytes counts code points without decoding. Invalid UTF-8 is
// reported elsewhere (E0001); here it only needs to not crash.
bool is_continuation(char c) {
    auto const b = static_cast<unsigned char>(c);
    return b >= 0x80 && b <= 0xBF;
}

}  // namespace

SourceFile::SourceFile(std::string path, std::string text) : path_(std::move(path)), text_(std::move(text)) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text_.size(); ++i) {
        // A newline that ends the file starts no new line (see above).
        if (text_[i] == '\n' && i + 1 < text_.size()) {
            line_starts_.push_back(static_cast<std::uint32_t>(i + 1));
        }
    }
}

LineColumn SourceFile::locate(std::uint32_t offset) const {
    auto const size = static_cast<std::uint32_t>(text_.size());
    offset = std::min(offset, size);
    // The last line start that is <= offset; line_starts_[0] == 0, so
    // upper_bound never returns begin().
    auto const it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    auto const index = static_cast<std::uint32_t>(it - line_starts_.begin()) - 1;
    auto const line = index + 1;

    // Positions inside the line break (or past the end) clamp to the end of
    // the line's text, which line_text() has already worked out.
    auto const start = line_starts_[index];
    auto const content = line_text(line);
    auto const stop = std::min<std::uint32_t>(offset, start + static_cast<std::uint32_t>(content.size()));

    std::uint32_t column = 1;
    for (std::uint32_t i = start; i < stop; ++i) {
        if (!is_continuation(text_[i])) {
            ++column;
        }
    }
    return {line, column};
}

std::string_view SourceFile::line_text(std::uint32_t line) const {
    if (line == 0 || line > line_starts_.size()) {
        return {};
    }
    std::size_t const start = line_starts_[line - 1];
    std::size_t end = line < line_starts_.size() ? line_starts_[line] : text_.size();
    // Drop the line break: "\n" or "\r\n". The last line may have neither.
    if (end > start && text_[end - 1] == '\n') {
        --end;
        if (end > start && text_[end - 1] == '\r') {
            --end;
        }
    }
    return std::string_view(text_).substr(start, end - start);
}

}  // namespace signflow::dsl
