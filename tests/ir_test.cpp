// What the compiler promises about the IR, checked on small workflows whose
// state machines are easy to state by hand.
#include "support.hpp"

#include "signflow/dsl/ir_io.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace signflow;

namespace {

ir::Workflow compile_ok(std::string const& text) {
    auto r = test::compile_text(text);
    INFO(text);
    REQUIRE_FALSE(r.diagnostics.has_errors());
    REQUIRE(r.workflow);
    return *r.workflow;
}

std::vector<std::string> transitions(ir::Workflow const& w) {
    std::vector<std::string> out;
    for (auto const& t : w.transitions) out.push_back(t.from + " --" + t.event + "--> " + t.to);
    return out;
}

bool has(std::vector<std::string> const& v, std::string const& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("ir: the design card line means what it says", "[ir]") {
    auto w = compile_ok(
        "on form_submitted -> fill nda -> sign sequentially [client, manager] -> on completed invoke billing\n");
    auto t = transitions(w);
    CHECK(has(t, "start --form_submitted--> filling(nda)"));
    CHECK(has(t, "filling(nda) --done--> awaiting(client)"));
    CHECK(has(t, "awaiting(client) --signed(client)--> awaiting(manager)"));
    CHECK(has(t, "awaiting(manager) --signed(manager)--> completed"));
    CHECK(has(t, "awaiting(client) --declined(client)--> declined"));
    // client and manager come from the event; nda is the stock template.
    REQUIRE(w.roles.size() == 2);
    CHECK(w.roles[0].source.path == std::vector<std::string>{"event", "signers", "client"});
    REQUIRE(w.templates.size() == 1);
    CHECK(w.templates[0].source == "stdlib:nda");
    // billing is invoked on entering `completed`.
    auto completed = std::find_if(w.states.begin(), w.states.end(), [](auto& s) { return s.name == "completed"; });
    REQUIRE(completed != w.states.end());
    REQUIRE(completed->entry.size() == 1);
    CHECK(completed->entry[0].kind == ir::ActionKind::invoke);
    CHECK(completed->entry[0].target == "billing");
}

TEST_CASE("ir: parallel groups join on all_signed, reminders are per signer", "[ir]") {
    auto w = compile_ok(
        "on e -> fill nda -> sign [a] then [b, c]\n"
        "  remind every 1d at 09:00 local, at most 3 times\n"
        "  expire after 14d, warn 2d before\n");
    auto t = transitions(w);
    CHECK(has(t, "awaiting(a) --signed(a)--> awaiting(b, c)"));
    CHECK(has(t, "awaiting(b, c) --signed(b)--> awaiting(b, c)"));
    CHECK(has(t, "awaiting(b, c) --all_signed--> completed"));
    CHECK(has(t, "awaiting(b, c) --timer(expire#1)--> expired"));
    auto reminder = std::find_if(w.timers.begin(), w.timers.end(), [](auto& x) { return x.id == "remind#1(c)"; });
    REQUIRE(reminder != w.timers.end());
    CHECK(reminder->at_minute_of_day == 9 * 60);
    CHECK(reminder->zone_of == "c");
    CHECK(reminder->max_count == 3);
    CHECK(reminder->every_minutes == 1440);
    CHECK(reminder->cancel_on == "signed(c)");
    auto warning = std::find_if(w.timers.begin(), w.timers.end(), [](auto& x) { return x.id == "warn#1"; });
    REQUIRE(warning != w.timers.end());
    CHECK(warning->after_minutes == 12 * 1440);
    // The step's expiry spans both groups: the same timer id in both states.
    auto signing = std::count_if(w.states.begin(), w.states.end(), [](auto& s) { return s.kind == "signing"; });
    REQUIRE(signing == 2);
    for (auto const& s : w.states)
        if (s.kind == "signing") CHECK(std::count(s.timers.begin(), s.timers.end(), "expire#1") == 1);
}

TEST_CASE("ir: effects ride on the transition into the next state", "[ir]") {
    auto w = compile_ok("on e -> fill nda -> notify sales -> invoke crm.create with { x: 1 } -> sign [a]\n");
    auto done = std::find_if(w.transitions.begin(), w.transitions.end(), [](auto& t) { return t.event == "done"; });
    REQUIRE(done != w.transitions.end());
    CHECK(done->to == "awaiting(a)");
    REQUIRE(done->actions.size() == 2);
    CHECK(done->actions[0].kind == ir::ActionKind::notify);
    CHECK(done->actions[1].kind == ir::ActionKind::invoke);
    CHECK(done->actions[1].operation == "create");
}

TEST_CASE("ir: branches become choice states", "[ir]") {
    auto w = compile_ok("on e -> fill nda -> when event.fee > 10 { sign [a] } otherwise { sign [b] }\n");
    auto t = transitions(w);
    CHECK(has(t, "branch#1 --always--> awaiting(a)"));
    CHECK(has(t, "branch#1 --always--> awaiting(b)"));
    auto guarded = std::find_if(w.transitions.begin(), w.transitions.end(),
                                [](auto& x) { return x.from == "branch#1" && x.guard; });
    REQUIRE(guarded != w.transitions.end());
    CHECK(ir::to_text(*guarded->guard) == "event.fee > 10");
}

TEST_CASE("ir: JSON is rejected with the member's path when malformed", "[ir]") {
    auto w = compile_ok("on e -> fill nda -> sign [a]\n");
    auto j = ir::to_json(w);
    j["transitions"][0]["to"] = 5;
    CHECK_THROWS_WITH(ir::from_json(j), Catch::Contains("transitions[0].to"));
    auto k = ir::to_json(w);
    k["format"] = 99;
    CHECK_THROWS_WITH(ir::from_json(k), Catch::Contains("format"));
}

TEST_CASE("ir: whitespace and comments never change the hash, content does", "[ir]") {
    auto a = compile_ok("on e where event.x == 1 -> fill nda -> sign [a]\n");
    auto b = compile_ok("# comment\non   e\n  where event.x==1 # why\n  -> fill   nda\n  -> sign [ a ]\n");
    auto c = compile_ok("on e where event.x == 2 -> fill nda -> sign [a]\n");
    CHECK(ir::content_hash(a) == ir::content_hash(b));
    CHECK(ir::content_hash(a) != ir::content_hash(c));
    CHECK(ir::content_hash(a).size() == 64);
}

TEST_CASE("ir: every action kind has one name, read back by that name", "[ir]") {
    using K = ir::ActionKind;
    for (K k : {K::fill, K::request_signature, K::remind, K::warn_expiry, K::send_code, K::notify, K::invoke,
                K::archive})
        CHECK(ir::action_kind_from(ir::action_kind_name(k)) == k);
    CHECK(ir::action_kind_name(K::request_signature) == "request_signature");
    CHECK_FALSE(ir::action_kind_from("webhook").has_value());
    CHECK_FALSE(ir::action_kind_from("").has_value());
}

TEST_CASE("ir: route_of says who delivers each action", "[ir]") {
    auto w = compile_ok(
        "on form_submitted -> fill nda -> notify client -> notify sales\n"
        "  -> sign [client] remind every 1d -> invoke billing.create -> archive to vault -> archive\n");
    std::map<std::string, ir::Route> routes;
    auto visit = [&](std::vector<ir::Action> const& actions) {
        for (auto const& a : actions) {
            std::string name(ir::action_kind_name(a.kind));
            routes[name + " " + a.target] = ir::route_of(a, w);
        }
    };
    for (auto const& s : w.states) visit(s.entry);
    for (auto const& t : w.transitions) visit(t.actions);
    using L = ir::Lane;
    CHECK(routes.at("fill nda") == ir::Route{L::documents, "documents"});
    CHECK(routes.at("notify client") == ir::Route{L::messages, "messages"});  // a role
    CHECK(routes.at("notify sales") == ir::Route{L::connector, "sales"});     // not a role
    CHECK(routes.at("request_signature client") == ir::Route{L::messages, "messages"});
    CHECK(routes.at("remind client") == ir::Route{L::messages, "messages"});
    CHECK(routes.at("invoke billing") == ir::Route{L::connector, "billing"});
    CHECK(routes.at("archive vault") == ir::Route{L::connector, "vault"});
    CHECK(routes.at("archive ") == ir::Route{L::log, ""});
    // The checker asks the same question of a step it has not lowered yet.
    CHECK(ir::lane_of(ir::ActionKind::notify, true, true) == L::messages);
    CHECK(ir::lane_of(ir::ActionKind::notify, false, true) == L::connector);
}

TEST_CASE("ir: an IR file with an unknown action kind is refused where it says so", "[ir]") {
    auto w = compile_ok("on e -> invoke billing\n");
    std::string text = ir::to_json(w).dump();
    auto at = text.find("\"invoke\"");
    REQUIRE(at != std::string::npos);
    text.replace(at, 8, "\"invoice\"");
    try {
        (void)ir::from_json(nlohmann::json::parse(text));
        FAIL("an unknown action kind was read");
    } catch (std::exception const& e) {
        CHECK_THAT(e.what(), Catch::Contains("unknown action kind `invoice`"));
        CHECK_THAT(e.what(), Catch::Contains(".kind"));
    }
}
