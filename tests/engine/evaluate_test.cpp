// The evaluator: every operator, every function, missing data, the errors
// guards turn into "does not hold", and the clock functions on a fixed
// `now`. Expressions come from compiling real workflow text, so the tests
// read the IR the compiler writes (role paths as `role.NAME.…`, durations as
// minutes); malformed IR, which the compiler never writes, is built by hand.
#include "../support.hpp"

#include "signflow/dsl/render.hpp"
#include "signflow/engine/evaluate.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <limits>

using namespace signflow;
using engine::EvalError;
using engine::json;
using Catch::Matchers::Contains;

namespace {

// The expression of `notify client with TEXT` in a small workflow.
ir::Expr value_expr(std::string const& text) {
    std::string const source = "role client = event.client\n"
                               "role office = \"office@example.com\"\n"
                               "on form_submitted -> notify client with " +
                               text + "\n  -> notify office -> fill nda -> sign [client, office]\n";
    auto result = test::compile_text(source);
    dsl::SourceFile const file("test.flow", source);
    INFO(dsl::render_human(file, result.diagnostics.all()));
    REQUIRE(result.workflow);
    for (auto const& s : result.workflow->states)
        for (auto const& a : s.entry)
            if (a.kind == ir::ActionKind::notify && a.data) return *a.data;
    for (auto const& t : result.workflow->transitions)
        for (auto const& a : t.actions)
            if (a.kind == ir::ActionKind::notify && a.data) return *a.data;
    FAIL("no notify action with data");
    return {};
}

// The guard of `on form_submitted where TEXT`.
ir::Expr guard_expr(std::string const& text) {
    std::string const source = "on form_submitted where " + text + " -> fill nda -> sign [client]\n";
    auto result = test::compile_text(source);
    dsl::SourceFile const file("test.flow", source);
    INFO(dsl::render_human(file, result.diagnostics.all()));
    REQUIRE(result.workflow);
    REQUIRE(result.workflow->triggers.at(0).guard);
    return *result.workflow->triggers.at(0).guard;
}

// 2026-03-10T13:00:00Z
engine::Instant const fixed_now =
    std::chrono::sys_days{std::chrono::year{2026} / std::chrono::March / 10} + std::chrono::hours{13};

struct Data {
    json event = json::object();
    json envelope = json::object();
    json roles = json::object();
    engine::Instant now = fixed_now;
    engine::Scope scope() const { return {&event, &envelope, &roles, now}; }
};

json eval(std::string const& text, Data const& d = {}) { return engine::evaluate(value_expr(text), d.scope()); }
json eval(std::string const& text, json event) {
    Data d;
    d.event = std::move(event);
    return eval(text, d);
}
bool holds(std::string const& text, json event = json::object()) {
    Data d;
    d.event = std::move(event);
    return engine::holds(guard_expr(text), d.scope());
}

ir::Expr node(std::string kind, std::string text, std::vector<ir::Expr> args = {}) {
    ir::Expr e;
    e.kind = std::move(kind);
    e.text = std::move(text);
    e.args = std::move(args);
    return e;
}
ir::Expr num(double n) {
    ir::Expr e = node("literal", "");
    e.type = "number";
    e.number = n;
    return e;
}
ir::Expr path(std::vector<std::string> p) {
    ir::Expr e = node("path", "");
    e.path = std::move(p);
    return e;
}

}  // namespace

// ---------------------------------------------------------------- values

TEST_CASE("eval: literals", "[eval]") {
    CHECK(eval("42") == json(42));
    CHECK(eval("42").is_number_integer());  // integral numbers are JSON integers, as the IR writes them
    CHECK(eval("0.5") == json(0.5));
    CHECK(eval("\"Acme \\\"Ltd\\\"\"") == json("Acme \"Ltd\""));
    CHECK(eval("true") == json(true));
    CHECK(eval("false") == json(false));
    CHECK(eval("null").is_null());
    CHECK(eval("2h") == json(120));
    CHECK(eval("1w") == json(10080));
    CHECK(eval("09:30") == json(570));
    CHECK(eval("[1, \"two\", null, [true]]") == json::parse(R"([1, "two", null, [true]])"));
    CHECK(eval("{ a: 1, \"cost center\": \"42\", nested: { ok: false } }") ==
          json::parse(R"({"a": 1, "cost center": "42", "nested": {"ok": false}})"));
    CHECK(eval("[]") == json::array());
    CHECK(eval("{}") == json::object());
}

