#pragma once
// How the language writes its tokens, for every part of the front end that
// prints workflow text (fmt, the IR listing, state names): string literals
// with their four escapes, names, durations.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::dsl::lexical {

// A string literal; the language knows only these four escapes, every other
// byte stands for itself.
inline void append_quoted(std::string& out, std::string_view s) {
    out += '"';
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default: out += c;
        }
    }
    out += '"';
}

inline std::string quoted(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    append_quoted(out, s);
    return out;
}

// [A-Za-z_][A-Za-z0-9_]*
inline bool is_identifier(std::string_view s) {
    auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    if (s.empty() || !alpha(s.front())) return false;
    for (char c : s)
        if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
    return true;
}

// Minutes as the largest unit that divides them exactly: 2880 -> "2d".
inline std::string duration_text(std::int64_t minutes) {
    if (minutes == 0) return "0m";
    if (minutes % 10080 == 0) return std::to_string(minutes / 10080) + "w";
    if (minutes % 1440 == 0) return std::to_string(minutes / 1440) + "d";
    if (minutes % 60 == 0) return std::to_string(minutes / 60) + "h";
    return std::to_string(minutes) + "m";
}

// A minute of the day as a clock time: 540 -> "09:00".
inline std::string time_text(std::int64_t minute_of_day) {
    if (minute_of_day < 0) return std::to_string(minute_of_day);
    auto const two_digits = [](std::int64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
    return two_digits(minute_of_day / 60) + ':' + two_digits(minute_of_day % 60);
}

inline std::string join(std::vector<std::string> const& items, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += separator;
        out += items[i];
    }
    return out;
}

}  // namespace signflow::dsl::lexical
