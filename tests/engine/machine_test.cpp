// The machine, by its trace: each case compiles a small workflow, drives the
// Machine event by event, and asserts the exact TraceRecorder lines (the
// Boost.SML way: what the observer saw, not the machine's internals), plus
// the Step's timer operations where they are the point.
#include "../support.hpp"

#include "signflow/dsl/ir_io.hpp"
#include "signflow/engine/machine.hpp"
#include "signflow/engine/trace.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <catch2/catch.hpp>

#include <memory>

using namespace signflow;
using namespace signflow::engine;
using Lines = std::vector<std::string>;

namespace {

Instant at(char const* utc) {
    auto t = parse_utc(utc);
    REQUIRE(t);
    return *t;
}

DefinitionPtr definition(std::string const& source) {
    auto result = test::compile_text(source);
    REQUIRE(result.workflow);
    std::string version = ir::content_hash(*result.workflow);
    return std::make_shared<Definition const>(std::move(*result.workflow), version);
}

// One envelope, its machine and its trace. Each call returns the trace lines
// the call added, and keeps the last Step.
struct Envelope {
    DefinitionPtr def;
    Machine machine;
    Instance inst;
    TraceRecorder trace;
    Step step;

    explicit Envelope(std::string const& source) : def(definition(source)) { inst.id = 7; }

    Lines start(std::string const& event, json const& data, Instant now) {
        auto k = machine.match_trigger(*def, event, data, now);
        REQUIRE(k);
        step.clear();
        machine.start(inst, def, *k, data, now, trace, step);
        return take();
    }
    Lines apply(std::string const& event, Instant now, json const* data = nullptr) {
        step.clear();
        machine.apply(inst, Event{event, data, {}, 0}, now, trace, step);
        return take();
    }
    Lines fire(std::string const& timer, Instant due, Instant now, std::int64_t fired = 0) {
        step.clear();
        std::string name = "timer(" + timer + ")";
        machine.apply(inst, Event{name, nullptr, due, fired}, now, trace, step);
        return take();
    }
    Lines take() {
        Lines out = std::move(trace.lines);
        trace.lines.clear();
        return out;
    }
    std::string state() const { return def->state_name(inst.state); }
    // The step's timer operations as text: "arm ID DUE fired=N" / "cancel ID".
    Lines timer_ops() const {
        Lines out;
        for (auto const& op : step.timers)
            out.push_back(op.arm ? "arm " + def->timer(op.timer).id + " " + utc_text(op.due) +
                                       " fired=" + std::to_string(op.fired)
                                 : "cancel " + def->timer(op.timer).id);
        return out;
    }
};

json const card_event = json::parse(R"({"signers": {"client": "ada@example.com", "manager": "lead@acme.example"}})");

}  // namespace

TEST_CASE("machine: the card workflow from the form to billing", "[machine]") {
    Envelope e("on form_submitted -> fill nda -> sign sequentially [client, manager] -> on completed invoke billing\n");
    Instant t0 = at("2026-03-02T09:00:00Z");

    CHECK(e.start("form_submitted", card_event, t0) == Lines{
        "event form_submitted",
        "transition start -> filling(nda) on form_submitted",
        "state start -> filling(nda)",
        "action fill nda",
    });
    REQUIRE(e.step.effects.size() == 1);
    CHECK(e.step.effects[0].key == "7.1.1");
    CHECK(e.step.applied);

    CHECK(e.apply("done", t0) == Lines{
        "event done",
        "transition filling(nda) -> awaiting(client) on done",
        "state filling(nda) -> awaiting(client)",
        "action request_signature client",
    });
    CHECK(e.step.effects[0].key == "7.2.1");

    CHECK(e.apply("signed(client)", t0 + std::chrono::hours{72}) == Lines{
        "event signed(client)",
        "transition awaiting(client) -> awaiting(manager) on signed(client)",
        "state awaiting(client) -> awaiting(manager)",
        "action request_signature manager",
    });
    CHECK(e.apply("signed(manager)", t0 + std::chrono::hours{74}) == Lines{
        "event signed(manager)",
        "transition awaiting(manager) -> completed on signed(manager)",
        "state awaiting(manager) -> completed",
        "action invoke billing",
        "finished completed",
    });
    CHECK(e.inst.status == Status::finished);
    CHECK(e.step.timers.empty());

    // After the end, every event is refused.
    CHECK(e.apply("signed(client)", t0 + std::chrono::hours{75}) == Lines{
        "event signed(client)",
        "ignored signed(client): the envelope has ended (completed)",
    });
    CHECK_FALSE(e.step.applied);
}