TEST_CASE("eval: event and envelope paths, missing data is null", "[eval]") {
    Data d;
    d.event = json::parse(R"({"amount": 250, "client": {"email": "a@b.c", "address": {"city": "Graz"}}, "tags": ["x"]})");
    d.envelope = json::parse(R"({"id": "env-1", "order_id": 77})");
    CHECK(eval("event.amount", d) == json(250));
    CHECK(eval("event.client.address.city", d) == json("Graz"));
    CHECK(eval("event.client", d) == d.event["client"]);
    CHECK(eval("envelope.id", d) == json("env-1"));
    CHECK(eval("envelope.order_id", d) == json(77));
    // Missing members, members of non-objects, keywords as member names.
    CHECK(eval("event.missing", d).is_null());
    CHECK(eval("event.client.phone.number", d).is_null());
    CHECK(eval("event.amount.value", d).is_null());
    CHECK(eval("event.tags.first", d).is_null());
    CHECK(eval("event.from", d).is_null());
    CHECK(eval("envelope.nothing", d).is_null());

    // A scope without data: every path under that name is null.
    engine::Scope const empty{};
    CHECK(engine::evaluate(value_expr("event.amount"), empty).is_null());
    CHECK(engine::evaluate(value_expr("envelope.id"), empty).is_null());
    CHECK(engine::evaluate(value_expr("client.email"), empty).is_null());
    // The whole event (hand-built: the language always names a member).
    CHECK(engine::evaluate(path({"event"}), d.scope()) == d.event);
}

TEST_CASE("eval: role paths", "[eval]") {
    Data d;
    d.roles = json::parse(R"({
        "client": {"email": "ann@example.com", "name": "Ann", "timezone": "Europe/Vienna"},
        "office": "office@example.com"})");
    CHECK(value_expr("client.email").path == std::vector<std::string>{"role", "client", "email"});
    CHECK(eval("client.email", d) == json("ann@example.com"));
    CHECK(eval("client.name", d) == json("Ann"));
    CHECK(eval("client.phone", d).is_null());
    CHECK(eval("client", d) == d.roles["client"]);
    // A role that resolved to a bare address reads as { email: … }.
    CHECK(eval("office", d) == json("office@example.com"));
    CHECK(eval("office.email", d) == json("office@example.com"));
    CHECK(eval("office.name", d).is_null());
    // Hand-written IR may name the role first; an unknown role is null.
    CHECK(engine::evaluate(path({"client", "timezone"}), d.scope()) == json("Europe/Vienna"));
    CHECK(engine::evaluate(path({"role", "nobody", "email"}), d.scope()).is_null());
    CHECK(engine::evaluate(path({"role"}), d.scope()).is_null());
    d.roles = json::object();
    CHECK(eval("client.email", d).is_null());
}

// ---------------------------------------------------------------- operators

TEST_CASE("eval: == and != compare any two values", "[eval]") {
    json const ev = json::parse(R"({"one": 1, "one_f": 1.0, "big": 18446744073709551615, "s": "nda",
        "list": [1, "a", {"k": 2.0}], "obj": {"x": 1, "y": [true]}, "nul": null})");
    CHECK(holds("event.one == 1", ev));
    CHECK(holds("event.one_f == 1", ev));
    CHECK(holds("event.one == event.one_f", ev));
    CHECK(holds("event.s == \"nda\"", ev));
    CHECK_FALSE(holds("event.s != \"nda\"", ev));
    CHECK(holds("event.s != \"NDA\"", ev));
    CHECK(holds("event.big == event.big", ev));
    CHECK(holds("event.big != 1", ev));
    // Different types are unequal; null equals null and missing data.
    CHECK_FALSE(holds("event.one == event.s", ev));
    CHECK(holds("event.one != event.s", ev));
    CHECK_FALSE(holds("event.s == null", ev));
    CHECK(holds("event.nul == null", ev));
    CHECK(holds("event.missing == null", ev));
    CHECK(holds("event.missing == event.nul", ev));
    CHECK_FALSE(holds("event.one == true", ev));
    // Lists and objects by value, numbers inside numerically.
    CHECK(holds("event.list == [1.0, \"a\", { k: 2 }]", ev));
    CHECK(holds("event.list != [1, \"a\"]", ev));
    CHECK(holds("event.obj == { y: [true], x: 1 }", ev));
    CHECK(holds("event.obj != { x: 1 }", ev));
}

