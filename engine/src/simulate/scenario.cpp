// The scenario language's parser (docs/scenarios.md). Its check against a
// workflow and the error rendering are in scenario_check.cpp.
//
// The language is line-based, so the parser is a cursor over the text and a
// function per first word; no grammar library is worth its compile time
// here. A step ends at the end of its line, except that JSON (event data, an
// expectation's `with`) runs until its brackets balance, over as many lines
// as it needs. `#` starts a comment at the start of a line or after a blank
// only: state and timer names contain `#` (`awaiting(member)#2`, `join#1`).
// An error skips the rest of its line (or its JSON) and parsing goes on, so a
// file reports all its mistakes at once, as the compiler does.
#include "signflow/engine/simulation.hpp"

#include "signflow/dsl/diagnostic.hpp"

#include <date/tz.h>

#include <algorithm>
#include <charconv>

namespace signflow::engine {

namespace {

constexpr std::int64_t max_duration_minutes = 3660LL * 24 * 60;  // ten years, as in the language

// A step's error: recorded by the line loop, which then skips the line.
struct LineError {
    ScenarioError error;
};

struct Word {
    std::string_view text;
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
    bool empty() const { return text.empty(); }
    dsl::Span span() const { return {begin, end}; }
};

bool is_name(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string ticked(std::string_view s) { return "`" + std::string(s) + "`"; }

std::vector<std::string> help_similar(std::string_view name, std::vector<std::string> const& candidates,
                                      std::string_view what) {
    dsl::Diagnostic d;
    dsl::suggest(d, name, candidates, what);
    return d.help;
}

std::vector<std::string> const& zone_names() {
    static std::vector<std::string> const names = [] {
        std::vector<std::string> out;
        auto const& db = date::get_tzdb();
        for (auto const& z : db.zones) out.push_back(std::string(z.name()));
        return out;
    }();
    return names;
}

// Accepted units, spelled short (as in the workflow language) or long.
std::optional<std::int64_t> unit_minutes(std::string_view u) {
    if (u == "m" || u == "min" || u == "mins" || u == "minute" || u == "minutes") return 1;
    if (u == "h" || u == "hour" || u == "hours") return 60;
    if (u == "d" || u == "day" || u == "days") return 24 * 60;
    if (u == "w" || u == "week" || u == "weeks") return 7 * 24 * 60;
    return std::nullopt;
}

class Parser {
public:
    Parser(Scenario& scenario, std::vector<ScenarioError>& errors)
        : sc_(scenario), text_(scenario.source.text()), errors_(errors) {}

    void run() {
        while (pos_ < text_.size()) {
            skip_blanks();
            if (pos_ >= text_.size()) break;
            if (text_[pos_] == '\n') {
                ++pos_;
                continue;
            }
            if (text_[pos_] == '#') {
                skip_line();
                continue;
            }
            line_begin_ = pos_;
            try {
                parse_step();
                skip_blanks();
                if (!at_line_end()) {
                    Word extra = rest_word();
                    fail(extra.span(), "unexpected " + ticked(extra.text) + " after the end of the step",
                         "nothing may follow here");
                }
            } catch (LineError& e) {
                errors_.push_back(std::move(e.error));
                // Resume after the JSON that failed, if it was JSON, else at the next line.
                if (resume_ > pos_) pos_ = resume_;
            }
            skip_line();
        }
        if (!sc_.steps.empty() || !errors_.empty()) return;
        errors_.push_back({{0, 0}, "the scenario has no steps", "expected `event NAME {…}` first",
                           {"a scenario starts an envelope with its trigger event, e.g. "
                            "`event form_submitted {…}`"}});
    }

private:
    // ------------------------------------------------------------ lexing

    void skip_blanks() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\r')) ++pos_;
    }
    void skip_line() {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
        if (pos_ < text_.size()) ++pos_;
    }
    // At the end of the step's line: a line break, the end, or a comment.
    bool at_line_end() {
        skip_blanks();
        return pos_ >= text_.size() || text_[pos_] == '\n' || text_[pos_] == '#';
    }

    std::uint32_t here() const { return static_cast<std::uint32_t>(pos_); }

    // The next run of non-blank characters on this line; empty at its end.
    Word word() {
        if (at_line_end()) return {{}, here(), here()};
        std::size_t b = pos_;
        while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
        return {std::string_view(text_).substr(b, pos_ - b), static_cast<std::uint32_t>(b), here()};
    }
    Word peek_word() {
        std::size_t saved = pos_;
        Word w = word();
        pos_ = saved;
        return w;
    }
    // The word that is in the way (for "unexpected" messages), however long.
    Word rest_word() {
        Word w = word();
        if (w.empty()) w.end = w.begin + 1;
        return w;
    }
    // The rest of the line without a trailing comment, trimmed.
    Word rest_of_line() {
        skip_blanks();
        std::size_t b = pos_;
        std::size_t e = b;
        while (e < text_.size() && text_[e] != '\n') {
            if (text_[e] == '#' && e > b && (text_[e - 1] == ' ' || text_[e - 1] == '\t')) break;
            ++e;
        }
        pos_ = e;
        while (e > b && std::isspace(static_cast<unsigned char>(text_[e - 1]))) --e;
        return {std::string_view(text_).substr(b, e - b), static_cast<std::uint32_t>(b),
                static_cast<std::uint32_t>(e)};
    }

    [[noreturn]] void fail(dsl::Span span, std::string message, std::string label,
                           std::vector<std::string> help = {}) {
        throw LineError{{span, std::move(message), std::move(label), std::move(help)}};
    }
    [[noreturn]] void missing(std::string what, std::vector<std::string> help = {}) {
        Word w = peek_word();
        if (w.empty())
            fail({here(), here()}, "expected " + what, "the line ends here", std::move(help));
        fail(w.span(), "expected " + what + ", found " + ticked(w.text), "not " + what, std::move(help));
    }
    void keyword(std::string_view k, std::vector<std::string> help = {}) {
        Word w = peek_word();
        if (w.text != k) missing(ticked(k), std::move(help));
        word();
    }

    Word name(std::string const& what) {
        Word w = peek_word();
        if (w.empty()) missing(what);
        if (!is_name(w.text))
            fail(w.span(), ticked(w.text) + " is not a name", "expected " + what,
                 {"names are made of letters, digits and `_`, and do not start with a digit"});
        return word();
    }

    // `3d`, `2h`, `30m`, `1w`, or `3 days`, `1 hour`, …
    std::int64_t duration() {
        Word w = peek_word();
        if (w.empty()) missing("a duration such as `3d`");
        std::size_t digits = 0;
        while (digits < w.text.size() && std::isdigit(static_cast<unsigned char>(w.text[digits]))) ++digits;
        if (digits == 0) missing("a duration such as `3d`", {"durations are a number and a unit: 30m, 2h, 3d, 1w"});
        word();
        std::string_view unit = w.text.substr(digits);
        dsl::Span span = w.span();
        if (unit.empty()) {
            Word u = peek_word();
            if (!unit_minutes(u.text)) missing("a unit after " + ticked(w.text) + " (m, h, d or w)");
            word();
            unit = u.text;
            span.end = u.end;
        }
        auto per = unit_minutes(unit);
        if (!per)
            fail(span, "unknown unit " + ticked(unit) + " in duration " + ticked(w.text), "not a unit",
                 {"the units are m (minutes), h (hours), d (days) and w (weeks)"});
        std::int64_t n = 0;
        auto [p, ec] = std::from_chars(w.text.data(), w.text.data() + digits, n);
        if (ec != std::errc() || n < 1 || n > max_duration_minutes || n * *per > max_duration_minutes)
            fail(span, "duration out of range", "at least 1 unit, at most ten years");
        return n * *per;
    }

    // A zone name, checked against the OS database.
    std::string zone(Word w) {
        std::string z(w.text);
        if (!is_known_zone(z)) {
            auto help = help_similar(z, zone_names(), "time zone");
            if (help.empty())
                help.push_back("zones are IANA names such as `Europe/Berlin`, `America/New_York` or `UTC`");
            fail(w.span(), "unknown time zone " + ticked(z), "not in the time-zone database", std::move(help));
        }
        return z;
    }

    // DATE TIME [ZONE]: `2026-03-10 09:00 America/New_York`, `2026-03-10 14:00Z`.
    // Without a zone, the scenario's (the `start` line's).
    std::pair<Instant, std::string> date_time(std::string const& default_zone) {
        Word d = peek_word();
        int year = 0;
        unsigned month = 0, day = 0;
        if (d.text.size() != 10 || d.text[4] != '-' || d.text[7] != '-' || !digits_at(d.text, 0, 4, year) ||
            !digits_at(d.text, 5, 2, month) || !digits_at(d.text, 8, 2, day))
            missing("a date such as `2026-03-10`");
        word();
        Word t = peek_word();
        std::string_view tt = t.text;
        bool utc = !tt.empty() && (tt.back() == 'Z' || tt.back() == 'z');
        if (utc) tt.remove_suffix(1);
        int hour = 0, minute = 0;
        std::size_t colon = tt.find(':');
        if (colon == std::string_view::npos || colon == 0 || colon > 2 || tt.size() != colon + 3 ||
            !digits_at(tt, 0, colon, hour) || !digits_at(tt, colon + 1, 2, minute))
            missing("a time of day such as `09:00`");
        word();
        if (hour > 23 || minute > 59)
            fail(t.span(), "invalid time of day " + ticked(t.text), "from 00:00 to 23:59");
        std::string z = utc ? "UTC" : default_zone;
        dsl::Span span{d.begin, t.end};
        if (!utc) {
            Word w = peek_word();
            // A zone has a slash (`Europe/Berlin`) or is a known name (`UTC`);
            // anything else is the next part of the step (a role, `with`).
            if (w.text.find('/') != std::string_view::npos || (!w.empty() && is_known_zone(w.text))) {
                z = zone(word());
                span.end = w.end;
            }
        }
        try {
            return {local_to_instant(year, month, day, hour * 60 + minute, z), z};
        } catch (std::invalid_argument const&) {
            fail(span, ticked(d.text) + " is not a calendar date", "no such day");
        }
    }

    template <class Int>
    static bool digits_at(std::string_view s, std::size_t at, std::size_t n, Int& out) {
        if (at + n > s.size()) return false;
        Int v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
            v = static_cast<Int>(v * 10 + (s[i] - '0'));
        }
        out = v;
        return true;
    }

