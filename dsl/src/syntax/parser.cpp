// The one translation unit that compiles Spirit X3 (it costs seconds and
// hundreds of MB; nothing else includes it). parse() runs the prescan, then
// the grammar one top-level item at a time. After a syntax error it reports
// what was expected and what was found, and resumes at the next line that
// starts a declaration or trigger, so independent errors are all reported.
#include "signflow/base/utf8.hpp"
#include "signflow/dsl/parse.hpp"

#include "syntax/grammar_def.hpp"
#include "syntax/prescan.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace signflow::dsl {
namespace {

using syntax::iterator_type;

constexpr std::array<std::string_view, 6> item_keywords{"workflow", "timezone", "role", "template", "quota", "on"};
constexpr std::array<std::string_view, 8> step_keywords{"fill",   "sign", "verify", "notify",
                                                        "invoke", "wait", "when",   "archive"};

// Skips blanks and comments (the grammar's skipper, by hand).
char const* skip_trivia(char const* p, char const* end) {
    while (p < end) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            ++p;
        } else if (*p == '#') {
            while (p < end && *p != '\n') ++p;
        } else {
            break;
        }
    }
    return p;
}

// The token at `p`, for "found …": a word, a number, a string, a symbol.
std::pair<std::string, char const*> describe_token(char const* p, char const* end) {
    if (p >= end) return {"end of file", p};
    char const* q = p;
    if (syntax::is_ident_char(*p)) {
        while (q < end && syntax::is_ident_char(*q)) ++q;
        return {"`" + std::string(p, q) + "`", q};
    }
    if (*p == '"') return {"a string", p + 1};
    if (static_cast<unsigned char>(*p) >= 0x80) {
        ++q;
        while (q < end && base::utf8_continuation(static_cast<unsigned char>(*q))) ++q;
        return {"`" + std::string(p, q) + "`", q};
    }
    static constexpr std::array<std::string_view, 7> pairs{"->", "==", "!=", "<=", ">=", "..", "//"};
    for (auto s : pairs)
        if (end - p >= 2 && std::string_view(p, 2) == s) return {"`" + std::string(s) + "`", p + 2};
    return {"`" + std::string(1, *p) + "`", p + 1};
}

// The next line (after the one holding `p`) whose first word starts a
// top-level item; `end` if there is none.
char const* next_item_line(char const* p, char const* end) {
    for (;;) {
        while (p < end && *p != '\n') ++p;
        if (p >= end) return end;
        ++p;
        char const* q = p;
        while (q < end && (*q == ' ' || *q == '\t')) ++q;
        char const* w = q;
        while (w < end && syntax::is_ident_char(*w)) ++w;
        std::string_view word(q, static_cast<std::size_t>(w - q));
        for (auto k : item_keywords)
            if (word == k) return q;
    }
}

// For "did you mean": the candidates for a misspelled keyword.
std::vector<std::string> keywords_for(std::string const& expected) {
    std::vector<std::string> out;
    if (expected.rfind("a step", 0) == 0) {
        for (auto k : step_keywords) out.emplace_back(k);
        if (expected.rfind("a step or", 0) == 0) {
            out.emplace_back("on");
            out.emplace_back("cc");
        }
    }
    if (expected.rfind("a declaration", 0) == 0)
        for (auto k : item_keywords) out.emplace_back(k);
    return out;
}

// The name an item declares, if its first words say so (`role client = …`),
// so that a syntax error later in the item does not also make every use of
// the name an "unknown" error.
void remember_broken_name(char const* p, char const* end, ast::File& file) {
    char const* w = p;
    while (w < end && syntax::is_ident_char(*w)) ++w;
    std::string word(p, static_cast<std::size_t>(w - p));
    // A misspelled keyword (`rol client = …`) still declares the name the
    // author meant to, as far as follow-on errors are concerned.
    if (word != "role" && word != "template") {
        auto close = similar_names(word, {"role", "template"}, 1);
        if (close.empty()) return;
        word = close.front();
    }
    char const* n = skip_trivia(w, end);
    char const* m = n;
    while (m < end && syntax::is_ident_char(*m)) ++m;
    if (m > n) (word == "role" ? file.broken_roles : file.broken_templates).emplace_back(n, m);
}

}  // namespace

ast::File parse(SourceFile const& source, Diagnostics& diags) {
    ast::File file;
    if (!syntax::prescan(source, diags, file.comments)) return file;

    char const* const begin = source.text().data();
    char const* const end = begin + source.text().size();
    syntax::ParseState state{begin, &diags};
    auto const parser = syntax::x3::with<syntax::state_tag>(&state)[syntax::grammar::item];

    // A UTF-8 byte order mark (Windows editors write one) is not content.
    char const* first = skip_trivia(source.text().rfind("\xEF\xBB\xBF", 0) == 0 ? begin + 3 : begin, end);
    while (first < end) {
        char const* item_start = first;
        state.depth_reported = false;
        char const* error_at = nullptr;
        std::string expected;
        try {
            ast::Item item;
            iterator_type it = first;
            if (syntax::x3::phrase_parse(it, end, parser, syntax::grammar::skipper, item)) {
                file.items.push_back(std::move(item));
                first = skip_trivia(it, end);
                continue;
            }
            error_at = first;
            expected = syntax::grammar::item.name;
        } catch (syntax::x3::expectation_failure<iterator_type> const& e) {
            error_at = skip_trivia(e.where(), end);
            expected = e.which();
        }
        auto [found, found_end] = describe_token(error_at, end);
        auto const at = static_cast<std::uint32_t>(error_at - begin);
        auto const to = static_cast<std::uint32_t>(found_end - begin);
        auto& d = diags.report(Code::syntax_error, Span{at, to}, "expected " + expected + ", found " + found,
                               error_at == end ? "the file ends here"
                               : found == "a string" ? "unexpected string"
                                                     : "unexpected " + found);
        std::string word = found.size() > 2 && found.front() == '`' ? found.substr(1, found.size() - 2) : "";
        bool is_word = !word.empty() && syntax::is_ident_char(word[0]);
        bool declaration_expected = expected.rfind("a declaration", 0) == 0;
        if (declaration_expected && is_word &&
            std::find(step_keywords.begin(), step_keywords.end(), word) != step_keywords.end()) {
            d.help.push_back("steps are chained with `->`: did you forget `->` before `" + word + "`?");
        } else if (declaration_expected &&
                   (word == "<" || word == ">" || word == "<=" || word == ">=" || word == "==" || word == "!=")) {
            d.help.push_back("comparisons do not chain: write `a < b and b < c`");
        } else if (is_word && (expected == "`]`" || expected == "`)`" || expected == "`}`")) {
            d.help.push_back("separate the items with `,`");
        } else if (is_word) {
            suggest(d, word, keywords_for(expected), "keyword");
        }
        remember_broken_name(item_start, end, file);
        first = next_item_line(error_at == item_start ? error_at : error_at - 1, end);
        if (first == item_start) first = next_item_line(first, end);
    }
    return file;
}

}  // namespace signflow::dsl