TEST_CASE("eval: ordering numbers, strings, durations and times of day", "[eval]") {
    json const ev = json::parse(R"({"n": 5, "f": 2.5, "s": "b", "age": 2160, "at": 600, "big": 9007199254740993,
        "list": [1], "yes": true})");
    CHECK(holds("event.n > 4 and event.n >= 5 and event.n < 6 and event.n <= 5", ev));
    CHECK_FALSE(holds("event.n < 5", ev));
    CHECK(holds("event.f < event.n", ev));
    CHECK(holds("event.f >= 2.5", ev));
    CHECK(holds("event.s > \"a\" and event.s < \"ba\" and \"B\" < event.s", ev));
    CHECK(holds("\"z\" < \"é\""));  // UTF-8 in code point order
    CHECK(holds("event.age >= 1d + 12h", ev));
    CHECK(holds("event.at > 09:59 and event.at <= 10:00", ev));
    // Exact for integers beyond 2^53.
    CHECK(holds("event.big > 9007199254740992", ev));

    Data d;
    d.event = ev;
    auto const g = guard_expr("event.s < event.n");
    CHECK_THROWS_MATCHES(engine::holds(g, d.scope()), EvalError,
                         Catch::Matchers::Message("`event.s < event.n`: `<` needs two numbers or two strings, got "
                                                  "string and number"));
    CHECK_THROWS_WITH(holds("event.missing >= 3", ev), Contains("`>=`") && Contains("got null and number"));
    CHECK_THROWS_WITH(holds("event.missing > event.none", ev), Contains("got null and null"));
    CHECK_THROWS_WITH(holds("event.list < event.list", ev), Contains("got list and list"));
    CHECK_THROWS_WITH(holds("event.yes <= event.yes", ev), Contains("`<=`") && Contains("got boolean and boolean"));
}

TEST_CASE("eval: arithmetic", "[eval]") {
    json const ev = json::parse(
        R"({"a": 7, "b": 2, "f": 0.1, "s": "x", "zero": 0, "zf": 0.0, "max": 9223372036854775807, "min": -9223372036854775808})");
    CHECK(eval("event.a + event.b", ev) == json(9));
    CHECK(eval("event.a - event.b - 10", ev) == json(-5));
    CHECK(eval("event.a * event.b", ev) == json(14));
    CHECK(eval("event.a / event.b", ev) == json(3.5));
    CHECK(eval("event.a * 2 / event.b", ev) == json(7));
    CHECK(eval("event.a * 2 / event.b", ev).is_number_integer());
    CHECK(eval("event.f + 0.2", ev).get<double>() == Approx(0.3));
    CHECK(eval("event.f * 10", ev) == json(1));
    CHECK(eval("event.f * 10", ev).is_number_integer());
    CHECK(eval("(event.a + event.b) * 1.5", ev) == json(13.5));
    CHECK(eval("1d + 12h", ev) == json(2160));
    CHECK(eval("-event.a", ev) == json(-7));
    CHECK(eval("-(-event.f)", ev) == json(0.1));
    CHECK(eval("-0.0", ev) == json(0));
    CHECK(eval("\"INV-\" + event.s + \"-1\"", ev) == json("INV-x-1"));
    // 64-bit integers stay exact while they fit, and turn to doubles when not.
    CHECK(eval("event.max - 1", ev) == json(std::numeric_limits<std::int64_t>::max() - 1));
    CHECK(eval("event.max + 1", ev).is_number_float());
    CHECK(eval("-event.min", ev).get<double>() == Approx(9.223372036854775808e18));
    CHECK(eval("event.min / -1", ev).is_number_float());

    CHECK_THROWS_WITH(eval("event.a / event.zero", ev), Contains("`/`: division by zero"));
    CHECK_THROWS_WITH(eval("event.f / event.zf", ev), Contains("division by zero"));
    CHECK_THROWS_WITH(eval("1 / (event.a - 7)", ev), Contains("`1 / (event.a - 7)`: `/`: division by zero"));
    CHECK_THROWS_WITH(eval("event.max * event.max * event.max * event.max * event.max * event.max * event.max * "
                           "event.max * event.max * event.max * event.max * event.max * event.max * event.max * "
                           "event.max * event.max * event.max",
                           ev),
                      Contains("`*`: the result is too large for a number"));
    CHECK_THROWS_WITH(eval("event.s + 1", ev), Contains("`+` needs two numbers or two strings, got string and number"));
    CHECK_THROWS_WITH(eval("event.a + event.missing", ev), Contains("`+`") && Contains("got number and null"));
    CHECK_THROWS_WITH(eval("event.s - event.s", ev), Contains("`-` needs two numbers, got string and string"));
    CHECK_THROWS_WITH(eval("event.s * 2", ev), Contains("`*` needs two numbers, got string and number"));
    CHECK_THROWS_WITH(eval("event.a / event.s", ev), Contains("`/` needs two numbers, got number and string"));
    CHECK_THROWS_WITH(eval("-event.s", ev), Contains("`-` needs a number, got string"));
    CHECK_THROWS_WITH(eval("-event.missing", ev), Contains("`-` needs a number, got null"));
}