TEST_CASE("machine: a parallel group completes with its last signature, once per signer", "[machine]") {
    Envelope e("on e -> fill nda -> sign [legal, finance] then [director] -> on completed invoke billing\n");
    Instant t0 = at("2026-03-02T09:00:00Z");
    json data = json::parse(
        R"({"signers": {"legal": "l@x.example", "finance": "f@x.example", "director": "d@x.example"}})");
    e.start("e", data, t0);
    CHECK(e.apply("done", t0) == Lines{
        "event done",
        "transition filling(nda) -> awaiting(legal, finance) on done",
        "state filling(nda) -> awaiting(legal, finance)",
        "action request_signature legal",
        "action request_signature finance",
    });
    CHECK(e.apply("signed(legal)", t0) == Lines{
        "event signed(legal)",
        "transition awaiting(legal, finance) -> awaiting(legal, finance) on signed(legal)",
    });
    CHECK(e.step.applied);

    // The same signer twice: refused, and nothing changes.
    CHECK(e.apply("signed(legal)", t0) == Lines{
        "event signed(legal)",
        "ignored signed(legal): legal has already signed",
    });
    CHECK_FALSE(e.step.applied);
    CHECK(e.step.refusal == "legal has already signed");

    // The next group's signer cannot sign yet.
    CHECK(e.apply("signed(director)", t0) == Lines{
        "event signed(director)",
        "ignored signed(director): the envelope is in `awaiting(legal, finance)`, where `signed(director)` changes "
        "nothing (waiting for finance to sign)",
    });

    CHECK(e.apply("signed(finance)", t0) == Lines{
        "event signed(finance)",
        "transition awaiting(legal, finance) -> awaiting(legal, finance) on signed(finance)",
        "transition awaiting(legal, finance) -> awaiting(director) on all_signed",
        "state awaiting(legal, finance) -> awaiting(director)",
        "action request_signature director",
    });
    CHECK(e.inst.signed_mask == 0);
    CHECK(e.apply("signed(director)", t0) == Lines{
        "event signed(director)",
        "transition awaiting(director) -> completed on signed(director)",
        "state awaiting(director) -> completed",
        "action invoke billing",
        "finished completed",
    });
}

namespace {

char const* const decline_flow = R"(
role client = event.client
role manager = "manager@acme.example"
on e
  -> fill nda
  -> sign [client] then [manager]
  -> on declined by client notify sales with "the client declined"
  -> on declined notify legal_team with event.company
)";

}  // namespace

TEST_CASE("machine: `on declined by ROLE` runs only for that signer's decline", "[machine]") {
    Instant t0 = at("2026-03-02T09:00:00Z");
    json data = json::parse(R"({"client": "ada@example.com", "company": "ACME"})");
    // A decline carries its own data (the reason); the handlers still read
    // the trigger's as `event`.
    json reason = json::parse(R"({"reason": "too expensive", "company": "NOT THIS"})");

    SECTION("the client declines: both handlers") {
        Envelope e(decline_flow);
        e.start("e", data, t0);
        e.apply("done", t0);
        CHECK(e.apply("declined(client)", t0, &reason) == Lines{
            "event declined(client)",
            "transition awaiting(client) -> declined on declined(client)",
            "state awaiting(client) -> declined",
            "action notify sales \"the client declined\"",
            "action notify legal_team \"ACME\"",
            "finished declined",
        });
    }
    SECTION("the manager declines: the client's handler is filtered out") {
        Envelope e(decline_flow);
        e.start("e", data, t0);
        e.apply("done", t0);
        e.apply("signed(client)", t0);
        CHECK(e.apply("declined(manager)", t0, &reason) == Lines{
            "event declined(manager)",
            "transition awaiting(manager) -> declined on declined(manager)",
            "state awaiting(manager) -> declined",
            "action notify legal_team \"ACME\"",
            "finished declined",
        });
        CHECK(e.state() == "declined");
    }
}

