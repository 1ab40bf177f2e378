// The built-in functions at run time, under the names and arities the
// checker knows them by (stdlib/src/functions.cpp). Each function evaluates
// its own arguments, so coalesce() stops at the first one that is not null.
//
// Text is UTF-8 (nlohmann's parser refuses anything else). lower() and
// upper() map ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters
// one to one and leave every other character as it is: no locale, no ICU,
// the same result on every machine. Dates are the Gregorian calendar of
// Howard Hinnant's date library; month and day names are English.
#include "signflow/base/utf8.hpp"
#include "evaluator.hpp"

#include <date/date.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>

namespace signflow::engine::eval {

namespace {

// ---------------------------------------------------------------- arguments

std::string fn_name(ir::Expr const& e) { return e.text + "()"; }

std::string const& string_arg(ir::Expr const& e, Value const& v, std::size_t i) {
    if (!v.is_string())
        fail(e, fn_name(e) + " needs a string as argument " + std::to_string(i + 1) + ", got " + type_name(v));
    return v.string();
}

// ---------------------------------------------------------------- UTF-8

struct Decoded {
    char32_t cp;
    std::size_t len;
    bool valid;
};

Decoded decode(std::string_view s, std::size_t i) {
    if (auto d = base::utf8_decode(s, i)) return {d->value, d->length, true};
    return {static_cast<unsigned char>(s[i]), 1, false};
}

void encode(char32_t cp, std::string& out) { base::utf8_append(out, cp); }

bool in(char32_t c, char32_t lo, char32_t hi) { return c >= lo && c <= hi; }

// Latin Extended-A pairs an upper case letter with the next code point; in
// U+0100–U+0137 and U+014A–U+0177 the upper case letter is even, in
// U+0139–U+0148 and U+0179–U+017E odd.
bool latin_a_upper(char32_t c) {
    if (c == 0x130 || c == 0x131) return false;  // İ and ı map outside their pair
    if (in(c, 0x100, 0x137) || in(c, 0x14A, 0x177)) return c % 2 == 0;
    if (in(c, 0x139, 0x148) || in(c, 0x179, 0x17E)) return c % 2 == 1;
    return false;
}
bool latin_a_lower(char32_t c) { return c > 0x100 && c != 0x131 && c != 0x139 && latin_a_upper(c - 1); }

char32_t to_lower(char32_t c) {
    if (in(c, 'A', 'Z')) return c + 32;
    if (c < 0xC0) return c;
    if (in(c, 0xC0, 0xDE) && c != 0xD7) return c + 32;
    if (latin_a_upper(c)) return c + 1;
    if (c == 0x130) return 'i';
    if (c == 0x178) return 0xFF;
    if (in(c, 0x391, 0x3AB) && c != 0x3A2) return c + 32;
    if (c == 0x386) return 0x3AC;
    if (in(c, 0x388, 0x38A)) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (in(c, 0x410, 0x42F)) return c + 32;
    if (in(c, 0x400, 0x40F)) return c + 80;
    return c;
}

char32_t to_upper(char32_t c) {
    if (in(c, 'a', 'z')) return c - 32;
    if (c < 0xE0) return c;
    if (in(c, 0xE0, 0xFE) && c != 0xF7) return c - 32;
    if (c == 0xFF) return 0x178;
    if (latin_a_lower(c)) return c - 1;
    if (c == 0x131) return 'I';
    if (c == 0x3C2) return 0x3A3;  // final sigma
    if (in(c, 0x3B1, 0x3CB)) return c - 32;
    if (c == 0x3AC) return 0x386;
    if (in(c, 0x3AD, 0x3AF)) return c - 37;
    if (c == 0x3CC) return 0x38C;
    if (c == 0x3CD || c == 0x3CE) return c - 63;
    if (in(c, 0x430, 0x44F)) return c - 32;
    if (in(c, 0x450, 0x45F)) return c - 80;
    return c;
}

std::string map_case(std::string const& s, char32_t (*map)(char32_t)) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        Decoded const d = decode(s, i);
        if (d.valid) encode(map(d.cp), out);
        else out += s[i];
        i += d.len;
    }
    return out;
}

