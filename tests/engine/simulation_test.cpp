// `simulate`: every example ships with scenarios (examples/NAME.scenario and
// examples/NAME.CASE.scenario) and each must hold; then the ways a scenario
// can go wrong: an expectation that fails (and the diff it prints), a step
// that cannot run, malformed text and unknown names (with line:col).
#include "../support.hpp"

#include "signflow/dsl/ir_io.hpp"
#include "signflow/engine/simulation.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <set>

using namespace signflow;
using namespace signflow::engine;
namespace fs = std::filesystem;

namespace {

DefinitionPtr definition_of(std::string const& source, std::string const& path = "test.flow") {
    auto result = test::compile_text(source, path);
    REQUIRE(result.workflow);
    std::string version = ir::content_hash(*result.workflow);
    return std::make_shared<Definition const>(std::move(*result.workflow), version);
}

// The workflow a scenario belongs to: examples/card.declined.scenario -> examples/card.flow.
fs::path flow_of(fs::path const& scenario) {
    std::string name = scenario.filename().string();
    return scenario.parent_path() / (name.substr(0, name.find('.')) + ".flow");
}

struct Run {
    Scenario scenario;
    SimulationResult result;
};

Run run(DefinitionPtr const& def, std::string const& text, std::string const& path = "test.scenario") {
    auto parsed = parse_scenario(path, text);
    INFO(render_errors(dsl::SourceFile(path, text), parsed.errors));
    REQUIRE(parsed.scenario);
    auto errors = check_scenario(*parsed.scenario, *def);
    INFO(render_errors(parsed.scenario->source, errors));
    REQUIRE(errors.empty());
    auto result = simulate(def, *parsed.scenario);
    return {std::move(*parsed.scenario), std::move(result)};
}

// What parse_scenario + check_scenario say about a text, rendered.
std::string errors_of(DefinitionPtr const& def, std::string const& text) {
    auto parsed = parse_scenario("bad.scenario", text);
    if (!parsed.scenario) return render_errors(dsl::SourceFile("bad.scenario", text), parsed.errors);
    return render_errors(parsed.scenario->source, check_scenario(*parsed.scenario, *def));
}

char const* const card_flow =
    "on form_submitted -> fill nda -> sign sequentially [client, manager] -> on completed invoke billing\n";

char const* const card_start = R"(start 2026-03-02 09:00 UTC
event form_submitted {
  "signers": {
    "client": {"email": "ada@example.com", "timezone": "America/New_York"},
    "manager": "lead@acme.example"
  }
}
)";

}  // namespace

TEST_CASE("simulate: every example's scenarios hold", "[simulate]") {
    auto scenarios = test::files_under(test::source_dir() / "examples", ".scenario");
    REQUIRE(scenarios.size() >= 7);
    for (auto const& path : scenarios) {
        DYNAMIC_SECTION(path.filename().string()) {
            fs::path flow = flow_of(path);
            REQUIRE(fs::exists(flow));
            auto def = definition_of(test::read(flow), flow.filename().string());
            auto r = run(def, test::read(path), path.filename().string());
            INFO(render_timeline(r.result) + render_failures(r.scenario, r.result));
            CHECK(r.result.ok());
            CHECK(r.result.started);
            // A scenario is a test: it must expect something.
            CHECK(r.result.expectations >= 3);
            // Every effect's data evaluated.
            for (auto const& e : r.result.effects) CHECK(e.error == "");
        }
    }
}

TEST_CASE("simulate: every example has a scenario", "[simulate]") {
    std::set<std::string> covered;
    for (auto const& path : test::files_under(test::source_dir() / "examples", ".scenario"))
        covered.insert(flow_of(path).filename().string());
    for (auto const& flow : test::files_under(test::source_dir() / "examples", ".flow"))
        CHECK(covered.count(flow.filename().string()) == 1);
}