TEST_CASE("machine: a reminder fires at 09:00 local, is re-armed until its count, and stops when the signer signs",
          "[machine]") {
    Envelope e(R"(
role client = event.client
on e
  -> fill nda
  -> sign [client]
       remind every 1d at 09:00 local, at most 3 times
)");
    // Thursday 5 March 2026, 15:00 UTC; the client is in New York, where
    // daylight saving starts on Sunday 8 March.
    Instant t0 = at("2026-03-05T15:00:00Z");
    e.start("e", json::parse(R"({"client": {"email": "c@x.example", "timezone": "America/New_York"}})"), t0);
    // One day after the request is Friday 10:00 EST, past 09:00: Saturday 09:00 EST.
    CHECK(e.apply("done", t0) == Lines{
        "event done",
        "transition filling(nda) -> awaiting(client) on done",
        "state filling(nda) -> awaiting(client)",
        "timer armed remind#1(client) 2026-03-07T14:00:00Z (2026-03-07 09:00 EST)",
        "action request_signature client",
    });
    CHECK(e.timer_ops() == Lines{"arm remind#1(client) 2026-03-07T14:00:00Z fired=0"});

    // First firing: re-armed for Sunday 09:00, which is EDT (13:00 UTC).
    Instant r1 = at("2026-03-07T14:00:00Z");
    CHECK(e.fire("remind#1(client)", r1, r1, 0) == Lines{
        "event timer(remind#1(client))",
        "timer fired remind#1(client) due 2026-03-07T14:00:00Z",
        "transition awaiting(client) -> awaiting(client) on timer(remind#1(client))",
        "action remind client",
        "timer armed remind#1(client) 2026-03-08T13:00:00Z (2026-03-08 09:00 EDT)",
    });
    CHECK(e.timer_ops() == Lines{"arm remind#1(client) 2026-03-08T13:00:00Z fired=1"});

    SECTION("the third reminder is the last") {
        Instant r2 = at("2026-03-08T13:00:00Z");
        e.fire("remind#1(client)", r2, r2, 1);
        CHECK(e.timer_ops() == Lines{"arm remind#1(client) 2026-03-09T13:00:00Z fired=2"});
        Instant r3 = at("2026-03-09T13:00:00Z");
        CHECK(e.fire("remind#1(client)", r3, r3, 2) == Lines{
            "event timer(remind#1(client))",
            "timer fired remind#1(client) due 2026-03-09T13:00:00Z",
            "transition awaiting(client) -> awaiting(client) on timer(remind#1(client))",
            "action remind client",
        });
        CHECK(e.timer_ops() == Lines{"cancel remind#1(client)"});
    }
    SECTION("a reminder due while the daemon was down fires once, late, and the next is after now") {
        Instant due = at("2026-03-08T13:00:00Z");
        Instant now = at("2026-03-10T12:00:00Z");
        CHECK(e.fire("remind#1(client)", due, now, 1) == Lines{
            "event timer(remind#1(client))",
            "timer fired remind#1(client) due 2026-03-08T13:00:00Z [late]",
            "transition awaiting(client) -> awaiting(client) on timer(remind#1(client))",
            "action remind client",
            "timer armed remind#1(client) 2026-03-10T13:00:00Z (2026-03-10 09:00 EDT)",
        });
    }
    SECTION("signing cancels the reminder, once") {
        CHECK(e.apply("signed(client)", at("2026-03-08T15:00:00Z")) == Lines{
            "event signed(client)",
            "timer cancelled remind#1(client)",
            "transition awaiting(client) -> completed on signed(client)",
            "state awaiting(client) -> completed",
            "finished completed",
        });
        CHECK(e.timer_ops() == Lines{"cancel remind#1(client)"});
    }
}

