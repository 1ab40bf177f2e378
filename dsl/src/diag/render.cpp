// Renders diagnostics: for people in rustc's layout, for tools as JSON.
//
// The human layout is the one workflow authors already know from rustc:
//
//   error[E0202]: unknown template `nad`
//     --> rules/client_nda.flow:4:27
//      |
//    4 | on form_submitted -> fill nad -> sign sequentially [client, manager]
//      |                           ^^^ no template with this name
//      |
//      = help: a template with a similar name exists: `nda`
//
// The gutter is as wide as the largest line number shown, with one space on
// each side. Each source line that carries a label is printed once, followed
// by one underline row per label on it (`^` for the primary label, `-` for
// secondary ones); a gap between shown lines is marked with `...` as rustc
// does. The `line:column` in the header and in the JSON counts code points,
// as editors do; the underline is placed by display width, so it stays under
// its text on lines with wide (CJK) characters.
#include "signflow/base/utf8.hpp"
#include "signflow/dsl/render.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace signflow::dsl {

namespace {

// Terminal columns of a code point: East Asian wide and fullwidth characters
// (CJK ideographs, kana, Hangul, fullwidth forms) take two, so the caret
// under a Chinese line lands where the terminal drew the character.
std::uint32_t columns_of(char32_t c) {
    bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
                (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
                (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1FAFF) ||
                (c >= 0x20000 && c <= 0x3FFFD);
    return wide ? 2 : 1;
}

std::uint32_t display_width(std::string_view s) {
    std::uint32_t n = 0;
    for (std::size_t i = 0; i < s.size();) {
        // A byte that starts no character counts as one column.
        auto d = base::utf8_decode(s, i);
        n += columns_of(d ? d->value : static_cast<unsigned char>(s[i]));
        i += d ? d->length : 1;
    }
    return n;
}

std::size_t digits(std::uint32_t n) {
    std::size_t d = 1;
    while (n >= 10) {
        n /= 10;
        ++d;
    }
    return d;
}

// One underline row: where it goes and what it says.
struct Mark {
    std::uint32_t line = 1;
    std::uint32_t column = 1;
    std::uint32_t width = 1;
    char glyph = '^';
    std::string_view label;
};

Mark mark_for(SourceFile const& file, Label const& label, char glyph) {
    Mark m;
    m.glyph = glyph;
    m.label = label.text;
    auto const begin = file.locate(label.span.begin);
    auto const end = file.locate(std::max(label.span.begin, label.span.end));
    m.line = begin.line;
    // Underline positions are terminal columns (display width), not code
    // points: they differ on lines with CJK text.
    auto const line = file.line_text(begin.line);
    auto const line_start = static_cast<std::size_t>(line.data() - file.text().data());
    auto const from = std::min<std::size_t>(label.span.begin - line_start, line.size());
    auto const to = end.line == begin.line ? std::min<std::size_t>(label.span.end - line_start, line.size()) : line.size();
    m.column = display_width(line.substr(0, from)) + 1;
    // A span over several lines is underlined to the end of its first line;
    // the header's location still says where it starts.
    m.width = to > from ? display_width(line.substr(from, to - from)) : 0;
    // An empty span (a missing token, the end of the file) still needs a
    // visible caret to point at the place.
    m.width = std::max<std::uint32_t>(m.width, 1);
    return m;
}

// Control characters would move the terminal's cursor (a tab jumps to the
// next stop) and break the alignment of the underline below; each is one
// code point, so a single space keeps every column where locate() says.
std::string printable(std::string_view line) {
    std::string out(line);
    for (auto& c : out) {
        auto const b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7F) {
            c = ' ';
        }
    }
    return out;
}

// `= help: text`, with the lines of a multi-line text aligned under the
// first one rather than under the `=`.
void child_line(std::string& out, std::string const& pad, std::string_view kind, std::string_view text) {
    std::string const head = pad + "= " + std::string(kind) + ": ";
    std::string const indent(head.size(), ' ');
    out += head;
    std::size_t start = 0;
    while (true) {
        auto const nl = text.find('\n', start);
        out += text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        out += '\n';
        if (nl == std::string_view::npos) {
            break;
        }
        start = nl + 1;
        out += indent;
    }
}

void render_one(std::string& out, SourceFile const& file, Diagnostic const& d) {
    std::vector<Mark> marks;
    marks.push_back(mark_for(file, d.primary, '^'));
    for (auto const& label : d.secondary) {
        marks.push_back(mark_for(file, label, '-'));
    }
    // Rows are printed line by line; on a shared line the primary label
    // comes first, then the secondary ones in the order they were added
    // (stable sort on the line only).
    std::stable_sort(marks.begin(), marks.end(), [](Mark const& a, Mark const& b) { return a.line < b.line; });

    auto const width = digits(marks.back().line);
    std::string const pad(width + 2, ' ');  // blank gutter: " N " without N

    auto const& entry = info(d.code);
    auto const where = file.locate(d.primary.span.begin);
    out += d.severity == Severity::error ? "error[" : "warning[";
    out += entry.id;
    out += "]: ";
    out += d.message;
    out += '\n';
    out += std::string(width + 1, ' ');
    out += "--> ";
    out += file.path();
    out += ':';
    out += std::to_string(where.line);
    out += ':';
    out += std::to_string(where.column);
    out += '\n';
    out += pad;
    out += "|\n";

    std::uint32_t previous = 0;
    for (std::size_t i = 0; i < marks.size();) {
        auto const line = marks[i].line;
        if (previous != 0 && line > previous + 1) {
            out += "...\n";
        }
        previous = line;

        auto const number = std::to_string(line);
        out += ' ';
        out += std::string(width - number.size(), ' ');
        out += number;
        out += " |";
        auto text = file.line_text(line);
        // A line of megabytes (a minified or binary file) is shown cut short,
        // and marks beyond the cut point at it.
        constexpr std::size_t max_shown = 400;
        bool cut = text.size() > max_shown;
        if (cut) text = base::utf8_clip(text, max_shown);
        if (!text.empty()) {  // no trailing space after the bar on empty lines
            out += ' ';
            out += printable(text);
            if (cut) out += " …";
        }
        out += '\n';

        for (; i < marks.size() && marks[i].line == line; ++i) {
            auto const& m = marks[i];
            auto const column = std::min<std::size_t>(m.column, max_shown + 2);
            auto const mark_width = std::min<std::size_t>(m.width, max_shown);
            out += pad;
            out += "| ";
            out += std::string(column - 1, ' ');
            out += std::string(mark_width, m.glyph);
            if (!m.label.empty()) {
                out += ' ';
                out += m.label;
            }
            out += '\n';
        }
    }

    if (!d.help.empty() || !d.notes.empty()) {
        out += pad;
        out += "|\n";
        for (auto const& h : d.help) {
            child_line(out, pad, "help", h);
        }
        for (auto const& n : d.notes) {
            child_line(out, pad, "note", n);
        }
    }
    out += '\n';
}

nlohmann::json span_json(SourceFile const& file, Span span) {
    auto const begin = file.locate(span.begin);
    auto const end = file.locate(std::max(span.begin, span.end));
    return {
        {"line", begin.line},
        {"column", begin.column},
        {"end_line", end.line},
        {"end_column", end.column},
    };
}

}  // namespace

std::string render_human(SourceFile const& file, std::vector<Diagnostic> const& diags) {
    std::string out;
    for (auto const& d : diags) {
        render_one(out, file, d);
    }
    return out;
}

nlohmann::json render_json(SourceFile const& file, Diagnostic const& diag) {
    auto j = span_json(file, diag.primary.span);
    j["file"] = file.path();
    j["severity"] = diag.severity == Severity::error ? "error" : "warning";
    j["code"] = info(diag.code).id;
    j["message"] = diag.message;
    j["label"] = diag.primary.text;
    auto secondary = nlohmann::json::array();
    for (auto const& label : diag.secondary) {
        auto s = span_json(file, label.span);
        s["label"] = label.text;
        secondary.push_back(std::move(s));
    }
    j["secondary"] = std::move(secondary);
    j["help"] = diag.help;
    j["notes"] = diag.notes;
    return j;
}

}  // namespace signflow::dsl