TEST_CASE("simulate: the timeline shows signer-local times and the machine's steps", "[simulate]") {
    auto def = definition_of(card_flow);
    auto r = run(def, std::string(card_start) + "after 2d client signs\nexpect state awaiting(manager)\n");
    std::string timeline = render_timeline(r.result);
    CHECK_THAT(timeline, Catch::Contains("2026-03-02 09:00Z  event form_submitted"));
    CHECK_THAT(timeline, Catch::Contains("2026-03-02 09:00Z    state start -> filling(nda)\n"));
    CHECK_THAT(timeline, Catch::Contains("2026-03-02 09:00Z  document nda is ready: done\n"));
    CHECK_THAT(timeline, Catch::Contains("2026-03-02 09:00Z    signature request to client  (2026-03-02 04:00 EST)\n"));
    CHECK_THAT(timeline, Catch::Contains("2026-03-04 09:00Z  client signs  (2026-03-04 04:00 EST)"));
    CHECK_THAT(timeline, Catch::Contains("# line 9"));
    CHECK_THAT(timeline, Catch::Contains("expect state awaiting(manager): ok"));
    // The raw trace only on request.
    CHECK_THAT(timeline, !Catch::Contains("| event signed(client)"));
    CHECK_THAT(render_timeline(r.result, true), Catch::Contains("2026-03-04 09:00Z    | event signed(client)\n"));
    CHECK(r.result.state == "awaiting(manager)");
    CHECK(r.result.status == Status::running);
}

TEST_CASE("simulate: reminders fire in due order on the virtual clock", "[simulate]") {
    auto def = definition_of(R"(
role client = event.client
on e
  -> fill nda
  -> sign [client]
       remind every 1d at 09:00 local, at most 3 times
       expire after 5d, warn 1d before
  -> on expired notify sales
)");
    auto r = run(def, R"(start 2026-03-05 15:00 UTC
event e {"client": {"email": "c@x.example", "timezone": "America/New_York"}}
nobody signs
expect reminder to client at 2026-03-07 09:00 America/New_York
expect reminder to client at 2026-03-08 09:00 America/New_York
expect reminder to client at 2026-03-09 13:00Z
expect 3 reminders to client
expect warning at 2026-03-09 15:00Z
expect expiry at 2026-03-10 15:00Z
expect state expired
expect notify sales
)");
    INFO(render_timeline(r.result));
    CHECK(r.result.ok());
    std::string timeline = render_timeline(r.result);
    CHECK_THAT(timeline, Catch::Contains("2026-03-08 13:00Z  timer remind#1(client) fires (reminder 2 of 3)  "
                                         "(2026-03-08 09:00 EDT)\n"
                                         "2026-03-08 13:00Z    reminder to client  (2026-03-08 09:00 EDT)\n"));
    CHECK_THAT(timeline, Catch::Contains("2026-03-09 15:00Z    expiry warning (waiting for client)  "
                                         "(2026-03-09 11:00 EDT)\n"));
    CHECK_THAT(timeline, Catch::Contains("2026-03-10 15:00Z    envelope ended: expired\n"));
    CHECK(r.result.end == *parse_utc("2026-03-10T15:00:00Z"));
}

TEST_CASE("simulate: `nobody signs` stops when nothing is pending, or after a year", "[simulate]") {
    SECTION("nothing pending") {
        auto def = definition_of(card_flow);
        auto r = run(def, std::string(card_start) + "nobody signs\nexpect state awaiting(client)\n");
        CHECK(r.result.ok());
        CHECK_THAT(render_timeline(r.result),
                   Catch::Contains("nothing is pending: the envelope stays in awaiting(client)"));
    }
    SECTION("a reminder without a limit") {
        auto def = definition_of("on e -> fill nda -> sign [client]\n  remind every 1d\n");
        auto r = run(def, "event e {\"signers\": {\"client\": \"c@x.example\"}}\n"
                          "nobody signs\nexpect 366 reminders to client\n");
        CHECK(r.result.ok());
        CHECK_THAT(render_timeline(r.result), Catch::Contains("the clock stops after 366 days"));
    }
}

