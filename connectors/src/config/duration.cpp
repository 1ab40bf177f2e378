// Durations as operators write them: "10s", "5m", "1h30m", "10y", or a bare
// number of seconds. A year is 365 days and a month is not a unit (its length
// varies); nothing here needs calendar arithmetic.
#include "signflow/connectors/config.hpp"

#include <cctype>
#include <limits>

namespace signflow::connectors {
namespace {

std::int64_t unit_ms(std::string const& unit) {
    if (unit == "ms") return 1;
    if (unit == "s") return 1000;
    if (unit == "m") return 60 * 1000;
    if (unit == "h") return 3600 * 1000;
    if (unit == "d") return 86400LL * 1000;
    if (unit == "w") return 7 * 86400LL * 1000;
    if (unit == "y") return 365 * 86400LL * 1000;
    return 0;
}

}  // namespace

std::int64_t duration_ms(nlohmann::json const& value, std::string const& key, Where const& where) {
    auto fail = [&](std::string const& why) -> std::int64_t {
        throw ConfigError(where.text() + ": `" + key + "` " + why +
                          " (a duration: \"500ms\", \"10s\", \"5m\", \"2h\", \"3d\", \"2w\", \"10y\", \"1h30m\", or "
                          "a number of seconds)");
    };
    constexpr std::int64_t max_ms = std::numeric_limits<std::int64_t>::max() / 4;
    if (value.is_number_integer()) {
        auto seconds = value.get<std::int64_t>();
        if (seconds < 0) return fail("is negative");
        if (seconds > max_ms / 1000) return fail("is too long");
        return seconds * 1000;
    }
    if (value.is_number_float()) {
        double seconds = value.get<double>();
        if (!(seconds >= 0)) return fail("is negative");
        if (seconds > double(max_ms / 1000)) return fail("is too long");
        return static_cast<std::int64_t>(seconds * 1000);
    }
    if (!value.is_string()) return fail("is not a duration");
    std::string const text = value.get<std::string>();
    if (text.empty()) return fail("is empty");
    std::int64_t total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) return fail("\"" + text + "\" is not a duration");
        std::int64_t n = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            int digit = text[i++] - '0';
            // Checked before multiplying: n·10 + digit must not overflow.
            if (n > (max_ms - digit) / 10) return fail("is too long");
            n = n * 10 + digit;
        }
        std::string unit;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) unit += text[i++];
        std::int64_t ms = unit_ms(unit);
        if (ms == 0)
            return fail(unit.empty() ? "\"" + text + "\" has a number without a unit"
                                     : "\"" + text + "\" has an unknown unit `" + unit + "`");
        if (n > max_ms / ms || total > max_ms - n * ms) return fail("is too long");
        total += n * ms;
    }
    return total;
}

}  // namespace signflow::connectors
