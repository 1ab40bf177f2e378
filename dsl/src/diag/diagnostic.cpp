// The diagnostic code registry and the collector the front end reports into.
//
// all_codes() is the single table that ties each `Code` to its stable id
// ("E0202", "W1003"), its severity and a few words of summary; tests compare
// it against the enum, the golden cases and docs/errors.md. The table is
// generated from the X-macro list in the header: a code is added there, in
// one place, with its golden case and its docs/errors.md entry. The ids are written out as
// literals (rather than formatted from the value) so that grepping the source
// for an id finds its definition.
//
// The "did you mean" helpers live here too because every name-resolution
// error uses them: similar_names() follows Elm's rule (restricted
// Damerau-Levenshtein distance, at most 1 for names under 3 characters and
// at most 2 otherwise), which catches the usual typos - one wrong, missing,
// extra or swapped letter - without suggesting unrelated short names.
#include "signflow/base/utf8.hpp"
#include "signflow/dsl/diagnostic.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace signflow::dsl {

std::vector<CodeInfo> const& all_codes() {
    using enum Code;
    static std::vector<CodeInfo> const table{
#define SIGNFLOW_CODE_ROW(name, value, severity, id, summary) {name, Severity::severity, id, summary},
        SIGNFLOW_DIAGNOSTIC_CODES(SIGNFLOW_CODE_ROW)
#undef SIGNFLOW_CODE_ROW
    };
    return table;
}

CodeInfo const& info(Code code) {
    // ~60 entries: a linear scan is cheaper to keep right than an index, and
    // it runs once per reported diagnostic, not per token.
    for (auto const& entry : all_codes()) {
        if (entry.code == code) {
            return entry;
        }
    }
    // Only a value cast from an integer can get here; that is a bug in the
    // caller, not a property of the workflow being compiled.
    throw std::out_of_range("signflow: diagnostic code " + std::to_string(static_cast<int>(code)) +
                            " is missing from all_codes()");
}

Diagnostic& Diagnostics::report(Code code, Span span, std::string message, std::string label) {
    // The severity comes from the registry, never from the call site, so a
    // code is an error or a warning everywhere it is used.
    auto const& entry = info(code);
    Diagnostic d;
    d.code = code;
    d.severity = entry.severity;
    d.message = std::move(message);
    d.primary = Label{span, std::move(label)};
    if (d.severity == Severity::error) {
        ++errors_;
    }
    list_.push_back(std::move(d));
    // Valid until the next report(): callers add help and notes right away.
    return list_.back();
}

void Diagnostics::sort() {
    // Stable, so diagnostics at the same position keep the order the checker
    // found them in (usually the most fundamental first).
    std::stable_sort(list_.begin(), list_.end(), [](Diagnostic const& a, Diagnostic const& b) {
        return a.primary.span.begin < b.primary.span.begin;
    });
}

namespace {

// Decodes UTF-8 into code points so that distances and the length threshold
// count characters, not bytes. A malformed byte counts as one character of
// its own; names reaching here have already passed the UTF-8 check anyway.
std::u32string code_points(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        if (auto d = base::utf8_decode(s, i)) {
            out.push_back(d->value);
            i += d->length;
        } else {
            out.push_back(static_cast<unsigned char>(s[i]));  // a stray byte stands for itself
            ++i;
        }
    }
    return out;
}

// Optimal string alignment distance: Levenshtein plus the transposition of
// two adjacent characters, each substring edited at most once. This is the
// "restricted" Damerau-Levenshtein distance Elm's suggestions use.
std::size_t osa_distance(std::u32string const& a, std::u32string const& b) {
    std::size_t const n = a.size();
    std::size_t const m = b.size();
    // Three rolling rows: the transposition looks two rows back.
    std::vector<std::size_t> before(m + 1);
    std::vector<std::size_t> previous(m + 1);
    std::vector<std::size_t> current(m + 1);
    for (std::size_t j = 0; j <= m; ++j) {
        previous[j] = j;
    }
    for (std::size_t i = 1; i <= n; ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= m; ++j) {
            std::size_t const cost = a[i - 1] == b[j - 1] ? 0 : 1;
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                current[j] = std::min(current[j], before[j - 2] + 1);
            }
        }
        std::swap(before, previous);
        std::swap(previous, current);
    }
    return previous[m];
}

}  // namespace

std::vector<std::string> similar_names(std::string_view name, std::vector<std::string> const& candidates,
                                       std::size_t max) {
    auto const wanted = code_points(name);
    std::size_t const threshold = wanted.size() < 3 ? 1 : 2;

    std::vector<std::pair<std::size_t, std::string const*>> hits;
    for (auto const& candidate : candidates) {
        // The name itself is never a suggestion: it is what failed to resolve.
        if (candidate == name) {
            continue;
        }
        auto const other = code_points(candidate);
        // The distance is at least the difference in length; skip the table.
        auto const longer = std::max(wanted.size(), other.size());
        auto const shorter = std::min(wanted.size(), other.size());
        if (longer - shorter > threshold) {
            continue;
        }
        auto const distance = osa_distance(wanted, other);
        if (distance <= threshold) {
            hits.emplace_back(distance, &candidate);
        }
    }
    std::sort(hits.begin(), hits.end(), [](auto const& a, auto const& b) {
        return a.first != b.first ? a.first < b.first : *a.second < *b.second;
    });

    std::vector<std::string> out;
    for (auto const& [distance, candidate] : hits) {
        if (out.size() == max) {
            break;
        }
        // Candidate lists built from several scopes may repeat a name.
        if (std::find(out.begin(), out.end(), *candidate) == out.end()) {
            out.push_back(*candidate);
        }
    }
    return out;
}

void suggest(Diagnostic& d, std::string_view name, std::vector<std::string> const& candidates,
             std::string_view what) {
    auto const names = similar_names(name, candidates);
    if (names.empty()) {
        return;
    }
    std::string text;
    if (names.size() == 1) {
        // "an outcome", "an event": the callers pass plain English nouns.
        bool const vowel = !what.empty() && std::string_view("aeiou").find(what.front()) != std::string_view::npos;
        text = vowel ? "an " : "a ";
        text += what;
        text += " with a similar name exists: `";
        text += names.front();
        text += '`';
    } else {
        text = std::string(what) + "s with similar names exist: ";
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (i > 0) {
                text += ", ";
            }
            text += '`';
            text += names[i];
            text += '`';
        }
    }
    d.help.push_back(std::move(text));
}

}  // namespace signflow::dsl