TEST_CASE("eval: and, or, not, and their short-circuit", "[eval]") {
    json const ev = json::parse(R"({"t": true, "f": false, "n": 1, "s": "x"})");
    CHECK(holds("event.t and event.t", ev));
    CHECK_FALSE(holds("event.t and event.f", ev));
    CHECK_FALSE(holds("event.f and event.t", ev));
    CHECK(holds("event.f or event.t", ev));
    CHECK(holds("event.t or event.f", ev));
    CHECK_FALSE(holds("event.f or event.f", ev));
    CHECK(holds("not event.f", ev));
    CHECK_FALSE(holds("not event.t", ev));
    CHECK(holds("not (event.f or event.f) and event.t", ev));
    // The right operand is not evaluated when the left one decides, so it
    // cannot raise.
    CHECK(holds("event.t or event.s < 1", ev));
    CHECK_FALSE(holds("event.f and event.s < 1", ev));
    CHECK(holds("event.t or event.missing", ev));
    CHECK_THROWS_WITH(holds("event.f or event.s < 1", ev), Contains("`<`"));
    CHECK_THROWS_WITH(holds("event.t and event.s < 1", ev), Contains("`<`"));
    // Booleans only.
    CHECK_THROWS_WITH(holds("event.n and event.t", ev), Contains("`and` needs booleans, got number on the left"));
    CHECK_THROWS_WITH(holds("event.t and event.s", ev), Contains("`and` needs booleans, got string on the right"));
    CHECK_THROWS_WITH(holds("event.missing or event.t", ev), Contains("`or` needs booleans, got null on the left"));
    CHECK_THROWS_WITH(holds("event.f or event.n", ev), Contains("`or` needs booleans, got number on the right"));
    CHECK_THROWS_WITH(holds("not event.missing", ev), Contains("`not` needs a boolean, got null"));
}

TEST_CASE("eval: in and not in", "[eval]") {
    json const ev = json::parse(R"({"country": "AT", "n": 2, "list": ["DE", 2.0, null, [1]], "email": "ann@acme.com"})");
    CHECK(holds("event.country in [\"DE\", \"AT\"]", ev));
    CHECK_FALSE(holds("event.country not in [\"DE\", \"AT\"]", ev));
    CHECK(holds("event.country not in event.list", ev));
    CHECK(holds("event.n in event.list", ev));  // 2 == 2.0
    CHECK(holds("event.missing in event.list", ev));
    CHECK(holds("[1] in event.list", ev));
    CHECK_FALSE(holds("\"2\" in event.list", ev));
    CHECK(holds("event.country in \"US CA AT\"", ev));
    CHECK(holds("\"@acme.com\" in event.email", ev));
    CHECK(holds("\"\" in event.email", ev));
    CHECK(holds("event.country not in \"US CA\"", ev));
    CHECK_FALSE(holds("event.country in []", ev));
    // A list literal is searched without being built: items after the first
    // match are not evaluated.
    CHECK(holds("event.country in [\"AT\", event.n < \"x\"]", ev));
    CHECK_THROWS_WITH(holds("event.country not in [\"DE\", event.n < \"x\"]", ev), Contains("`<`"));
    CHECK(holds("contains([\"AT\", event.n < \"x\"], event.country)", ev));
    CHECK_THROWS_WITH(holds("event.country in event.missing", ev),
                      Contains("`in` needs a list or a string to search, got null"));
    CHECK_THROWS_WITH(holds("event.country not in event.n", ev),
                      Contains("`not in` needs a list or a string to search, got number"));
    CHECK_THROWS_WITH(holds("event.n in event.email", ev),
                      Contains("`in` with a string to search needs a string to find, got number"));
}

