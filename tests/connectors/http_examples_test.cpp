// The example configurations in examples/connectors/ against local
// stand-ins that speak each API's shape (fake_apis.py): each file is loaded
// as the daemon loads it, with only the API's base URL pointed at 127.0.0.1.
#include "fake_server.hpp"
#include "http_support.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace signflow;
using namespace signflow::test;
using nlohmann::json;
using Catch::Contains;

namespace {

// examples/connectors/NAME.toml with `base` replaced by the fake's URL,
// loaded with `env` as the environment; the connector it defines.
std::unique_ptr<engine::Connector> example(TempDir const& tmp, std::string const& name, std::string const& base,
                                           FakeApi const& api, std::map<std::string, std::string> env) {
    std::ifstream in(std::string(SIGNFLOW_SOURCE_DIR) + "/examples/connectors/" + name + ".toml");
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    std::string toml = text.str();
    auto local = api.url("/");
    local.pop_back();  // no trailing slash: the example's paths follow
    REQUIRE(toml.find(base) != std::string::npos);
    for (std::size_t at; (at = toml.find(base)) != std::string::npos;) toml.replace(at, base.size(), local);
    auto file = tmp.path() / (name + ".toml");
    std::ofstream(file) << toml;
    auto config = connectors::load_config(file, [env](std::string const& var) -> std::optional<std::string> {
        auto it = env.find(var);
        if (it == env.end()) return std::nullopt;
        return it->second;
    });
    auto const* spec = config.connector(name);
    REQUIRE(spec);
    REQUIRE(spec->kind == "http");
    return connectors::make_http_connector(*spec, {});
}

json body_of(json const& received) { return json::parse(received["body"].get<std::string>()); }

}  // namespace

TEST_CASE("example hubspot.toml: PATCH a deal's properties", "[http][examples]") {
    TempDir tmp;
    FakeApi api(tmp.path(), "hubspot");
    auto hubspot = example(tmp, "hubspot", "https://api.hubapi.com", api, {{"HUBSPOT_TOKEN", "pat-na1-test"}});
    auto r = hubspot->deliver(invoke("update_deal", {{"deal_id", 1234567}, {"stage", "closedwon"}, {"amount", 12000}}));
    REQUIRE(r.ok);
    CHECK(r.detail == json{{"status", 200}, {"receipt", "1234567"}});
    auto got = api.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0]["method"] == "PATCH");
    CHECK(got[0]["path"] == "/crm/v3/objects/deals/1234567");
    CHECK(got[0]["headers"]["authorization"] == "Bearer pat-na1-test");
    CHECK(body_of(got[0]) ==
          json{{"properties",
                {{"dealstage", "closedwon"},
                 {"amount", 12000},
                 {"signflow_envelope", 42},
                 {"description", "Contract signed in Signflow (workflow nda_onboarding, envelope 42)"}}}});

    SECTION("an operation the file does not define is a dead letter") {
        auto bad = hubspot->deliver(invoke("delete_deal", {{"deal_id", 1}}));
        CHECK(bad.permanent);
        CHECK_THAT(bad.error, Contains("update_deal"));
    }
}

TEST_CASE("example hubspot.toml: a token HubSpot refuses is a dead letter with its message", "[http][examples]") {
    TempDir tmp;
    FakeApi api(tmp.path(), "hubspot");
    auto hubspot = example(tmp, "hubspot", "https://api.hubapi.com", api, {{"HUBSPOT_TOKEN", "expired"}});
    auto r = hubspot->deliver(invoke("update_deal", {{"deal_id", 1}, {"stage", "closedwon"}, {"amount", 1}}));
    CHECK(r.permanent);
    CHECK_THAT(r.error, Contains("answered 401") && Contains("Authentication credentials not found"));
    CHECK_THAT(r.error, !Contains("expired"));  // the token is never in an error
}

TEST_CASE("example salesforce.toml: PATCH an opportunity, 204 No Content", "[http][examples]") {
    TempDir tmp;
    FakeApi api(tmp.path(), "salesforce");
    auto sf = example(tmp, "salesforce", "https://acme.my.salesforce.com", api,
                      {{"SALESFORCE_ACCESS_TOKEN", "00D5g000000abcd!AQ4AQtest"}});
    auto r = sf->deliver(invoke("close_opportunity", {{"opportunity_id", "0065g00000AbCdEAAZ"}, {"close_date", "2024-05-01"}}));
    REQUIRE(r.ok);
    CHECK(r.detail == json{{"status", 204}});
    auto got = api.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0]["method"] == "PATCH");
    CHECK(got[0]["path"] == "/services/data/v59.0/sobjects/Opportunity/0065g00000AbCdEAAZ");
    CHECK(got[0]["headers"]["authorization"] == "Bearer 00D5g000000abcd!AQ4AQtest");
    CHECK(body_of(got[0]) ==
          json{{"StageName", "Closed Won"}, {"CloseDate", "2024-05-01"}, {"Signflow_Envelope__c", 42}});
}