    bool at_json() {
        skip_blanks();
        return pos_ < text_.size() && (text_[pos_] == '{' || text_[pos_] == '[' || text_[pos_] == '"');
    }

    // A JSON value: an object or list (over as many lines as its brackets
    // need), a string, or a scalar word (`42`, `true`, `null`). `#` comments
    // inside it are blanked out before nlohmann parses it, so offsets stay.
    json json_value(std::string const& what) {
        skip_blanks();
        if (!at_json()) {
            Word w = peek_word();
            if (w.empty()) missing(what);
            json j = json::parse(w.text, nullptr, false);
            if (j.is_discarded() || j.is_object() || j.is_array() || j.is_string())
                missing(what, {"JSON: an object `{…}`, a list `[…]`, a string `\"…\"`, a number, true, false "
                               "or null"});
            word();
            return j;
        }
        std::size_t begin = pos_;
        std::string copy;
        int depth = 0;
        bool in_string = false;
        std::size_t i = pos_;
        for (; i < text_.size(); ++i) {
            char c = text_[i];
            if (in_string) {
                copy += c;
                if (c == '\\' && i + 1 < text_.size() && text_[i + 1] != '\n') {
                    copy += text_[++i];
                } else if (c == '"' || c == '\n') {
                    in_string = false;  // a raw line break ends it: nlohmann reports the string
                    if (depth == 0) break;
                }
                continue;
            }
            if (c == '#' && (i == begin || std::isspace(static_cast<unsigned char>(text_[i - 1])))) {
                while (i < text_.size() && text_[i] != '\n') {
                    copy += ' ';
                    ++i;
                }
                if (i < text_.size()) copy += '\n';
                continue;
            }
            copy += c;
            if (c == '"') {
                in_string = true;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) break;
            }
        }
        if (i >= text_.size()) {
            resume_ = text_.size();
            fail({static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(begin + 1)},
                 text_[begin] == '"' ? "unterminated string" : "unterminated JSON",
                 text_[begin] == '"' ? "this string is never closed" : "this bracket is never closed",
                 {"JSON may span lines: it runs until its brackets balance, so the rest of the file was read as "
                  "part of it"});
        }
        pos_ = i + 1;
        resume_ = pos_;
        try {
            return json::parse(copy);
        } catch (json::parse_error const& e) {
            std::size_t at = begin + (e.byte > 0 ? e.byte - 1 : 0);
            at = std::min(at, pos_ - 1);
            std::string msg = e.what();
            // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while …"
            if (auto colon = msg.find(": "); colon != std::string::npos) msg = msg.substr(colon + 2);
            fail({static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(at + 1)}, "malformed JSON in " + what,
                 msg, {"JSON needs double quotes around keys and strings, and no trailing commas"});
        }
    }

