// The `webhook` connector against a real receiver on 127.0.0.1
// (fake_apis.py receiver) that checks the signature the way
// docs/connectors.md tells receivers to, and https with a certificate made
// by `openssl req` in the test.
#include "fake_server.hpp"
#include "http_support.hpp"
#include "webhook/signature.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace signflow;
using namespace signflow::test;
using nlohmann::json;
using Catch::Contains;

namespace {

json webhook_settings(std::string url, json more = json::object()) {
    json s = {{"url", std::move(url)}, {"secret", "whsec_test"}, {"events", json::array({"envelope.completed", "envelope.declined"})}};
    s.update(more);
    return s;
}

std::unique_ptr<engine::Connector> webhook(json settings) {
    return connectors::make_webhook_connector(spec_of("webhook", std::move(settings), "erp"), {});
}

}  // namespace

TEST_CASE("webhook: the signature is Stripe's scheme over t.body", "[webhook]") {
    // Python: hmac.new(b"whsec_test", b"1714564800.{}", hashlib.sha256).hexdigest()
    CHECK(connectors::webhook::signature("whsec_test", 1714564800, "{}") ==
          "t=1714564800,v1=" + connectors::webhook::hmac_sha256_hex("whsec_test", "1714564800.{}"));
    // RFC 4231 test case 2.
    CHECK(connectors::webhook::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("webhook: a lifecycle event arrives signed, with its id and the envelope", "[webhook]") {
    TempDir tmp;
    FakeApi receiver(tmp.path(), "receiver", {"--secret", "whsec_test"});
    auto hook = webhook(webhook_settings(receiver.url("/hooks/signflow")));
    auto r = hook->deliver(event("envelope.completed"));
    REQUIRE(r.ok);
    CHECK(r.detail == json{{"status", 200}, {"receipt", "rcpt_1"}, {"event", "envelope.completed"}});
    auto got = receiver.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0]["verified"] == true);
    CHECK(got[0]["path"] == "/hooks/signflow");
    auto const& h = got[0]["headers"];
    CHECK(h["signflow-event"] == "envelope.completed");
    CHECK(h["idempotency-key"] == "42:9");
    CHECK(h["content-type"] == "application/json");
    CHECK(std::regex_match(h["signflow-signature"].get<std::string>(), std::regex("t=[0-9]+,v1=[0-9a-f]{64}")));
    CHECK(json::parse(got[0]["body"].get<std::string>()) ==
          json{{"id", "42:9"},
               {"event", "envelope.completed"},
               {"created_at", "2024-05-01T12:00:00Z"},
               {"envelope", {{"id", 42}, {"workflow", "nda_onboarding"}, {"version", "9f2c"}, {"state", "completed"}}},
               {"data", {{"signer", "ada@example.com"}, {"role", "client"}}}});
}

TEST_CASE("webhook: a receiver that fails twice gets the same event three times, then not again", "[webhook]") {
    TempDir tmp;
    FakeApi receiver(tmp.path(), "receiver", {"--secret", "whsec_test", "--fail", "2"});
    auto hook = webhook(webhook_settings(receiver.url("/hook")));
    auto d = event("envelope.completed");
    int attempts = 0;
    engine::DeliveryResult r;
    // What the dispatcher does, without its waits: call again until ok, a
    // dead letter, or the policy's attempts are used up.
    do {
        d.attempt = ++attempts;
        r = hook->deliver(d);
        if (!r.ok) {
            CHECK_FALSE(r.permanent);
            CHECK_THAT(r.error, Contains("webhook POST 127.0.0.1:") && Contains("answered 503"));
        }
    } while (!r.ok && !r.permanent && attempts < hook->retry()->max_attempts);
    CHECK(r.ok);
    CHECK(attempts == 3);
    auto got = receiver.received();
    REQUIRE(got.size() == 3);
    for (auto const& g : got) {
        CHECK(g["verified"] == true);  // each attempt signed afresh
        CHECK(json::parse(g["body"].get<std::string>())["id"] == "42:9");
    }
}