TEST_CASE("example stripe.toml: a form-encoded invoice, replayed by its idempotency key", "[http][examples]") {
    TempDir tmp;
    FakeApi api(tmp.path(), "stripe");
    auto stripe = example(tmp, "stripe", "https://api.stripe.com", api, {{"STRIPE_SECRET_KEY", "sk_test_51abc"}});
    auto d = invoke("create_invoice", {{"customer_id", "cus_Q1w2e3"}});
    auto first = stripe->deliver(d);
    REQUIRE(first.ok);
    CHECK(first.detail == json{{"status", 200}, {"receipt", "in_000001"}});
    // The answer to the first attempt was lost, say: the retry gets the same invoice.
    d.attempt = 2;
    auto again = stripe->deliver(d);
    REQUIRE(again.ok);
    CHECK(again.detail["receipt"] == "in_000001");

    auto got = api.received();
    REQUIRE(got.size() == 2);
    CHECK(got[0]["method"] == "POST");
    CHECK(got[0]["path"] == "/v1/invoices");
    CHECK(got[0]["headers"]["content-type"] == "application/x-www-form-urlencoded");
    CHECK(got[0]["headers"]["idempotency-key"] == "42:7");
    CHECK(got[1]["headers"]["idempotency-key"] == "42:7");
    CHECK(got[0]["form"] == json{{"customer", "cus_Q1w2e3"},
                                 {"collection_method", "send_invoice"},
                                 {"days_until_due", "30"},
                                 {"description", "Signed contract, envelope 42"},
                                 {"metadata[envelope]", "42"},
                                 {"metadata[workflow]", "nda_onboarding"}});

    SECTION("a customer Stripe does not know is a dead letter with Stripe's message") {
        auto bad = stripe->deliver(invoke("create_invoice", {{"customer_id", "bob"}}, "43:1"));
        CHECK(bad.permanent);
        CHECK_THAT(bad.error, Contains("answered 400") && Contains("Missing required param: customer."));
    }
    SECTION("a delivery without a customer is never sent") {
        auto bad = stripe->deliver(invoke("create_invoice", {{"customer", "cus_1"}}, "44:1"));
        CHECK(bad.permanent);
        CHECK_THAT(bad.error, Contains("data.customer_id"));
        CHECK(api.received().size() == 2);
    }
}

TEST_CASE("example accounting.toml: a JSON POST with an API key header", "[http][examples]") {
    TempDir tmp;
    FakeApi api(tmp.path(), "accounting", {"--api-key", "acc-key-1"});
    auto accounting = example(tmp, "accounting", "https://accounting.internal.example", api,
                              {{"ACCOUNTING_API_KEY", "acc-key-1"}});
    auto r = accounting->deliver(invoke("book", {{"customer", "Ada Ltd"}, {"amount", 1200.5}, {"currency", "EUR"}}));
    REQUIRE(r.ok);
    CHECK(r.detail == json{{"status", 201}, {"receipt", "je_1"}});
    auto got = api.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0]["path"] == "/api/v1/journal-entries");
    CHECK(got[0]["headers"]["x-api-key"] == "acc-key-1");
    CHECK(got[0]["headers"]["idempotency-key"] == "42:7");
    CHECK(body_of(got[0]) == json{{"entry",
                                   {{"reference", "signflow-42"},
                                    {"workflow", "nda_onboarding"},
                                    {"customer", "Ada Ltd"},
                                    {"amount", 1200.5},
                                    {"currency", "EUR"}}}});
}

TEST_CASE("examples/signflow.toml: its http and webhook connectors load", "[http][examples]") {
    auto config = connectors::load_config(std::string(SIGNFLOW_SOURCE_DIR) + "/examples/signflow.toml",
                                          [](std::string const&) -> std::optional<std::string> { return "x"; });
    int made = 0;
    Warnings w;
    for (auto const& spec : config.connectors) {
        INFO(spec.name);
        if (spec.kind == "http") {
            CHECK_NOTHROW(connectors::make_http_connector(spec, w.services()));
            ++made;
        } else if (spec.kind == "webhook") {
            CHECK_NOTHROW(connectors::make_webhook_connector(spec, w.services()));
            ++made;
        }
    }
    CHECK(made >= 6);
    CHECK(w.lines.empty());  // every endpoint there is on 127.0.0.1
}