TEST_CASE("machine: a reminder without a time of day keeps its interval and no zone", "[machine]") {
    Envelope e("timezone \"America/New_York\"\n"
               "on e -> fill nda -> sign [client]\n  remind every 2d, at most 2 times\n");
    Instant t0 = at("2026-03-02T15:00:00Z");
    e.start("e", card_event, t0);
    e.apply("done", t0);
    REQUIRE(e.step.timers.size() == 1);
    CHECK(e.step.timers[0].zone.empty());
    Instant r1 = at("2026-03-04T15:00:00Z");
    CHECK(e.fire("remind#1(client)", r1, r1, 0).back() == "timer armed remind#1(client) 2026-03-06T15:00:00Z");
    REQUIRE(e.step.timers.size() == 1);
    CHECK(e.step.timers[0].zone.empty());
}

TEST_CASE("machine: the expiry warning, then the expiry", "[machine]") {
    Envelope e(R"(
on e
  -> fill nda
  -> sign [client]
       expire after 3d, warn 1d before
  -> on expired notify sales
)");
    Instant t0 = at("2026-03-02T09:00:00Z");
    e.start("e", card_event, t0);
    CHECK(e.apply("done", t0) == Lines{
        "event done",
        "transition filling(nda) -> awaiting(client) on done",
        "state filling(nda) -> awaiting(client)",
        "timer armed expire#1 2026-03-05T09:00:00Z",
        "timer armed warn#1 2026-03-04T09:00:00Z",
        "action request_signature client",
    });
    Instant warn = at("2026-03-04T09:00:00Z");
    CHECK(e.fire("warn#1", warn, warn) == Lines{
        "event timer(warn#1)",
        "timer fired warn#1 due 2026-03-04T09:00:00Z",
        "transition awaiting(client) -> awaiting(client) on timer(warn#1)",
        "action warn_expiry",
    });
    CHECK(e.timer_ops() == Lines{"cancel warn#1"});
    CHECK(e.state() == "awaiting(client)");

    Instant expiry = at("2026-03-05T09:00:00Z");
    CHECK(e.fire("expire#1", expiry, expiry) == Lines{
        "event timer(expire#1)",
        "timer fired expire#1 due 2026-03-05T09:00:00Z",
        "transition awaiting(client) -> expired on timer(expire#1)",
        "state awaiting(client) -> expired",
        "timer cancelled expire#1",
        "timer cancelled warn#1",
        "action notify sales",
        "finished expired",
    });
    CHECK(e.inst.status == Status::finished);
}

TEST_CASE("machine: a `when` branch leaves its choice state at once", "[machine]") {
    char const* flow = R"(
role client = event.client
role cfo = "cfo@acme.example"
on e
  -> fill nda
  -> when event.amount > 1000 { sign [cfo] } otherwise { sign [client] }
)";
    Instant t0 = at("2026-03-02T09:00:00Z");
    SECTION("the guard holds") {
        Envelope e(flow);
        e.start("e", json::parse(R"({"client": "c@x.example", "amount": 5000})"), t0);
        CHECK(e.apply("done", t0) == Lines{
            "event done",
            "transition filling(nda) -> branch#1 on done",
            "state filling(nda) -> branch#1",
            "guard [event.amount > 1000] holds",
            "transition branch#1 -> awaiting(cfo) on always",
            "state branch#1 -> awaiting(cfo)",
            "action request_signature cfo",
        });
    }
    SECTION("it does not: otherwise") {
        Envelope e(flow);
        e.start("e", json::parse(R"({"client": "c@x.example", "amount": 10})"), t0);
        CHECK(e.apply("done", t0) == Lines{
            "event done",
            "transition filling(nda) -> branch#1 on done",
            "state filling(nda) -> branch#1",
            "guard [event.amount > 1000] does not hold",
            "transition branch#1 -> awaiting(client) on always",
            "state branch#1 -> awaiting(client)",
            "action request_signature client",
        });
    }
    SECTION("it cannot be evaluated: it does not hold, and the trace says why") {
        Envelope e(flow);
        e.start("e", json::parse(R"({"client": "c@x.example"})"), t0);
        Lines lines = e.apply("done", t0);
        REQUIRE(lines.size() == 7);
        CHECK(lines[3].starts_with("guard [event.amount > 1000] does not hold ("));
        CHECK(lines[4] == "transition branch#1 -> awaiting(client) on always");
    }
}