TEST_CASE("simulate: a failed expectation says what was expected and what happened", "[simulate]") {
    auto def = definition_of(R"(
role client = event.client
on e -> fill nda -> sign [client]
  remind every 1d at 09:00 local, at most 2 times
-> on completed invoke billing with { plan: "gold" }
)");
    auto r = run(def, R"(start 2026-03-02 09:00 UTC
event e {"client": {"email": "c@x.example", "timezone": "America/New_York"}}
after 3d client signs
expect state completed
expect reminder to client at 2026-03-04 10:00 America/New_York
expect 3 reminders to client
expect invoke billing with {"plan": "silver"}
expect state declined
)", "x.scenario");
    CHECK_FALSE(r.result.ok());
    REQUIRE(r.result.failures.size() == 4);
    CHECK(r.result.expectations == 5);
    CHECK(render_failures(r.scenario, r.result) ==
          "FAILED x.scenario:5\n"
          " 5 | expect reminder to client at 2026-03-04 10:00 America/New_York\n"
          "   - expected: reminder to client at 2026-03-04 15:00Z (2026-03-04 10:00 EST)\n"
          "   + actual:   2 × reminder to client:\n"
          "                 2026-03-03 14:00Z (2026-03-03 09:00 EST)\n"
          "                 2026-03-04 14:00Z (2026-03-04 09:00 EST)\n"
          "\n"
          "FAILED x.scenario:6\n"
          " 6 | expect 3 reminders to client\n"
          "   - expected: 3 × reminder to client\n"
          "   + actual:   2 × reminder to client:\n"
          "                 2026-03-03 14:00Z (2026-03-03 09:00 EST)\n"
          "                 2026-03-04 14:00Z (2026-03-04 09:00 EST)\n"
          "\n"
          "FAILED x.scenario:7\n"
          " 7 | expect invoke billing with {\"plan\": \"silver\"}\n"
          "   - expected: invoke billing with {\"plan\":\"silver\"}\n"
          "   + actual:   1 × invoke billing:\n"
          "                 2026-03-05 09:00Z with {\"plan\":\"gold\"}\n"
          "\n"
          "FAILED x.scenario:8\n"
          " 8 | expect state declined\n"
          "   - expected: state declined\n"
          "   + actual:   state completed (ended)\n"
          "\n"
          "x.scenario: 5 expectations, 4 failed; the envelope ended completed\n");
    CHECK_THAT(render_timeline(r.result), Catch::Contains("expect state declined: FAILED"));
}

TEST_CASE("simulate: a step that cannot be carried out stops the run", "[simulate]") {
    auto def = definition_of(card_flow);
    auto stopped = [&](std::string const& text) {
        auto r = run(def, text);
        REQUIRE(r.result.failures.size() == 1);
        CHECK(r.result.failures[0].stopped);
        return std::to_string(r.result.failures[0].line) + ": " + r.result.failures[0].actual;
    };
    CHECK(stopped(std::string(card_start) + "event form_submitted {}\nexpect state completed\n") ==
          std::to_string(8) + ": `form_submitted` would start a second envelope; a scenario runs one envelope "
                              "(write another scenario file for another one)");
    CHECK(stopped(std::string(card_start) + "after 1d client signs\nat 2026-03-02 10:00 manager signs\n") ==
          "9: the clock is already at 2026-03-03 09:00Z, later than 2026-03-02 10:00Z (2026-03-02 10:00 UTC): "
          "the clock only moves forward");
    CHECK(stopped("event form_submitted {\"signers\": {\"client\": \"a@x.example\"}}\n") ==
          "1: the envelope could not start: role `manager` is `event.signers.manager`, which is nothing (null or "
          "missing) in this event; it must be an email string or an object");
}

TEST_CASE("simulate: a trigger whose condition does not hold starts nothing", "[simulate]") {
    auto def = definition_of("on e where event.ok == true -> fill nda -> sign [client]\n");
    auto r = run(def, "event e {\"ok\": false}\nexpect no envelope\nclient signs\n");
    REQUIRE(r.result.failures.size() == 1);
    CHECK(r.result.failures[0].line == 3);
    CHECK(r.result.failures[0].actual ==
          "no envelope is running (no trigger event started one), so client cannot act");
    CHECK(r.result.expectations == 1);
    CHECK_FALSE(r.result.started);
}