TEST_CASE("eval: holds() wants a boolean", "[eval]") {
    json const ev = json::parse(R"({"form": "nda", "flag": "yes"})");
    CHECK(holds("event.form == \"nda\"", ev));
    CHECK_FALSE(holds("event.form == \"other\"", ev));
    Data d;
    d.event = ev;
    CHECK_THROWS_WITH(engine::holds(path({"event", "flag"}), d.scope()),
                      "`event.flag`: a condition must be a boolean, got string");
    CHECK_THROWS_WITH(engine::holds(path({"event", "missing"}), d.scope()), Contains("got null"));
}

// ---------------------------------------------------------------- functions

TEST_CASE("eval: lower, upper, trim", "[eval]") {
    json const ev = json::parse(R"({"name": "  Jürgen Müller-ÅSTRÖM\t\n", "n": 3})");
    CHECK(eval("lower(\"Acme LTD\")") == json("acme ltd"));
    CHECK(eval("upper(\"Acme ltd\")") == json("ACME LTD"));
    CHECK(eval("trim(event.name)", ev) == json("Jürgen Müller-ÅSTRÖM"));
    CHECK(eval("lower(trim(event.name))", ev) == json("jürgen müller-åström"));
    CHECK(eval("upper(trim(event.name))", ev) == json("JÜRGEN MÜLLER-ÅSTRÖM"));
    CHECK(eval("upper(\"łódź ğüşıö straße ÿ\")") == json("ŁÓDŹ ĞÜŞIÖ STRAßE Ÿ"));  // ß has no one-letter capital
    CHECK(eval("lower(\"ŁÓDŹ İSTANBUL Ÿ\")") == json("łódź istanbul ÿ"));
    CHECK(eval("lower(\"ΑΘΉΝΑ ΣΟΦΊΑ\")") == json("αθήνα σοφία"));
    CHECK(eval("upper(\"οδός\")") == json("ΟΔΌΣ"));
    CHECK(eval("upper(\"москва ёж\")") == json("МОСКВА ЁЖ"));
    CHECK(eval("lower(\"МОСКВА ЁЖ\")") == json("москва ёж"));
    CHECK(eval("upper(\"日本 😀 x\")") == json("日本 😀 X"));  // no case: unchanged
    CHECK(eval("trim(\"\u00a0\u3000 a b \u2003\")") == json("a b"));  // Unicode white space
    CHECK(eval("trim(\" \\t\\n \")") == json(""));
    CHECK(eval("trim(\"\")") == json(""));
    CHECK(eval("trim(\"x\")") == json("x"));
    CHECK_THROWS_WITH(eval("lower(event.n)", ev), Contains("lower() needs a string as argument 1, got number"));
    CHECK_THROWS_WITH(eval("upper(event.missing)", ev), Contains("upper() needs a string as argument 1, got null"));
    CHECK_THROWS_WITH(eval("trim(event.missing)", ev), Contains("`trim(event.missing)`: trim() needs a string"));
}

TEST_CASE("eval: length counts characters and items", "[eval]") {
    json const ev = json::parse(R"({"name": "Müller", "items": [1, 2, 3], "n": 4, "o": {"a": 1}})");
    CHECK(eval("length(event.name)", ev) == json(6));
    CHECK(eval("length(\"日本😀\")") == json(3));
    CHECK(eval("length(\"\")") == json(0));
    CHECK(eval("length(event.items)", ev) == json(3));
    CHECK(eval("length([])") == json(0));
    CHECK(holds("length(event.items) > 2", ev));
    CHECK_THROWS_WITH(eval("length(event.n)", ev), Contains("length() needs a string or a list, got number"));
    CHECK_THROWS_WITH(eval("length(event.o)", ev), Contains("got object"));
    CHECK_THROWS_WITH(eval("length(event.missing)", ev), Contains("got null"));
}

TEST_CASE("eval: coalesce", "[eval]") {
    json const ev = json::parse(R"({"company": null, "name": "Ann", "s": "x", "f": false})");
    CHECK(eval("coalesce(event.company, event.name, \"Customer\")", ev) == json("Ann"));
    CHECK(eval("coalesce(event.missing, \"Customer\")", ev) == json("Customer"));
    CHECK(eval("coalesce(event.f, true)", ev) == json(false));  // false is not null
    CHECK(eval("coalesce(event.company)", ev).is_null());
    CHECK(eval("coalesce(event.company, event.missing)", ev).is_null());
    // Arguments after the first that is not null are not evaluated.
    CHECK(eval("coalesce(event.name, event.s < 1)", ev) == json("Ann"));
    CHECK_THROWS_WITH(eval("coalesce(event.company, event.s < 1)", ev), Contains("`<`"));
}