TEST_CASE("machine: `wait for E where …` moves only the envelope the event belongs to", "[machine]") {
    Envelope e(R"(
on deal_won
  -> fill nda
  -> sign [customer]
  -> wait for paid where event.order == envelope.order timeout 2d
  -> invoke billing with { amount: event.amount }
  -> on expired notify sales
)");
    Instant t0 = at("2026-03-02T09:00:00Z");
    e.start("deal_won", json::parse(R"({"order": "A-1", "signers": {"customer": "c@x.example"}})"), t0);
    e.apply("done", t0);
    CHECK(e.apply("signed(customer)", t0) == Lines{
        "event signed(customer)",
        "transition awaiting(customer) -> awaiting(paid) on signed(customer)",
        "state awaiting(customer) -> awaiting(paid)",
        "timer armed timeout#1 2026-03-04T09:00:00Z",
    });
    CHECK(e.def->external_events().at("paid").awaited_in == std::vector<StateId>{e.inst.state});

    json other = json::parse(R"({"order": "B-2", "amount": 99})");
    CHECK(e.apply("paid", t0, &other) == Lines{
        "event paid",
        "guard [event.order == envelope.order] does not hold",
        "ignored paid: the envelope is in `awaiting(paid)`, where `paid` changes nothing",
    });
    CHECK_FALSE(e.step.applied);

    json mine = json::parse(R"({"order": "A-1", "amount": 10})");
    CHECK(e.apply("paid", t0, &mine) == Lines{
        "event paid",
        "guard [event.order == envelope.order] holds",
        "transition awaiting(paid) -> completed on paid",
        "action invoke billing {\"amount\":10}",
        "state awaiting(paid) -> completed",
        "timer cancelled timeout#1",
        "finished completed",
    });
}

TEST_CASE("machine: a trigger starts an envelope only when its condition holds", "[machine]") {
    auto def = definition("on form_submitted where event.form == \"nda\" -> fill nda -> sign [client]\n");
    Machine m;
    Instant t0 = at("2026-03-02T09:00:00Z");
    CHECK(m.match_trigger(*def, "form_submitted", json::parse(R"({"form": "nda"})"), t0) == 0);
    CHECK_FALSE(m.match_trigger(*def, "form_submitted", json::parse(R"({"form": "contact"})"), t0));
    CHECK_FALSE(m.match_trigger(*def, "form_submitted", json::object(), t0));
    CHECK_FALSE(m.match_trigger(*def, "other_event", json::parse(R"({"form": "nda"})"), t0));
}

// A start's checks of the trigger's data (engine/src/machine/start_checks):
// what cannot work later refuses the start, with a reason that names the
// role or the field.
namespace {

std::string start_with(DefinitionPtr const& def, char const* data) {
    Machine m;
    Instance inst;
    TraceRecorder trace;
    Step step;
    try {
        m.start(inst, def, 0, json::parse(data), at("2026-03-02T09:00:00Z"), trace, step);
    } catch (StartError const& e) {
        CHECK(trace.lines.empty());
        CHECK(step.effects.empty());
        return e.what();
    }
    return "started";
}

// As definition(), with the templates' fields from the standard catalog (as
// the daemon's rules and `signflow simulate` give them).
DefinitionPtr typed_definition(std::string const& source) {
    auto result = test::compile_text(source);
    REQUIRE(result.workflow);
    stdlib::StandardCatalog catalog;
    auto templates = template_specs(*result.workflow, catalog);
    std::string version = ir::content_hash(*result.workflow);
    return std::make_shared<Definition const>(std::move(*result.workflow), version, std::move(templates));
}

}  // namespace