// Unicode's White_Space property.
bool is_space(char32_t c) {
    return in(c, 0x09, 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || in(c, 0x2000, 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::string trim(std::string const& s) {
    std::size_t b = 0, e = s.size();
    while (b < e) {
        Decoded const d = decode(s, b);
        if (!d.valid || !is_space(d.cp)) break;
        b += d.len;
    }
    while (e > b) {
        std::size_t j = e - 1;
        while (j > b && (j < s.size() && base::utf8_continuation(static_cast<unsigned char>(s[j])))) --j;
        Decoded const d = decode(s, j);
        if (!d.valid || j + d.len != e || !is_space(d.cp)) break;
        e = j;
    }
    return s.substr(b, e - b);
}

std::size_t code_points(std::string const& s) {
    return base::utf8_count(s);
}

// ---------------------------------------------------------------- dates

// A date, or a date and time, as written: "2026-03-10", or RFC 3339
// ("2026-03-10T13:00:00Z", "2026-03-10T15:00:00+02:00", with a space for the
// T, seconds and their fraction optional, the offset optional). Formatting
// and days_until() use the date and time as written, in the writer's own
// offset: "2026-03-10T23:30:00-05:00" is the 10th.
struct DateTime {
    date::year_month_day ymd;
    int hour = 0, minute = 0, second = 0;
    int offset_minutes = 0;  // east of UTC; 0 for `Z` or no offset
};

std::optional<DateTime> parse_date(std::string_view s) {
    std::size_t i = 0;
    auto digits = [&](std::size_t n, int& out) {
        if (i + n > s.size()) return false;
        out = 0;
        for (std::size_t k = 0; k < n; ++k) {
            char const c = s[i + k];
            if (c < '0' || c > '9') return false;
            out = out * 10 + (c - '0');
        }
        i += n;
        return true;
    };
    auto lit = [&](char c) {
        if (i < s.size() && s[i] == c) return ++i, true;
        return false;
    };
    DateTime dt;
    int y = 0, m = 0, d = 0;
    if (!digits(4, y) || !lit('-') || !digits(2, m) || !lit('-') || !digits(2, d)) return std::nullopt;
    dt.ymd = date::year{y} / date::month{static_cast<unsigned>(m)} / date::day{static_cast<unsigned>(d)};
    if (!dt.ymd.ok()) return std::nullopt;
    if (i == s.size()) return dt;
    if (!lit('T') && !lit('t') && !lit(' ')) return std::nullopt;
    if (!digits(2, dt.hour) || !lit(':') || !digits(2, dt.minute)) return std::nullopt;
    if (lit(':')) {
        if (!digits(2, dt.second)) return std::nullopt;
        if (lit('.')) {
            std::size_t const start = i;
            while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
            if (i == start) return std::nullopt;
        }
    }
    // RFC 3339 allows a leap second (:60).
    if (dt.hour > 23 || dt.minute > 59 || dt.second > 60) return std::nullopt;
    if (lit('Z') || lit('z') || i == s.size()) return i == s.size() ? std::optional(dt) : std::nullopt;
    bool const minus = s[i] == '-';
    if (!lit('+') && !lit('-')) return std::nullopt;
    int oh = 0, om = 0;
    if (!digits(2, oh) || !lit(':') || !digits(2, om) || oh > 23 || om > 59 || i != s.size()) return std::nullopt;
    dt.offset_minutes = (minus ? -1 : 1) * (oh * 60 + om);
    return dt;
}

DateTime date_arg(ir::Expr const& e, Value const& v) {
    if (!v.is_string())
        fail(e, fn_name(e) + " needs a date (a string such as \"2026-03-10\"), got " + std::string(type_name(v)));
    auto dt = parse_date(v.string());
    if (!dt) {
        std::string shown(base::utf8_clip(v.string(), 40));
        if (v.string().size() > 40) shown += "…";
        fail(e, fn_name(e) + ": \"" + shown + "\" is not a date (YYYY-MM-DD or RFC 3339)");
    }
    return *dt;
}

constexpr std::array<char const*, 12> month_names{"January", "February", "March",     "April",   "May",      "June",
                                                  "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<char const*, 7> day_names{"Sunday",   "Monday", "Tuesday", "Wednesday",
                                               "Thursday", "Friday", "Saturday"};

void two(std::string& out, int n, char pad = '0') {
    out += n < 10 ? pad : static_cast<char>('0' + n / 10 % 10);
    out += static_cast<char>('0' + n % 10);
}

void four(std::string& out, int n) {
    two(out, n / 100);
    two(out, n % 100);
}

// Directives: %Y %y %m %d %e %j %H %I %M %S %p %B %b %A %a %u %F %T %R %z %%.
std::string format_date(ir::Expr const& e, DateTime const& dt, std::string const& pattern) {
    date::sys_days const day{dt.ymd};
    int const year = static_cast<int>(dt.ymd.year());
    int const month = static_cast<int>(static_cast<unsigned>(dt.ymd.month()));
    int const mday = static_cast<int>(static_cast<unsigned>(dt.ymd.day()));
    unsigned const wday = date::weekday{day}.c_encoding();  // 0 = Sunday
    std::string out;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '%') {
            out += pattern[i];
            continue;
        }
        if (++i == pattern.size()) fail(e, "format_date(): the pattern ends in a lone `%`");
        switch (pattern[i]) {
        case 'Y': four(out, year); break;
        case 'y': two(out, year % 100); break;
        case 'm': two(out, month); break;
        case 'd': two(out, mday); break;
        case 'e': two(out, mday, ' '); break;
        case 'j': {
            int const yday = static_cast<int>((day - date::sys_days{dt.ymd.year() / 1 / 1}).count()) + 1;
            out += static_cast<char>('0' + yday / 100);
            two(out, yday % 100);
            break;
        }
        case 'H': two(out, dt.hour); break;
        case 'I': two(out, dt.hour % 12 == 0 ? 12 : dt.hour % 12); break;
        case 'M': two(out, dt.minute); break;
        case 'S': two(out, dt.second); break;
        case 'p': out += dt.hour < 12 ? "AM" : "PM"; break;
        case 'B': out += month_names[month - 1]; break;
        case 'b': out.append(month_names[month - 1], 3); break;
        case 'A': out += day_names[wday]; break;
        case 'a': out.append(day_names[wday], 3); break;
        case 'u': out += static_cast<char>('0' + (wday == 0 ? 7 : wday)); break;
        case 'F':
            four(out, year), out += '-', two(out, month), out += '-', two(out, mday);
            break;
        case 'T':
            two(out, dt.hour), out += ':', two(out, dt.minute), out += ':', two(out, dt.second);
            break;
        case 'R': two(out, dt.hour), out += ':', two(out, dt.minute); break;
        case 'z': {
            int const off = dt.offset_minutes < 0 ? -dt.offset_minutes : dt.offset_minutes;
            out += dt.offset_minutes < 0 ? '-' : '+';
            two(out, off / 60);
            two(out, off % 60);
            break;
        }
        case '%': out += '%'; break;
        default:
            fail(e, std::string("format_date(): unknown directive `%") + pattern[i] +
                        "` in the pattern (known: %Y %y %m %d %e %j %H %I %M %S %p %B %b %A %a %u %F %T %R %z %%)");
        }
    }
    return out;
}

// ---------------------------------------------------------------- round

// Rounds half away from zero at the given decimal place of the number's
// shortest decimal spelling, so round(2.675, 2) is 2.68 (as a person reading
// "2.675" expects), although the double nearest 2.675 lies just below it.
double round_decimal(double n, int decimals) {
    if (n == 0) return 0;
    char buf[64];
    auto const r = std::to_chars(buf, buf + sizeof buf, std::fabs(n), std::chars_format::scientific);
    std::string_view const text(buf, static_cast<std::size_t>(r.ptr - buf));  // "d.ddde±XX"
    std::size_t const e_at = text.find('e');
    std::string digits;
    for (char c : text.substr(0, e_at))
        if (c != '.') digits += c;
    int exponent = 0;
    std::string_view const exp_text = text.substr(e_at + 1);
    std::from_chars(exp_text.data() + (exp_text[0] == '+'), exp_text.data() + exp_text.size(), exponent);
    // digits[k] is worth 10^(exponent - k): keep those worth 10^-decimals or more.
    long const keep = static_cast<long>(exponent) + decimals + 1;
    if (keep >= static_cast<long>(digits.size())) return n;
    std::string kept = keep > 0 ? digits.substr(0, static_cast<std::size_t>(keep)) : std::string();
    bool const up = keep >= 0 && digits[static_cast<std::size_t>(keep)] >= '5';
    if (up) {
        std::size_t k = kept.size();
        while (k > 0 && kept[k - 1] == '9') kept[--k] = '0';
        if (k == 0) kept.insert(kept.begin(), '1');
        else ++kept[k - 1];
    }
    if (kept.empty()) return 0;
    kept += 'e' + std::to_string(-decimals);
    double out = 0;
    std::from_chars(kept.data(), kept.data() + kept.size(), out);
    return n < 0 ? -out : out;
}

// ---------------------------------------------------------------- the functions

Value arg(ir::Expr const& e, Scope const& scope, std::size_t i) { return eval(e.args[i], scope); }

Value fn_lower(ir::Expr const& e, Scope const& scope) {
    Value const s = arg(e, scope, 0);
    return json(map_case(string_arg(e, s, 0), to_lower));
}

Value fn_upper(ir::Expr const& e, Scope const& scope) {
    Value const s = arg(e, scope, 0);
    return json(map_case(string_arg(e, s, 0), to_upper));
}

Value fn_trim(ir::Expr const& e, Scope const& scope) {
    Value const s = arg(e, scope, 0);
    return json(trim(string_arg(e, s, 0)));
}

Value fn_length(ir::Expr const& e, Scope const& scope) {
    Value const x = arg(e, scope, 0);
    if (x.is_string()) return json(static_cast<std::int64_t>(code_points(x.string())));
    if (x.type() == json::value_t::array) return json(static_cast<std::int64_t>(x.get().size()));
    fail(e, "length() needs a string or a list, got " + std::string(type_name(x)));
}

Value fn_coalesce(ir::Expr const& e, Scope const& scope) {
    for (std::size_t i = 0; i < e.args.size(); ++i) {
        Value v = arg(e, scope, i);
        if (!v.is_null()) return v;
    }
    return {};
}

Value fn_format_date(ir::Expr const& e, Scope const& scope) {
    Value const d = arg(e, scope, 0);
    Value const p = arg(e, scope, 1);
    DateTime const dt = date_arg(e, d);
    return json(format_date(e, dt, string_arg(e, p, 1)));
}

Value fn_round(ir::Expr const& e, Scope const& scope) {
    Value const n = arg(e, scope, 0);
    json const& x = n.get();
    if (!x.is_number()) fail(e, "round() needs a number as argument 1, got " + std::string(type_name(n)));
    double decimals = 0;
    if (e.args.size() > 1) {
        Value const d = arg(e, scope, 1);
        if (!d.get().is_number()) fail(e, "round() needs a number as argument 2, got " + std::string(type_name(d)));
        decimals = d.get().get<double>();
        if (decimals != std::trunc(decimals))
            fail(e, "round() needs a whole number of decimals, got " + number_text(d.get()));
    }
    // A double has at most 17 significant digits and exponents within ±324:
    // beyond ±400 decimals the answer no longer changes.
    decimals = std::clamp(decimals, -400.0, 400.0);
    if (x.is_number_integer() && decimals >= 0) return x;
    return number(round_decimal(x.get<double>(), static_cast<int>(decimals)));
}

Value fn_contains(ir::Expr const& e, Scope const& scope) {
    if (is(e.args[0].kind, "list")) return json(in_list_literal(e.args[0], arg(e, scope, 1), scope));
    Value const x = arg(e, scope, 0);
    Value const y = arg(e, scope, 1);
    return json(contains(x, y, e, "contains()"));
}

Value fn_concat(ir::Expr const& e, Scope const& scope) {
    std::string out;
    for (std::size_t i = 0; i < e.args.size(); ++i) {
        Value const v = arg(e, scope, i);
        switch (v.type()) {
        case json::value_t::string: out += v.string(); break;
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float: out += number_text(v.get()); break;
        case json::value_t::boolean: out += v.get().get<bool>() ? "true" : "false"; break;
        default:
            fail(e, "concat() needs strings, numbers or booleans, got " + std::string(type_name(v)) + " as argument " +
                        std::to_string(i + 1) + (v.is_null() ? " (for optional text, write coalesce(x, \"\"))" : ""));
        }
    }
    return json(std::move(out));
}

Value fn_days_until(ir::Expr const& e, Scope const& scope) {
    Value const d = arg(e, scope, 0);
    DateTime const dt = date_arg(e, d);
    auto const today = std::chrono::floor<date::days>(scope.now);
    return json((date::sys_days{dt.ymd} - today).count());
}

Value fn_now(ir::Expr const&, Scope const& scope) {
    // "2026-03-10T13:00:00Z": whole seconds, UTC, as time.hpp's utc_text().
    auto const t = std::chrono::floor<std::chrono::seconds>(scope.now);
    auto const day = std::chrono::floor<date::days>(t);
    date::year_month_day const ymd{day};
    int const year = static_cast<int>(ymd.year());
    if (year < 0 || year > 9999) return json(date::format("%FT%TZ", t));  // beyond RFC 3339's four digits
    date::hh_mm_ss<std::chrono::seconds> const hms{t - day};
    std::string out;
    four(out, year), out += '-', two(out, static_cast<int>(static_cast<unsigned>(ymd.month()))), out += '-';
    two(out, static_cast<int>(static_cast<unsigned>(ymd.day()))), out += 'T';
    two(out, static_cast<int>(hms.hours().count())), out += ':';
    two(out, static_cast<int>(hms.minutes().count())), out += ':';
    two(out, static_cast<int>(hms.seconds().count())), out += 'Z';
    return json(std::move(out));
}

struct Function {
    std::string_view name;
    std::size_t min_args;
    std::size_t max_args;  // SIZE_MAX: variadic
    Value (*run)(ir::Expr const&, Scope const&);
};

constexpr std::size_t any = static_cast<std::size_t>(-1);

// As stdlib/src/functions.cpp declares them.
constexpr std::array<Function, 11> functions{{
    {"lower", 1, 1, fn_lower},
    {"upper", 1, 1, fn_upper},
    {"trim", 1, 1, fn_trim},
    {"length", 1, 1, fn_length},
    {"coalesce", 1, any, fn_coalesce},
    {"format_date", 2, 2, fn_format_date},
    {"round", 1, 2, fn_round},
    {"contains", 2, 2, fn_contains},
    {"concat", 1, any, fn_concat},
    {"days_until", 1, 1, fn_days_until},
    {"now", 0, 0, fn_now},
}};

}  // namespace

Value call(ir::Expr const& e, Scope const& scope) {
    for (Function const& f : functions) {
        if (f.name != e.text) continue;
        std::size_t const n = e.args.size();
        if (n < f.min_args || n > f.max_args) {
            std::string want = f.min_args == f.max_args ? std::to_string(f.min_args)
                               : f.max_args == any      ? std::to_string(f.min_args) + " or more"
                                                        : std::to_string(f.min_args) + " to " + std::to_string(f.max_args);
            fail(e, "malformed expression: " + fn_name(e) + " takes " + want + " argument" +
                        (f.max_args == 1 && f.min_args == 1 ? "" : "s") + ", got " + std::to_string(n));
        }
        return f.run(e, scope);
    }
    fail(e, "malformed expression: unknown function `" + e.text + "`");
}

}  // namespace signflow::engine::eval
