// The engine's outcomes as the daemon answers them: the one status table,
// an event's refusals, and where the signing page sends a signer after a
// one-time code (each answer decided on purpose).
#include "serve/outcomes.hpp"
#include "serve/signing/code_answer.hpp"

#include <catch2/catch.hpp>

using namespace signflow;
using engine::Outcome;
using nlohmann::json;

TEST_CASE("outcomes: one status each", "[outcomes]") {
    CHECK(app::http_status(Outcome::ok) == 200);
    CHECK(app::http_status(Outcome::created) == 201);
    CHECK(app::http_status(Outcome::accepted) == 202);
    CHECK(app::http_status(Outcome::not_found) == 404);
    CHECK(app::http_status(Outcome::ended) == 409);
    CHECK(app::http_status(Outcome::conflict) == 409);
    CHECK(app::http_status(Outcome::wrong_code) == 403);
    CHECK(app::http_status(Outcome::code_expired) == 410);
    CHECK(app::http_status(Outcome::code_used) == 409);
    CHECK(app::http_status(Outcome::invalid) == 422);
    CHECK(app::http_status(Outcome::over_limit) == 429);
    CHECK(app::http_status(Outcome::unavailable) == 503);
    CHECK(app::http_status(Outcome::failed) == 500);
}

TEST_CASE("outcomes: names read back, unknown names are not outcomes", "[outcomes]") {
    for (int i = 0; i <= static_cast<int>(Outcome::failed); ++i) {
        auto o = static_cast<Outcome>(i);
        CHECK(engine::outcome_from_name(engine::outcome_name(o)) == o);
    }
    CHECK_FALSE(engine::outcome_from_name("202").has_value());
}

TEST_CASE("outcomes: each refused start gets its own status", "[outcomes]") {
    engine::Reply r = engine::make_reply(
        Outcome::over_limit,
        {{"event", "ordered"},
         {"refused", json::array({{{"workflow", "a"}, {"outcome", "over_limit"}, {"reason", "quota"}},
                                  {{"workflow", "b"}, {"outcome", "invalid"}, {"reason", "role"}},
                                  // a record kept before outcomes: its status stays
                                  {{"workflow", "c"}, {"status", 422}, {"reason", "old"}}})},
         {"error", "quota"}});
    REQUIRE(r.refused.size() == 3);
    CHECK(r.refused[0] == Outcome::over_limit);
    CHECK(r.refused[1] == Outcome::invalid);
    CHECK_FALSE(r.refused[2].has_value());
    CHECK(r.error == "quota");
    auto answer = app::reply_of(r);
    CHECK(answer.status == 429);
    json body = json::parse(answer.body);
    CHECK(body["refused"][0]["status"] == 429);
    CHECK(body["refused"][1]["status"] == 422);
    CHECK(body["refused"][2]["status"] == 422);
    for (auto const& item : body["refused"]) CHECK_FALSE(item.contains("outcome"));
}

TEST_CASE("signing page: where a typed code leads", "[outcomes][signing]") {
    using app::signing::after_code;
    using engine::make_reply;
    CHECK(after_code(make_reply(Outcome::accepted, {{"verified", true}})) == "");
    CHECK(after_code(make_reply(Outcome::wrong_code, {{"attempts_left", 2}})) == "?n=wrong&left=2");
    // No attempt left: the page itself shows that the verification failed.
    CHECK(after_code(make_reply(Outcome::wrong_code, {{"attempts_left", 0}})) == "");
    CHECK(after_code(make_reply(Outcome::code_expired, {{"attempts_left", 3}})) == "?n=code_expired");
    CHECK(after_code(make_reply(Outcome::code_used, json::object())) == "?n=code_used");
    CHECK(after_code(make_reply(Outcome::ended, json::object())) == "?n=notnow");
    CHECK(after_code(make_reply(Outcome::conflict, json::object())) == "?n=notnow");
    CHECK(after_code(make_reply(Outcome::unavailable, json::object())) == "?n=notnow");
}