    // ------------------------------------------------------------ steps

    ScenarioStep& add(ScenarioStep::Kind kind) {
        ScenarioStep s;
        s.kind = kind;
        s.line = sc_.source.locate(static_cast<std::uint32_t>(line_begin_)).line;
        sc_.steps.push_back(std::move(s));
        return sc_.steps.back();
    }
    void finish(ScenarioStep& s) {
        std::size_t e = pos_;
        while (e > line_begin_ && std::isspace(static_cast<unsigned char>(text_[e - 1]))) --e;
        s.span = {static_cast<std::uint32_t>(line_begin_), static_cast<std::uint32_t>(e)};
    }

    void header_position(Word w) {
        if (!sc_.steps.empty())
            fail(w.span(), ticked(w.text) + " after the first step", "must come before every step",
                 {"the clock's start and the default zone are set once, at the top of the file"});
    }

    void parse_step() {
        Word w = word();
        if (w.text == "start") {
            header_position(w);
            if (seen_start_) fail(w.span(), "a second `start` line", "the clock starts once");
            seen_start_ = true;
            auto [at, zone] = date_time("UTC");
            sc_.start = at;
            sc_.zone = zone;
        } else if (w.text == "default") {
            header_position(w);
            keyword("timezone", {"`default timezone ZONE` sets the daemon's default zone"});
            sc_.default_zone = zone(word());
        } else if (w.text == "after" || w.text == "at") {
            Timing t = timing(w);
            Word next = peek_word();
            if (next.text == "event") {
                word();
                parse_event(t);
            } else {
                parse_signer(t);
            }
        } else if (w.text == "event") {
            parse_event({});
        } else if (w.text == "wait") {
            auto& s = add(ScenarioStep::Kind::wait);
            if (peek_word().text == "until") {
                word();
                s.timing.kind = Timing::Kind::at;
                std::tie(s.timing.at, s.timing.zone) = date_time(sc_.zone);
            } else {
                s.timing.kind = Timing::Kind::after;
                s.timing.minutes = duration();
            }
            finish(s);
        } else if (w.text == "nobody") {
            keyword("signs", {"`nobody signs` runs the clock until the envelope ends"});
            finish(add(ScenarioStep::Kind::nobody_signs));
        } else if (w.text == "fill") {
            keyword("fails", {"`fill fails` answers the next document with `error`"});
            finish(add(ScenarioStep::Kind::fill_fails));
        } else if (w.text == "expect") {
            parse_expect();
        } else {
            pos_ = w.begin;
            parse_signer({});
        }
    }