TEST_CASE("simulate: malformed scenarios are reported with line and column", "[simulate]") {
    auto def = definition_of(card_flow);
    struct Case {
        char const* text;
        char const* rendered;
    };
    Case const cases[] = {
        {"start 2026-03-02 10:00 Europe/Berln\n",
         "error: unknown time zone `Europe/Berln`\n"
         "  --> bad.scenario:1:24\n"
         "   |\n"
         " 1 | start 2026-03-02 10:00 Europe/Berln\n"
         "   |                        ^^^^^^^^^^^^ not in the time-zone database\n"
         "   |\n"
         "   = help: a time zone with a similar name exists: `Europe/Berlin`\n\n"},
        {"event form_submitted {}\nafter 3x client signs\n",
         "error: unknown unit `x` in duration `3x`\n"
         "  --> bad.scenario:2:7\n"
         "   |\n"
         " 2 | after 3x client signs\n"
         "   |       ^^ not a unit\n"
         "   |\n"
         "   = help: the units are m (minutes), h (hours), d (days) and w (weeks)\n\n"},
        {"event form_submitted {\"a\": 1,}\n",
         "error: malformed JSON in the event's data\n"
         "  --> bad.scenario:1:30\n"},
        {"event form_submitted {\n  \"a\": 1\n",
         "error: unterminated JSON\n"
         "  --> bad.scenario:1:22\n"},
        {"event form_submitted {}\nexpct state completed\n",
         "error: unknown step `expct`\n"
         "  --> bad.scenario:2:1\n"
         "   |\n"
         " 2 | expct state completed\n"
         "   | ^^^^^ not a step\n"
         "   |\n"
         "   = help: a step with a similar name exists: `expect`\n\n"},
        {"event form_submitted {}\nclient sings\n",
         "error: unknown signer action `sings`\n"
         "  --> bad.scenario:2:8\n"},
        {"event form_submitted {}\nat 2026-02-30 10:00 client signs\n",
         "error: `2026-02-30` is not a calendar date\n"
         "  --> bad.scenario:2:4\n"},
        {"event form_submitted {}\nwait until 2026-03-03 25:00\n",
         "error: invalid time of day `25:00`\n"
         "  --> bad.scenario:2:23\n"},
        {"event form_submitted {}\nexpect reminders to\n",
         "error: expected a role\n"
         "  --> bad.scenario:2:20\n"},
        {"event form_submitted {}\nclient declines too expensive\n",
         "error: the reason for declining must be a quoted string\n"
         "  --> bad.scenario:2:17\n"},
        {"event form_submitted {}\nclient signs now\n",
         "error: unexpected `now` after the end of the step\n"
         "  --> bad.scenario:2:14\n"},
        {"event form_submitted {}\nstart 2026-03-02 10:00\n",
         "error: `start` after the first step\n"
         "  --> bad.scenario:2:1\n"},
        {"# nothing\n", "error: the scenario has no steps\n"},
        // Names the workflow does not have.
        {"event form_submited {}\n",
         "error: workflow `test` neither starts on nor waits for `form_submited`\n"
         "  --> bad.scenario:1:7\n"
         "   |\n"
         " 1 | event form_submited {}\n"
         "   |       ^^^^^^^^^^^^^ not an event of this workflow\n"
         "   |\n"
         "   = help: an event with a similar name exists: `form_submitted`\n"
         "   = help: the workflow's events: `form_submitted`\n\n"},
        {"event form_submitted {}\nafter 3d clent signs\n",
         "error: workflow `test` has no role `clent`\n"
         "  --> bad.scenario:2:10\n"
         "   |\n"
         " 2 | after 3d clent signs\n"
         "   |          ^^^^^ no role of this name\n"
         "   |\n"
         "   = help: a role with a similar name exists: `client`\n"
         "   = help: the workflow's roles: `client`, `manager`\n\n"},
        {"event form_submitted {}\nexpect state complted\n",
         "error: workflow `test` has no state `complted`\n"
         "  --> bad.scenario:2:14\n"},
        {"event form_submitted {}\nexpect invoke biling\n",
         "error: workflow `test` never invokes `biling`\n"
         "  --> bad.scenario:2:15\n"},
        {"event form_submitted {}\nclient verifies\n",
         "error: workflow `test` does not verify `client`\n"
         "  --> bad.scenario:2:1\n"},
        {"expect state completed\n", "error: the scenario sends no event\n"},
    };
    for (auto const& c : cases) {
        INFO(c.text);
        std::string rendered = errors_of(def, c.text);
        CHECK(rendered.substr(0, std::string(c.rendered).size()) == c.rendered);
    }
}