TEST_CASE("eval: format_date", "[eval]") {
    json const ev = json::parse(R"({"d": "2026-03-05", "t": "2026-03-05T07:04:09Z", "off": "2026-12-31T23:30:00-05:00",
        "frac": "2026-03-05T19:04:09.123+02:00", "space": "2026-03-05 13:45", "leap": "2024-02-29"})");
    CHECK(eval("format_date(event.d, \"%Y-%m-%d\")", ev) == json("2026-03-05"));
    CHECK(eval("format_date(event.d, \"%d %B %Y, %A\")", ev) == json("05 March 2026, Thursday"));
    CHECK(eval("format_date(event.d, \"%a %b %e, %y\")", ev) == json("Thu Mar  5, 26"));
    CHECK(eval("format_date(event.d, \"%H:%M:%S\")", ev) == json("00:00:00"));
    CHECK(eval("format_date(event.t, \"%F %T %z\")", ev) == json("2026-03-05 07:04:09 +0000"));
    CHECK(eval("format_date(event.t, \"%I:%M %p, %R, %u\")", ev) == json("07:04 AM, 07:04, 4"));
    // The date and time as written, in the writer's offset.
    CHECK(eval("format_date(event.off, \"%Y-%m-%d %H:%M %z\")", ev) == json("2026-12-31 23:30 -0500"));
    CHECK(eval("format_date(event.off, \"day %j\")", ev) == json("day 365"));
    CHECK(eval("format_date(event.frac, \"%I %p %z\")", ev) == json("07 PM +0200"));
    CHECK(eval("format_date(event.space, \"%H:%M:%S\")", ev) == json("13:45:00"));
    CHECK(eval("format_date(event.leap, \"%j %% %d.%m.\")", ev) == json("060 % 29.02."));
    CHECK(eval("format_date(\"2026-01-04\", \"%I %p %a %u\")") == json("12 AM Sun 7"));
    CHECK(eval("format_date(now(), \"%Y-%m-%d %H:%M\")") == json("2026-03-10 13:00"));

    CHECK_THROWS_WITH(eval("format_date(event.missing, \"%Y\")", ev),
                      Contains("format_date() needs a date (a string such as \"2026-03-10\"), got null"));
    CHECK_THROWS_WITH(eval("format_date(\"2026-02-30\", \"%Y\")"),
                      Contains("format_date(): \"2026-02-30\" is not a date (YYYY-MM-DD or RFC 3339)"));
    for (char const* bad : {"2026-3-05", "2026-03-05T", "2026-03-05T24:00Z", "2026-03-05T10:00+2", "2026-03-05x",
                            "05.03.2026", "2026-03-05T10:00:00.Z", "2026-03-05T10:00:00Zx", "2026-13-01", ""}) {
        INFO(bad);
        CHECK_THROWS_WITH(eval("format_date(event.x, \"%Y\")", json{{"x", bad}}), Contains("is not a date"));
    }
    CHECK_THROWS_WITH(eval("format_date(event.d, \"%Y %Q\")", ev), Contains("unknown directive `%Q`"));
    CHECK_THROWS_WITH(eval("format_date(event.d, \"100%\")", ev), Contains("lone `%`"));
    CHECK_THROWS_WITH(eval("format_date(event.d, event.missing)", ev),
                      Contains("format_date() needs a string as argument 2, got null"));
}

TEST_CASE("eval: round", "[eval]") {
    json const ev = json::parse(R"({"fee": 1000, "x": 2.675, "s": "1"})");
    CHECK(eval("round(2.5)") == json(3));
    CHECK(eval("round(2.5)").is_number_integer());
    CHECK(eval("round(-2.5)") == json(-3));  // half away from zero
    CHECK(eval("round(2.49)") == json(2));
    CHECK(eval("round(-0.4)") == json(0));
    CHECK(eval("round(event.x, 2)", ev) == json(2.68));  // as the decimal reads, not the double below it
    CHECK(eval("round(1.005, 2)") == json(1.01));
    CHECK(eval("round(event.fee * 1.19, 2)", ev) == json(1190));
    CHECK(eval("round(3.14159, 3)") == json(3.142));
    CHECK(eval("round(9.995, 2)") == json(10));
    CHECK(eval("round(0.0004, 3)") == json(0));
    CHECK(eval("round(0.0005, 3)") == json(0.001));
    CHECK(eval("round(1234.5, -2)") == json(1200));
    CHECK(eval("round(1250, -2)") == json(1300));
    CHECK(eval("round(49, -2)") == json(0));
    CHECK(eval("round(event.fee, 2)", ev) == json(1000));
    CHECK(eval("round(0.1 + 0.2, 10)") == json(0.3));
    CHECK(eval("round(1.5, 400)") == json(1.5));
    CHECK_THROWS_WITH(eval("round(event.s)", ev), Contains("round() needs a number as argument 1, got string"));
    CHECK_THROWS_WITH(eval("round(event.missing, 2)", ev), Contains("got null"));
    CHECK_THROWS_WITH(eval("round(1.5, event.s)", ev), Contains("round() needs a number as argument 2, got string"));
    CHECK_THROWS_WITH(eval("round(1.5, 0.5)"), Contains("round() needs a whole number of decimals, got 0.5"));
}