    Timing timing(Word w) {
        Timing t;
        if (w.text == "after") {
            t.kind = Timing::Kind::after;
            t.minutes = duration();
        } else {
            t.kind = Timing::Kind::at;
            std::tie(t.at, t.zone) = date_time(sc_.zone);
        }
        return t;
    }

    void parse_event(Timing t) {
        Word n = name("an event name");
        auto& s = add(ScenarioStep::Kind::event);
        s.timing = t;
        s.name = std::string(n.text);
        s.name_span = n.span();
        s.data = json::object();
        if (at_json()) {
            std::size_t at = pos_;
            s.data = json_value("the event's data");
            if (!s.data.is_object())
                fail({static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(at + 1)},
                     "the event's data must be a JSON object", "not an object");
        }
        finish(s);
    }

    void parse_signer(Timing t) {
        Word role = peek_word();
        static std::vector<std::string> const steps = {"start", "default", "after", "at", "event", "wait",
                                                       "nobody", "fill", "expect"};
        Word verb;
        {
            std::size_t saved = pos_;
            word();
            verb = peek_word();
            pos_ = saved;
        }
        static std::vector<std::string> const verbs = {"signs", "declines", "verifies", "fails"};
        bool is_verb = std::find(verbs.begin(), verbs.end(), verb.text) != verbs.end();
        if (!is_verb && t.kind == Timing::Kind::now) {
            auto verb_help = help_similar(verb.text, verbs, "signer action");
            if (!verb_help.empty() && is_name(role.text))  // `client sings`
                fail(verb.span(), "unknown signer action " + ticked(verb.text), "not an action", std::move(verb_help));
            auto help = help_similar(role.text, steps, "step");
            if (help.empty())
                help.push_back("a step is `event`, `after`, `at`, `wait`, `nobody signs`, `fill fails`, `expect`, or "
                               "`ROLE signs|declines|verifies|fails verification`");
            fail(role.span(), "unknown step " + ticked(role.text), "not a step", std::move(help));
        }
        Word r = name("a role, or `event`");
        Word v = word();
        if (!is_verb) {
            auto help = help_similar(v.text, verbs, "signer action");
            if (help.empty()) help = help_similar(r.text, {"event"}, "step");  // `after 2d evnt x`
            if (help.empty()) help.push_back("after a role: `signs`, `declines`, `verifies` or `fails verification`");
            if (v.empty())
                fail({here(), here()}, "expected what " + ticked(r.text) + " does", "the line ends here",
                     std::move(help));
            fail(v.span(), "unknown signer action " + ticked(v.text), "not an action", std::move(help));
        }
        ScenarioStep::Kind kind = v.text == "signs"      ? ScenarioStep::Kind::signs
                                  : v.text == "declines" ? ScenarioStep::Kind::declines
                                  : v.text == "verifies" ? ScenarioStep::Kind::verifies
                                                         : ScenarioStep::Kind::fails_verification;
        if (kind == ScenarioStep::Kind::fails_verification)
            keyword("verification", {"a signer who fails the identity check: `ROLE fails verification`"});
        auto& s = add(kind);
        s.name = std::string(r.text);
        s.name_span = r.span();
        s.timing = t;
        s.data = json::object();
        if (kind == ScenarioStep::Kind::declines && at_json()) {
            std::size_t at = pos_;
            json reason = json_value("the reason");
            if (!reason.is_string())
                fail({static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(at + 1)},
                     "the reason for declining must be a string", "not a string");
            s.data["reason"] = reason;
        }
        // `client signs {"plan": "pro", "seats": 12}`: the fields they fill.
        if (kind == ScenarioStep::Kind::signs && at_json()) {
            std::size_t at = pos_;
            json fields = json_value("the fields the signer fills");
            if (!fields.is_object())
                fail({static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(at + 1)},
                     "the fields a signer fills are a JSON object", "not an object",
                     {"e.g. `client signs {\"plan\": \"pro\"}`"});
            s.data["fields"] = fields;
        }
        // `client signs after 3 days` reads as well as `after 3 days client signs`.
        Word trailing = peek_word();
        if (kind == ScenarioStep::Kind::declines && !trailing.empty() && trailing.text != "after" &&
            trailing.text != "at")
            fail(trailing.span(), "the reason for declining must be a quoted string", "not in quotes",
                 {"e.g. `client declines \"too expensive\"`"});
        if (trailing.text == "after" || trailing.text == "at") {
            if (t.kind != Timing::Kind::now)
                fail(trailing.span(), "a second timing", "the step already says when it happens");
            word();
            s.timing = timing(trailing);
        }
        finish(s);
    }