TEST_CASE("webhook: a 4xx is a dead letter, except 408, 409, 425 and 429", "[webhook]") {
    auto [status, permanent] =
        GENERATE(table<int, bool>({{400, true}, {403, true}, {410, true}, {409, false}, {429, false}, {502, false}}));
    TempDir tmp;
    FakeApi receiver(tmp.path(), "receiver", {"--status", std::to_string(status)});
    auto r = webhook(webhook_settings(receiver.url("/hook")))->deliver(event("envelope.declined"));
    CHECK_FALSE(r.ok);
    CHECK(r.permanent == permanent);
    CHECK_THAT(r.error, Contains("answered " + std::to_string(status)) && Contains("rejected by the receiver"));
}

TEST_CASE("webhook: a receiver with another secret refuses the signature: a dead letter", "[webhook]") {
    TempDir tmp;
    FakeApi receiver(tmp.path(), "receiver", {"--secret", "someone-else"});
    auto r = webhook(webhook_settings(receiver.url("/hook")))->deliver(event("envelope.completed"));
    CHECK(r.permanent);
    CHECK_THAT(r.error, Contains("answered 401") && Contains("bad signature") && !Contains("whsec_test"));
    CHECK(receiver.received().at(0)["verified"] == false);
}

TEST_CASE("webhook: hanging and down receivers are retried", "[webhook]") {
    SECTION("hangs: the call ends at the timeout") {
        TempDir tmp;
        FakeApi receiver(tmp.path(), "hang");
        auto r = webhook(webhook_settings(receiver.url("/hook"), {{"timeout", "1s"}}))->deliver(event("envelope.completed"));
        CHECK_FALSE(r.ok);
        CHECK_FALSE(r.permanent);
        CHECK_THAT(r.error, Contains("timed out"));
    }
    SECTION("down: connection refused") {
        RefusingPort down;
        auto r = webhook(webhook_settings("http://127.0.0.1:" + std::to_string(down.port()) + "/hook"))
                     ->deliver(event("envelope.completed"));
        CHECK_FALSE(r.ok);
        CHECK_FALSE(r.permanent);
        CHECK_THAT(r.error, Contains("refused"));
    }
}