TEST_CASE("eval: contains", "[eval]") {
    json const ev = json::parse(R"({"status": "paid", "n": 1, "email": "ann@acme.com"})");
    CHECK(eval("contains([\"paid\", \"settled\"], event.status)", ev) == json(true));
    CHECK(eval("contains([\"open\"], event.status)", ev) == json(false));
    CHECK(eval("contains([1.0, 2], event.n)", ev) == json(true));
    CHECK(eval("contains(event.email, \"@acme\")", ev) == json(true));
    CHECK(eval("contains(event.email, \"@other\")", ev) == json(false));
    CHECK_THROWS_WITH(eval("contains(event.missing, \"x\")", ev),
                      Contains("contains() needs a list or a string to search, got null"));
    CHECK_THROWS_WITH(eval("contains(event.email, event.n)", ev),
                      Contains("contains() with a string to search needs a string to find, got number"));
}

TEST_CASE("eval: concat", "[eval]") {
    json const ev = json::parse(R"({"first": "Ann", "last": "Lee", "n": 3, "f": 2.50, "one": 1.0, "ok": true,
        "big": 1e21, "neg": -0.25, "list": [1], "nul": null})");
    CHECK(eval("concat(event.first, \" \", event.last)", ev) == json("Ann Lee"));
    CHECK(eval("concat(\"x\")") == json("x"));
    CHECK(eval("concat(\"INV-\", event.n, \"/\", event.f, \"/\", event.one, \"/\", event.ok)", ev) ==
          json("INV-3/2.5/1/true"));
    CHECK(eval("concat(\"total \", event.big, \" \", event.neg)", ev) == json("total 1e+21 -0.25"));
    CHECK(eval("concat(event.first, coalesce(event.nul, \"\"))", ev) == json("Ann"));
    CHECK_THROWS_WITH(eval("concat(event.first, \" \", event.middle)", ev),
                      Contains("concat() needs strings, numbers or booleans, got null as argument 3 (for optional "
                               "text, write coalesce(x, \"\"))"));
    CHECK_THROWS_WITH(eval("concat(event.list)", ev), Contains("got list as argument 1"));
}

TEST_CASE("eval: now and days_until on a fixed clock", "[eval]") {
    Data d;  // now: 2026-03-10T13:00:00Z
    CHECK(eval("now()", d) == json("2026-03-10T13:00:00Z"));
    d.now += std::chrono::milliseconds{59'999};
    CHECK(eval("now()", d) == json("2026-03-10T13:00:59Z"));  // whole seconds

    d.event = json::parse(R"({"today": "2026-03-10", "start": "2026-03-13", "past": "2026-02-28",
        "late": "2026-03-10T23:59:59-05:00", "early": "2026-03-11T00:30:00+02:00", "year": "2027-03-10"})");
    CHECK(eval("days_until(event.today)", d) == json(0));
    CHECK(eval("days_until(event.start)", d) == json(3));
    CHECK(eval("days_until(event.past)", d) == json(-10));
    CHECK(eval("days_until(event.year)", d) == json(365));
    // The date as written, whatever its offset, from now's UTC date.
    CHECK(eval("days_until(event.late)", d) == json(0));
    CHECK(eval("days_until(event.early)", d) == json(1));
    CHECK(eval("days_until(now())", d) == json(0));
    // Late in the UTC day the date is still the same.
    d.now = fixed_now + std::chrono::hours{10} + std::chrono::minutes{59};
    CHECK(eval("days_until(event.start)", d) == json(3));
    d.now = fixed_now + std::chrono::hours{11};
    CHECK(eval("days_until(event.start)", d) == json(2));

    CHECK(holds("days_until(event.start) >= 3", d.event));
    CHECK_FALSE(holds("days_until(event.start) > 3", d.event));
    CHECK_THROWS_WITH(eval("days_until(event.missing)", d), Contains("days_until() needs a date"));
    CHECK_THROWS_WITH(eval("days_until(\"tomorrow\")", d), Contains("\"tomorrow\" is not a date"));
}