    void parse_expect() {
        auto& s = add(ScenarioStep::Kind::expect);
        Expectation& e = s.expect;
        Word w = peek_word();
        if (w.text == "state") {
            word();
            Word n = rest_of_line();
            if (n.empty()) missing("a state name, e.g. `completed`");
            e.kind = Expectation::Kind::state;
            e.state = std::string(n.text);
            s.name_span = n.span();
            finish(s);
            return;
        }
        if (w.text == "no") {
            word();
            if (peek_word().text == "envelope") {
                word();
                e.kind = Expectation::Kind::no_envelope;
                finish(s);
                return;
            }
            e.count = Expectation::Count::none;
        } else if (!w.empty() && std::all_of(w.text.begin(), w.text.end(), [](char c) {
                       return std::isdigit(static_cast<unsigned char>(c));
                   })) {
            word();
            auto [p, ec] = std::from_chars(w.text.data(), w.text.data() + w.text.size(), e.n);
            if (ec != std::errc() || e.n > 1000000) fail(w.span(), "count out of range", "at most 1,000,000");
            e.count = e.n == 0 ? Expectation::Count::none : Expectation::Count::exactly;
        }
        e.kind = Expectation::Kind::happening;
        happening(s);
        if (peek_word().text == "at") {
            word();
            auto [at, zone] = date_time(sc_.zone);
            e.at = at;
            e.at_zone = zone;
        }
        if (peek_word().text == "with") {
            word();
            e.with = json_value("the expected data");
        }
        finish(s);
    }