TEST_CASE("webhook: invoke and notify deliveries become workflow.invoke and workflow.notify", "[webhook]") {
    TempDir tmp;
    FakeApi receiver(tmp.path(), "receiver", {"--secret", "whsec_test"});
    auto hook = webhook(webhook_settings(receiver.url("/hook")));
    REQUIRE(hook->deliver(invoke("provision", {{"seats", 5}})).ok);
    engine::Delivery note;
    note.key = "42:10";
    note.instance = 42;
    note.workflow = "nda_onboarding";
    note.kind = "notify";
    note.data = {{"workflow", "nda_onboarding"}, {"data", "NDA signed by Ada"}};
    REQUIRE(hook->deliver(note).ok);
    auto got = receiver.received();
    REQUIRE(got.size() == 2);
    auto first = json::parse(got[0]["body"].get<std::string>());
    CHECK(first["event"] == "workflow.invoke");
    CHECK(first["operation"] == "provision");
    CHECK(first["data"] == json{{"seats", 5}});
    CHECK(first["envelope"] == json{{"id", 42}, {"workflow", "nda_onboarding"}});
    CHECK(got[0]["headers"]["signflow-event"] == "workflow.invoke");
    auto second = json::parse(got[1]["body"].get<std::string>());
    CHECK(second["event"] == "workflow.notify");
    CHECK(second["data"] == json{{"text", "NDA signed by Ada"}});
    CHECK(std::regex_match(second["created_at"].get<std::string>(),
                           std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")));
}

TEST_CASE("webhook: events and workflows not subscribed are not sent", "[webhook]") {
    TempDir tmp;
    FakeApi receiver(tmp.path(), "receiver");
    auto hook = webhook(webhook_settings(receiver.url("/hook"), {{"workflows", json::array({"hr_offer_letter"})}}));
    auto other_event = hook->deliver(event("recipient.viewed"));
    CHECK(other_event.ok);
    CHECK_THAT(other_event.detail["skipped"].get<std::string>(), Contains("recipient.viewed"));
    auto other_workflow = hook->deliver(event("envelope.completed"));
    CHECK(other_workflow.ok);
    CHECK_THAT(other_workflow.detail["skipped"].get<std::string>(), Contains("nda_onboarding"));
    CHECK(receiver.received().empty());
}

TEST_CASE("webhook: retry policy defaults and settings", "[webhook][config]") {
    using namespace std::chrono_literals;
    auto policy = webhook(webhook_settings("http://127.0.0.1:1/"))->retry();
    REQUIRE(policy);
    CHECK(policy->max_attempts == 13);  // the first attempt and 12 retries
    CHECK(policy->base == 5min);
    CHECK(policy->cap == 12h);
    auto custom = webhook(webhook_settings("http://127.0.0.1:1/",
                                           {{"retries", 3}, {"backoff_base", "1s"}, {"backoff_cap", "1m"}}))
                      ->retry();
    CHECK(custom->max_attempts == 4);
    CHECK(custom->base == 1s);
    CHECK(custom->cap == 1min);
}

TEST_CASE("webhook: settings that cannot work are refused at load", "[webhook][config]") {
    auto refused = [](json settings) -> std::string {
        try {
            webhook(std::move(settings));
        } catch (connectors::ConfigError const& e) {
            return e.what();
        }
        return "(accepted)";
    };
    CHECK_THAT(refused({{"url", "http://x/"}}), Contains("connector `erp`: `secret` required"));
    CHECK_THAT(refused(webhook_settings("http://x/", {{"events", json::array({"envelope.finished"})}})),
               Contains("unknown event `envelope.finished`") && Contains("envelope.completed"));
    CHECK_THAT(refused(webhook_settings("http://x/{{ data.id }}")), Contains("no placeholders"));
    CHECK_THAT(refused(webhook_settings("http://x/", {{"backoff_base", "1h"}, {"backoff_cap", "1m"}})),
               Contains("shorter than backoff_base"));
    CHECK_THAT(refused(webhook_settings("http://x/", {{"headers", {{"X-A", "a\r\nX-B: b"}}}})),
               Contains("line break"));
}

TEST_CASE("webhook over https: a self-signed receiver is trusted only through ca_file", "[webhook][tls]") {
    TempDir tmp;
    auto [cert, key] = self_signed(tmp.path(), "receiver", "IP:127.0.0.1,DNS:localhost");
    FakeApi receiver(tmp.path(), "receiver", {"--secret", "whsec_test", "--tls", cert.string(), key.string()});
    auto https = receiver.url("/hook", true);

    auto trusted = webhook(webhook_settings(https, {{"ca_file", cert.string()}}))->deliver(event("envelope.completed"));
    CHECK(trusted.ok);
    INFO(trusted.error);

    SECTION("by host name (SNI and the DNS name checked)") {
        auto by_name = webhook(webhook_settings("https://localhost:" + std::to_string(receiver.port()) + "/hook",
                                                {{"ca_file", cert.string()}}))
                           ->deliver(event("envelope.completed"));
        CHECK(by_name.ok);
        INFO(by_name.error);
    }
    SECTION("without ca_file the system store does not know it: retried, with the reason") {
        auto untrusted = webhook(webhook_settings(https))->deliver(event("envelope.completed"));
        CHECK_FALSE(untrusted.ok);
        CHECK_FALSE(untrusted.permanent);
        CHECK_THAT(untrusted.error, Contains("TLS handshake") && Contains("self-signed certificate"));
    }
    auto received = receiver.received();
    CHECK(received.size() >= 1);
    for (auto const& g : received) CHECK(g["verified"] == true);
}

TEST_CASE("https: a certificate for another name is refused even when trusted", "[http][tls]") {
    TempDir tmp;
    auto [cert, key] = self_signed(tmp.path(), "elsewhere", "DNS:elsewhere.example");
    FakeApi api(tmp.path(), "receiver", {"--tls", cert.string(), key.string()});
    auto connector = connectors::make_http_connector(
        spec_of("http", {{"url", api.url("/x", true)}, {"ca_file", cert.string()}}), {});
    auto r = connector->deliver(invoke("", {{"x", 1}}));
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.error, Contains("TLS handshake"));
    CHECK(api.received().empty());
}