TEST_CASE("machine: a start refuses a signer's address that no message can reach", "[machine][start]") {
    auto def = definition("on form_submitted -> fill nda -> sign [client]\n");
    CHECK(start_with(def, R"({"signers": {"client": "not-an-email"}})") ==
          "role `client`: `not-an-email` is not an email address (it has no `@`)");
    CHECK(start_with(def, R"({"signers": {"client": "ann@-example.com"}})") ==
          "role `client`: `ann@-example.com` is not an email address (a label of its domain starts or ends with `-`)");
    CHECK(start_with(def, R"({"signers": {"client": {"email": "ann lee@example.com"}}})") ==
          "role `client`: `ann lee@example.com` is not an email address (it holds a space or a control character)");
    CHECK(start_with(def, R"({"signers": {"client": {"email": 7}}})") ==
          "role `client`: email is 7, not an email address");
    CHECK(start_with(def, R"({"signers": {"client": {"email": "ann@example.com", "phone": "call me"}}})") ==
          "role `client`: `call me` is not a phone number (it holds `c`)");
    CHECK(start_with(def, R"({"signers": {"client": {"email": "ann@example.com", "phone": "+44 20"}}})") ==
          "role `client`: `+44 20` is not a phone number (it has fewer than 7 digits)");
    // What works: a plain address, an address with a phone, a phone alone,
    // an international domain, a null phone.
    CHECK(start_with(def, R"({"signers": {"client": "ann.lee+nda@mail.example.com"}})") == "started");
    CHECK(start_with(def, R"({"signers": {"client": {"email": "a@b.example", "phone": "+44 (20) 7946-0000"}}})") ==
          "started");
    CHECK(start_with(def, R"({"signers": {"client": {"phone": "+447700900777"}}})") == "started");
    CHECK(start_with(def, R"({"signers": {"client": {"email": "li@例子.中国", "phone": null}}})") == "started");
    // Empty is missing (the other address carries the messages); a phone a
    // bulk file's cell made a number is its digits.
    CHECK(start_with(def, R"({"signers": {"client": {"email": "ann@example.com", "phone": ""}}})") == "started");
    CHECK(start_with(def, R"({"signers": {"client": {"email": "", "phone": "+447700900777"}}})") == "started");
    CHECK(start_with(def, R"({"signers": {"client": {"email": "a@b.example", "phone": 447700900777}}})") == "started");
    CHECK(start_with(def, R"({"signers": {"client": {"email": "a@b.example", "phone": 44}}})") ==
          "role `client`: 44 is not a phone number (it has fewer than 7 digits)");
    CHECK(start_with(def, R"({"signers": {"client": {"email": "a@b.example", "phone": 4.5}}})") ==
          "role `client`: phone is 4.5, not a phone number");
}

TEST_CASE("machine: a start refuses a value that does not fit its template's field", "[machine][start]") {
    auto def = typed_definition(
        "role client = event.contact\n"
        "template nda_c = stdlib.nda {\n  fee = event.fee\n  currency = event.currency\n}\n"
        "on nda_requested -> fill nda_c -> sign [client] -> fill invoice with { amount: event.total, paid: event.paid }\n"
        "  -> sign [client]\n");
    CHECK(start_with(def, R"({"contact": "a@b.example", "fee": "12,5O0"})") ==
          "field `fee` of template `nda_c` is a number; `12,5O0` is not");
    CHECK(start_with(def, R"({"contact": "a@b.example", "fee": "12 500"})") ==
          "field `fee` of template `nda_c` is a number; `12 500` is not");
    CHECK(start_with(def, R"({"contact": "a@b.example", "fee": "12."})") ==
          "field `fee` of template `nda_c` is a number; `12.` is not");
    CHECK(start_with(def, R"({"contact": "a@b.example", "fee": true})") ==
          "field `fee` of template `nda_c` is a number; true is not");
    CHECK(start_with(def, R"({"contact": "a@b.example", "currency": "EURO"})") ==
          "field `currency` of template `nda_c` is one of USD, EUR, GBP, CNY, JPY, SGD, AUD; `EURO` is not");
    CHECK(start_with(def, R"({"contact": "a@b.example", "total": [1]})") ==
          "field `amount` of template `invoice` is a number; [1] is not");
    CHECK(start_with(def, R"({"contact": "a@b.example", "paid": 1})") ==
          "field `paid` of template `invoice` is true or false; 1 is neither");
    // Missing values are left to the fill (blank); values that fit start.
    CHECK(start_with(def, R"({"contact": "a@b.example"})") == "started");
    CHECK(start_with(def, R"({"contact": "a@b.example", "fee": 12500.5, "currency": "EUR", "total": 3, "paid": false})") ==
          "started");
    // A number written as text, as a web form posts it; a check box given
    // the name of a state (the form filler decides).
    CHECK(start_with(def, R"({"contact": "a@b.example", "fee": "12500", "total": "-1250.50", "paid": "Yes"})") ==
          "started");
    // A fill after `wait for` reads the awaited event's data, not the
    // start's: not checked at the start (a declared template too, when only
    // such a fill uses it).
    auto later = typed_definition(
        "role client = event.contact\n"
        "template nda_c = stdlib.nda {\n  fee = event.fee\n}\n"
        "on deal_won -> wait for payment_confirmed -> fill invoice with { amount: event.amount }\n"
        "  -> fill nda_c -> sign [client]\n");
    CHECK(start_with(later, R"({"contact": "a@b.example", "amount": "TBD"})") == "started");
    // …but a fill reached from the start with the trigger's data is.
    auto sooner = typed_definition(
        "role client = event.contact\n"
        "on deal_won -> fill invoice with { amount: event.amount } -> sign [client]\n"
        "  -> wait for payment_confirmed -> fill service_agreement with { monthly_fee: event.paid } -> sign [client]\n");
    CHECK(start_with(sooner, R"({"contact": "a@b.example", "amount": "TBD"})") ==
          "field `amount` of template `invoice` is a number; `TBD` is not");
    CHECK(start_with(sooner, R"({"contact": "a@b.example", "amount": 5, "paid": "TBD"})") == "started");
    // Without the catalog's fields (a definition made without them) nothing
    // is checked at the start: the fill finds out.
    auto untyped = definition(
        "role client = event.contact\ntemplate nda_c = stdlib.nda {\n  fee = event.fee\n}\n"
        "on nda_requested -> fill nda_c -> sign [client]\n");
    CHECK(start_with(untyped, R"({"contact": "a@b.example", "fee": "12,5O0"})") == "started");
}