TEST_CASE("simulate: an error skips its line and parsing goes on", "[simulate]") {
    auto parsed = parse_scenario("x.scenario", "event e {}\nafter 3x a signs\nexpct state s\nwait 2q\n");
    REQUIRE(parsed.errors.size() == 3);
    CHECK_FALSE(parsed.scenario);
}

TEST_CASE("simulate: the scenario language's forms", "[simulate]") {
    auto parsed = parse_scenario("x.scenario", R"(# comments start a line or follow a blank
start 2026-03-02 10:00 Europe/Berlin
default timezone America/Chicago
event form_submitted {
  "a": "b # not a comment",   # a comment inside JSON
  "c": [1, 2]
}
after 3 days client signs
client signs after 2h
at 2026-03-10 09:00 America/New_York client declines "too expensive"
at 2026-03-10 14:00Z event paid {}
client verifies
client fails verification
wait 1w
wait until 2026-03-20 09:00
fill fails
nobody signs
expect state awaiting(a, b)#2
expect no envelope
expect 2 reminders to client at 2026-03-10 09:00 with {"x": 1}
expect no signature request to client
expect code to client
expect warnings
expect expiry
expect fill nda
expect notify sales with "text"
expect invoke crm.update_deal
expect archive
expect archive to vault
expect ignored signed(client)
)");
    INFO(render_errors(dsl::SourceFile("x.scenario", ""), parsed.errors));
    REQUIRE(parsed.scenario);
    auto const& sc = *parsed.scenario;
    CHECK(sc.start == *parse_utc("2026-03-02T09:00:00Z"));
    CHECK(sc.zone == "Europe/Berlin");
    CHECK(sc.default_zone == "America/Chicago");
    REQUIRE(sc.steps.size() == 24);
    using K = ScenarioStep::Kind;
    CHECK(sc.steps[0].kind == K::event);
    CHECK(sc.steps[0].data == json::parse(R"({"a": "b # not a comment", "c": [1, 2]})"));
    CHECK(sc.steps[1].timing.kind == Timing::Kind::after);
    CHECK(sc.steps[1].timing.minutes == 3 * 24 * 60);
    CHECK(sc.steps[1].line == 8);
    CHECK(sc.steps[2].timing.minutes == 120);
    CHECK(sc.steps[3].kind == K::declines);
    CHECK(sc.steps[3].data == json{{"reason", "too expensive"}});
    CHECK(sc.steps[3].timing.at == *parse_utc("2026-03-10T13:00:00Z"));
    CHECK(sc.steps[4].timing.at == *parse_utc("2026-03-10T14:00:00Z"));
    CHECK(sc.steps[5].kind == K::verifies);
    CHECK(sc.steps[6].kind == K::fails_verification);
    CHECK(sc.steps[7].timing.minutes == 7 * 24 * 60);
    CHECK(sc.steps[8].timing.at == *parse_utc("2026-03-20T08:00:00Z"));  // the start line's zone
    CHECK(sc.steps[9].kind == K::fill_fails);
    CHECK(sc.steps[10].kind == K::nobody_signs);
    CHECK(sc.steps[11].expect.state == "awaiting(a, b)#2");
    CHECK(sc.steps[12].expect.kind == Expectation::Kind::no_envelope);
    auto const& e = sc.steps[13].expect;
    CHECK(e.what == "remind");
    CHECK(e.count == Expectation::Count::exactly);
    CHECK(e.n == 2);
    CHECK(e.at == *parse_utc("2026-03-10T08:00:00Z"));
    CHECK(e.with == json{{"x", 1}});
    CHECK(sc.steps[14].expect.count == Expectation::Count::none);
    CHECK(sc.steps[14].expect.what == "request_signature");
    CHECK(sc.steps[15].expect.what == "send_code");
    CHECK(sc.steps[16].expect.what == "warn_expiry");
    CHECK(sc.steps[17].expect.what == "expiry");
    CHECK(sc.steps[18].expect.target == "nda");
    CHECK(sc.steps[19].expect.with == json("text"));
    CHECK(sc.steps[20].expect.target == "crm");
    CHECK(sc.steps[20].expect.operation == "update_deal");
    CHECK(sc.steps[21].expect.target == "");
    CHECK(sc.steps[22].expect.target == "vault");
    CHECK(sc.steps[23].expect.target == "signed(client)");
}