    void happening(ScenarioStep& s) {
        Expectation& e = s.expect;
        static std::vector<std::string> const kinds = {"state", "reminder", "reminders", "signature", "code",
                                                       "codes", "warning", "warnings", "expiry", "fill", "fills",
                                                       "notify", "invoke", "archive", "ignored", "envelope"};
        Word w = word();
        auto role_after_to = [&] {
            keyword("to");
            Word r = name("a role");
            e.target = std::string(r.text);
            s.name_span = r.span();
        };
        if (w.text == "reminder" || w.text == "reminders") {
            e.what = "remind";
            role_after_to();
        } else if (w.text == "signature") {
            Word r = word();
            if (r.text != "request" && r.text != "requests") {
                pos_ = r.begin;
                missing("`request`", {"`expect signature request to ROLE`"});
            }
            e.what = "request_signature";
            role_after_to();
        } else if (w.text == "code" || w.text == "codes") {
            e.what = "send_code";
            role_after_to();
        } else if (w.text == "warning" || w.text == "warnings") {
            e.what = "warn_expiry";
        } else if (w.text == "expiry") {
            e.what = "expiry";
        } else if (w.text == "fill" || w.text == "fills") {
            e.what = "fill";
            Word t = name("a template");
            e.target = std::string(t.text);
            s.name_span = t.span();
        } else if (w.text == "notify") {
            e.what = "notify";
            Word t = name("a role or connector");
            e.target = std::string(t.text);
            s.name_span = t.span();
        } else if (w.text == "invoke") {
            e.what = "invoke";
            Word t = peek_word();
            auto dot = t.text.find('.');
            std::string_view connector = t.text.substr(0, dot);
            if (t.empty() || !is_name(connector) ||
                (dot != std::string_view::npos && !is_name(t.text.substr(dot + 1))))
                missing("a connector, e.g. `billing` or `crm.update_deal`");
            word();
            e.target = std::string(connector);
            if (dot != std::string_view::npos) e.operation = std::string(t.text.substr(dot + 1));
            s.name_span = t.span();
        } else if (w.text == "archive") {
            e.what = "archive";
            if (peek_word().text == "to") {
                word();
                Word t = name("an archive connector");
                e.target = std::string(t.text);
                s.name_span = t.span();
            }
        } else if (w.text == "ignored") {
            e.what = "ignored";
            Word t = word();
            if (t.empty()) missing("the event, e.g. `signed(client)`");
            e.target = std::string(t.text);
            s.name_span = t.span();
        } else {
            auto help = help_similar(w.text, kinds, "expectation");
            help.push_back("expect state S | no envelope | [no|N] reminder(s) to R | signature request to R | "
                           "code to R | warning(s) | expiry | fill T | notify X | invoke C[.op] | archive [to C] | "
                           "ignored EVENT");
            if (w.empty()) fail({here(), here()}, "expected what to expect", "the line ends here", std::move(help));
            fail(w.span(), "unknown expectation " + ticked(w.text), "not something a scenario can expect",
                 std::move(help));
        }
    }

    Scenario& sc_;
    std::string const& text_;
    std::vector<ScenarioError>& errors_;
    std::size_t pos_ = 0;
    std::size_t line_begin_ = 0;
    std::size_t resume_ = 0;
    bool seen_start_ = false;
};

}  // namespace

Instant default_scenario_start() { return local_to_instant(2026, 3, 2, 9 * 60, "UTC"); }

ParsedScenario parse_scenario(std::string path, std::string text) {
    ParsedScenario out;
    Scenario sc{dsl::SourceFile(std::move(path), std::move(text)), default_scenario_start(), "UTC", "UTC", {}};
    Parser(sc, out.errors).run();
    if (out.errors.empty()) out.scenario = std::move(sc);
    return out;
}

}  // namespace signflow::engine