TEST_CASE("machine: a role the event does not give is a StartError that names it", "[machine]") {
    auto def = definition("on form_submitted -> fill nda -> sign sequentially [client, manager]\n");
    Machine m;
    Instant t0 = at("2026-03-02T09:00:00Z");
    auto start = [&](char const* data) {
        Instance inst;
        TraceRecorder trace;
        Step step;
        try {
            m.start(inst, def, 0, json::parse(data), t0, trace, step);
        } catch (StartError const& e) {
            CHECK(trace.lines.empty());  // nothing happened
            CHECK(step.effects.empty());
            return std::string(e.what());
        }
        return std::string("started");
    };
    CHECK(start(R"({"signers": {"client": "a@x.example"}})") ==
          "role `manager` is `event.signers.manager`, which is nothing (null or missing) in this event; it must be "
          "an email string or an object");
    CHECK(start(R"({"signers": {"client": "a@x.example", "manager": 42}})") ==
          "role `manager` is `event.signers.manager`, which is a number in this event; it must be an email string "
          "or an object");
    CHECK(start(R"({"signers": {"client": {"email": "a@x.example", "timezone": "Mars/Olympus"}, "manager": "m@x"}})") ==
          "role `client`: unknown time zone \"Mars/Olympus\" (an IANA name such as \"Europe/Berlin\")");
    CHECK(start(R"({"signers": {"client": "a@x.example", "manager": "m@x.example"}})") == "started");
}

TEST_CASE("machine: a start drops a role's `fields`: only the signer gives them", "[machine][start]") {
    auto def = definition("role client = event.client\n"
                          "template nda = stdlib.nda {\n  field effective_date from client: date\n}\n"
                          "on form_submitted -> fill nda -> sign [client]\n");
    Machine m;
    Instance inst;
    TraceRecorder trace;
    Step step;
    m.start(inst, def, 0,
            json::parse(R"({"client": {"email": "ann@example.com", "fields": {"effective_date": "2020-01-01"}}})"),
            at("2026-03-02T09:00:00Z"), trace, step);
    json data = json::parse(inst.data);
    CHECK(data["roles"]["client"] == json{{"email", "ann@example.com"}});
    CHECK(data["event"]["client"].contains("fields"));  // the event itself is kept as it came
}