TEST_CASE("eval: the guard in docs/language.md, \"Evaluation at run time\"", "[eval]") {
    auto const g = guard_expr(
        "coalesce(event.amount, 0) > 1000 and (event.vip == true or event.country not in [\"US\", \"CA\"])");
    Data d;
    d.event = json::parse(R"({"amount": 5000, "country": "AT"})");
    CHECK(engine::holds(g, d.scope()));
    d.event = json::parse(R"({"country": "AT"})");
    CHECK_FALSE(engine::holds(g, d.scope()));
    d.event = json::parse(R"({"amount": 5000, "country": "US", "vip": true})");
    CHECK(engine::holds(g, d.scope()));
    d.event = json::parse(R"({"amount": 5000, "country": "US"})");
    CHECK_FALSE(engine::holds(g, d.scope()));
    d.event = json::parse(R"({"amount": "5000"})");
    CHECK_THROWS_WITH(engine::holds(g, d.scope()), Contains("got string and number"));
}

TEST_CASE("eval: the example guard from docs/language.md, \"Functions\"", "[eval]") {
    auto const g = guard_expr(
        "lower(trim(event.email)) not in [\"test@example.com\"] and length(event.name) > 0 and "
        "days_until(event.start_date) >= 3");
    Data d;
    d.event = json::parse(R"({"email": " Ann@Example.com ", "name": "Ann", "start_date": "2026-03-13"})");
    CHECK(engine::holds(g, d.scope()));
    d.event["email"] = "  TEST@example.com";
    CHECK_FALSE(engine::holds(g, d.scope()));
    d.event.erase("name");  // length(null) raises: the guard does not hold, and says why
    d.event["email"] = "ann@example.com";
    CHECK_THROWS_WITH(engine::holds(g, d.scope()), Contains("length() needs a string or a list, got null"));
}

// ---------------------------------------------------------------- malformed IR

TEST_CASE("eval: malformed IR raises EvalError", "[eval]") {
    engine::Scope const scope{};
    CHECK_THROWS_WITH(engine::evaluate(node("nonsense", ""), scope), Contains("unknown kind `nonsense`"));
    CHECK_THROWS_WITH(engine::evaluate(node("binary", "%", {num(1), num(2)}), scope),
                      Contains("unknown operator `%`"));
    CHECK_THROWS_WITH(engine::evaluate(node("binary", "+", {num(1)}), scope), Contains("`+` needs two operands"));
    CHECK_THROWS_WITH(engine::evaluate(node("unary", "!", {num(1)}), scope), Contains("unknown operator `!`"));
    CHECK_THROWS_WITH(engine::evaluate(node("unary", "-", {}), scope), Contains("needs one operand"));
    CHECK_THROWS_WITH(engine::evaluate(node("call", "nope", {}), scope), Contains("unknown function `nope`"));
    CHECK_THROWS_WITH(engine::evaluate(node("call", "now", {num(1)}), scope),
                      Contains("now() takes 0 arguments, got 1"));
    CHECK_THROWS_WITH(engine::evaluate(node("call", "round", {}), scope),
                      Contains("round() takes 1 to 2 arguments, got 0"));
    CHECK_THROWS_WITH(engine::evaluate(node("call", "concat", {}), scope),
                      Contains("concat() takes 1 or more arguments, got 0"));
    CHECK_THROWS_WITH(engine::evaluate(node("call", "lower", {}), scope),
                      Contains("lower() takes 1 argument, got 0"));
    CHECK_THROWS_WITH(engine::evaluate(path({}), scope), Contains("an empty path"));
    ir::Expr lit = node("literal", "");
    lit.type = "date";
    CHECK_THROWS_WITH(engine::evaluate(lit, scope), Contains("unknown literal type `date`"));
    CHECK_THROWS_WITH(engine::evaluate(num(std::numeric_limits<double>::infinity()), scope),
                      Contains("not finite"));
    ir::Expr obj = node("object", "", {num(1)});
    CHECK_THROWS_AS(engine::evaluate(obj, scope), EvalError);
}
