// See prescan.hpp. One loop over the bytes with a small state machine: code,
// string, comment. Strings may not span lines, so an unterminated string is
// caught at its line's end instead of swallowing the rest of the file.
#include "syntax/prescan.hpp"

#include "signflow/dsl/parse.hpp"
#include "signflow/base/utf8.hpp"

#include <string>

namespace signflow::dsl::syntax {
namespace {

std::string hex_byte(unsigned char c) {
    static char const digits[] = "0123456789ABCDEF";
    return std::string("0x") + digits[c >> 4] + digits[c & 15];
}

}  // namespace

bool prescan(SourceFile const& source, Diagnostics& diags, std::vector<ast::Comment>& comments) {
    std::string const& text = source.text();
    if (text.size() > max_file_bytes) {
        auto& d = diags.report(Code::file_too_large, Span{0, 0},
                               "file is " + std::to_string(text.size()) + " bytes; the limit is " +
                                   std::to_string(max_file_bytes),
                               "this file is too large to be a workflow");
        d.help.push_back("split the rules into one workflow per file");
        return false;
    }
    auto const* bytes = reinterpret_cast<unsigned char const*>(text.data());
    auto const* end = bytes + text.size();
    auto offset = [&](unsigned char const* p) { return static_cast<std::uint32_t>(p - bytes); };

    // One pass for encoding: everything else reads UTF-8 with confidence.
    for (auto const* p = bytes; p < end;) {
        std::size_t n = base::utf8_length(std::string_view(reinterpret_cast<char const*>(p), static_cast<std::size_t>(end - p)), 0);
        if (n == 0) {
            auto& d = diags.report(Code::invalid_utf8, Span{offset(p), offset(p) + 1},
                                   "the file is not valid UTF-8 (byte " + hex_byte(*p) + ")", "invalid byte here");
            d.help.push_back("save the file as UTF-8");
            return false;
        }
        p += n;
    }

    enum class Mode { code, string, comment } mode = Mode::code;
    int depth = 0;
    std::uint32_t string_start = 0, comment_start = 0, ident_start = 0;
    bool in_ident = false, code_on_line = false, comment_trailing = false;
    for (auto const* p = bytes; p <= end; ++p) {
        char c = p < end ? static_cast<char>(*p) : '\n';  // a virtual final newline closes everything
        bool at_end = p == end;
        if (mode == Mode::comment) {
            if (c == '\n' || (c == '\r' && p + 1 < end && p[1] == '\n')) {
                comments.push_back({Span{comment_start, offset(p)}, comment_trailing});
                mode = Mode::code;
                code_on_line = false;
            } else if (c != '\t' && static_cast<unsigned char>(c) < 0x20) {
                diags.report(Code::invalid_character, Span{offset(p), offset(p) + 1},
                             "control character " + hex_byte(static_cast<unsigned char>(c)) + " in a comment",
                             "not allowed here");
                return false;
            }
            continue;
        }
        if (mode == Mode::string) {
            if (c == '\\' && p + 1 < end && p[1] != '\n' && p[1] != '\r') {
                ++p;
            } else if (c == '"') {
                mode = Mode::code;
            } else if (c == '\n' || c == '\r') {
                auto& d = diags.report(Code::unterminated_string, Span{string_start, offset(p)},
                                       "unterminated string", "this string is not closed on its line");
                d.help.push_back("add the closing `\"`; strings cannot span lines (use \\n for a line break)");
                return false;
            } else if (c != '\t' && static_cast<unsigned char>(c) < 0x20) {
                diags.report(Code::invalid_character, Span{offset(p), offset(p) + 1},
                             "control character " + hex_byte(static_cast<unsigned char>(c)) + " in a string",
                             "not allowed here");
                return false;
            }
            continue;
        }
        // code
        bool ident_char = is_ident_char(c);
        // Names start with a letter or `_`; a run of digits is a number, and
        // numbers are checked by the grammar.
        if (ident_char && !in_ident && is_ident_start(c)) {
            in_ident = true;
            ident_start = offset(p);
        } else if (!ident_char && in_ident) {
            in_ident = false;
            if (offset(p) - ident_start > max_identifier_bytes) {
                auto& d = diags.report(Code::identifier_too_long, Span{ident_start, ident_start + 16},
                                       "a name of " + std::to_string(offset(p) - ident_start) +
                                           " characters; the limit is " + std::to_string(max_identifier_bytes),
                                       "this name is too long");
                d.help.push_back("use a shorter name");
                return false;
            }
        }
        if (at_end) break;
        switch (c) {
        case '#':
            mode = Mode::comment;
            comment_start = offset(p);
            comment_trailing = code_on_line;
            break;
        case '"':
            mode = Mode::string;
            string_start = offset(p);
            code_on_line = true;
            break;
        case '(':
        case '[':
        case '{':
            if (++depth > max_nesting) {
                auto& d = diags.report(Code::nesting_too_deep, Span{offset(p), offset(p) + 1},
                                       "brackets are nested more than " + std::to_string(max_nesting) + " deep",
                                       "too deep here");
                d.help.push_back("name a part of the expression with a role or split the workflow");
                return false;
            }
            code_on_line = true;
            break;
        case ')':
        case ']':
        case '}':
            if (depth > 0) --depth;
            code_on_line = true;
            break;
        case '\n':
            code_on_line = false;
            break;
        case ' ':
        case '\t':
        case '\r':
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
                diags.report(Code::invalid_character, Span{offset(p), offset(p) + 1},
                             "control character " + hex_byte(static_cast<unsigned char>(c)),
                             "not allowed in a workflow");
                return false;
            }
            code_on_line = true;
        }
    }
    return true;
}

}  // namespace signflow::dsl::syntax
