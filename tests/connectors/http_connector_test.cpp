// The `http` connector against real servers on 127.0.0.1 (fake_apis.py):
// what arrives (method, path, headers, body), what each answer means for
// the delivery (ok, retry, dead letter), and the request templates.
#include "fake_server.hpp"
#include "http/template.hpp"
#include "http_support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace signflow;
using namespace signflow::test;
using nlohmann::json;
using Catch::Contains;
namespace http = signflow::connectors::http;

TEST_CASE("templates: a lone placeholder keeps the value's type, text around it interpolates", "[http][template]") {
    json context = {{"envelope", {{"id", 42}, {"workflow", "nda"}}},
                    {"data", {{"amount", 1200.5}, {"items", {{{"sku", "A-1"}}}}, {"deal", {{"id", "d/7"}}}}}};
    json tmpl = {{"amount", "{{ data.amount }}"},
                 {"deal", "{{data.deal}}"},
                 {"note", "Envelope {{ envelope.id }} of {{ envelope.workflow }}"},
                 {"sku", json::array({"{{ data.items.0.sku }}", "fixed"})},
                 {"n", 3}};
    json out = http::render(tmpl, context);
    CHECK(out["amount"] == 1200.5);
    CHECK(out["deal"] == json{{"id", "d/7"}});
    CHECK(out["note"] == "Envelope 42 of nda");
    CHECK(out["sku"] == json::array({"A-1", "fixed"}));
    CHECK(out["n"] == 3);
    // In a URL a value is one path segment, whatever it holds.
    CHECK(http::interpolate("https://x/deals/{{ data.deal.id }}", context, http::Escape::url_path) ==
          "https://x/deals/d%2F7");
    // A value cannot move the request to another resource: "..", "." and
    // nothing are refused in the path (not in the query).
    for (char const* bad : {"..", ".", ""}) {
        json c = context;
        c["data"]["deal"]["id"] = bad;
        CHECK_THROWS_WITH(http::interpolate("https://x/deals/{{ data.deal.id }}/notes", c, http::Escape::url_path),
                          Contains("cannot stand in a URL's path"));
        CHECK_NOTHROW(http::interpolate("https://x/deals?id={{ data.deal.id }}", c, http::Escape::url_path));
    }
    CHECK_THROWS_WITH(http::render(json("{{ data.missing }}"), context), Contains("no value at `data.missing`"));
    CHECK_THROWS_WITH(http::render(json("{{ data.items.3.sku }}"), context), Contains("data.items.3.sku"));
    CHECK(http::check_template(json{{"a", "{{ data.x"}}).value_or("") != "");
    CHECK(http::check_template(json{{"a", "{{ }}"}}).value_or("") != "");
    CHECK_FALSE(http::check_template(tmpl));
}

TEST_CASE("templates: form encoding the way Stripe reads nested values", "[http][template]") {
    json body = {{"customer", "cus_1"},
                 {"days_until_due", 30},
                 {"auto_advance", true},
                 {"description", "Envelope 42 & co"},
                 {"metadata", {{"envelope", "42"}}},
                 {"items", json::array({"a b", "c"})},
                 {"unset", nullptr}};
    CHECK(http::form_encode(body) ==
          "auto_advance=true&customer=cus_1&days_until_due=30&description=Envelope+42+%26+co&"
          "items%5B0%5D=a+b&items%5B1%5D=c&metadata%5Benvelope%5D=42&unset=");
}

TEST_CASE("http: POSTs the `with` object as JSON with the token and the idempotency key", "[http]") {
    TempDir tmp;
    FakeApi api(tmp.path(), "receiver");
    auto connector = connectors::make_http_connector(spec_of("http", {{"url", api.url("/api/v2/{{ operation }}")},
                                                                      {"token", "t0k3n"},
                                                                      {"idempotency_header", "Idempotency-Key"},
                                                                      {"headers", {{"X-Envelope", "{{ envelope.id }}"}}}}),
                                                     {});
    auto result = connector->deliver(invoke("update_deal", {{"deal_id", 7}, {"stage", "won"}}));
    REQUIRE(result.ok);
    CHECK(result.detail == json{{"status", 200}, {"receipt", "rcpt_1"}});
    auto got = api.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0]["method"] == "POST");
    CHECK(got[0]["path"] == "/api/v2/update_deal");
    CHECK(got[0]["headers"]["authorization"] == "Bearer t0k3n");
    CHECK(got[0]["headers"]["idempotency-key"] == "42:7");
    CHECK(got[0]["headers"]["x-envelope"] == "42");
    CHECK(got[0]["headers"]["content-type"] == "application/json");
    CHECK_THAT(got[0]["headers"]["user-agent"].get<std::string>(), Catch::StartsWith("signflow/"));
    CHECK(json::parse(got[0]["body"].get<std::string>()) == json{{"deal_id", 7}, {"stage", "won"}});
}

TEST_CASE("http: a failing receiver is retried with the same key until it answers 2xx", "[http]") {
    TempDir tmp;
    FakeApi api(tmp.path(), "receiver", {"--fail", "2", "--fail-status", "503"});
    auto connector = connectors::make_http_connector(
        spec_of("http", {{"url", api.url("/deals")}, {"idempotency_header", "Idempotency-Key"}}), {});
    auto d = invoke("", {{"deal_id", 7}});
    for (int attempt = 1; attempt <= 2; ++attempt) {
        d.attempt = attempt;
        auto r = connector->deliver(d);
        CHECK_FALSE(r.ok);
        CHECK_FALSE(r.permanent);
        CHECK_THAT(r.error, Contains("answered 503") && Contains("temporarily unavailable"));
    }
    d.attempt = 3;
    CHECK(connector->deliver(d).ok);
    auto got = api.received();
    REQUIRE(got.size() == 3);
    for (auto const& g : got) {
        CHECK(g["headers"]["idempotency-key"] == "42:7");
        CHECK(g["body"] == got[0]["body"]);
    }
}

TEST_CASE("http: what each status means for the delivery", "[http]") {
    auto [status, permanent] = GENERATE(table<int, bool>({{400, true},
                                                          {401, true},
                                                          {404, true},
                                                          {422, true},
                                                          {408, false},
                                                          {409, false},
                                                          {425, false},
                                                          {429, false},
                                                          {500, false},
                                                          {503, false}}));
    TempDir tmp;
    FakeApi api(tmp.path(), "receiver", {"--status", std::to_string(status)});
    auto connector = connectors::make_http_connector(spec_of("http", {{"url", api.url("/hook")}}), {});
    auto r = connector->deliver(invoke("", {{"x", 1}}));
    INFO("status " << status << ": " << r.error);
    CHECK_FALSE(r.ok);
    CHECK(r.permanent == permanent);
    CHECK_THAT(r.error, Contains("POST 127.0.0.1:" + std::to_string(api.port()) + " answered " +
                                 std::to_string(status) + ": {\"error\": \"rejected by the receiver\""));
}

TEST_CASE("http: a receiver that hangs costs the timeout and is retried", "[http]") {
    TempDir tmp;
    FakeApi api(tmp.path(), "hang");
    auto connector = connectors::make_http_connector(spec_of("http", {{"url", api.url("/slow")}, {"timeout", "1s"}}), {});
    auto r = connector->deliver(invoke("", {{"x", 1}}));
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.permanent);
    CHECK_THAT(r.error, Contains("timed out"));
    // It did arrive; the answer never came. The server records the request
    // once it has read it, which a busy machine may do after our timeout:
    // wait for the record itself (the timeout says nothing about it).
    auto got = api.received();
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
         got.empty() && std::chrono::steady_clock::now() < until; got = api.received())
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(got.size() == 1);
}

TEST_CASE("http: a receiver that is down is retried", "[http]") {
    RefusingPort down;
    auto connector = connectors::make_http_connector(
        spec_of("http", {{"url", "http://127.0.0.1:" + std::to_string(down.port()) + "/x"}}), {});
    auto r = connector->deliver(invoke("", {{"x", 1}}));
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.permanent);
    CHECK_THAT(r.error, Contains("cannot connect") && Contains("refused"));
}

TEST_CASE("http: a delivery that lacks what a template names is a dead letter, nothing is sent", "[http]") {
    TempDir tmp;
    FakeApi api(tmp.path(), "receiver");
    auto connector = connectors::make_http_connector(
        spec_of("http", {{"url", api.url("/deals/{{ data.deal_id }}")}, {"method", "patch"}}), {});
    auto r = connector->deliver(invoke("", {{"stage", "won"}}));
    CHECK_FALSE(r.ok);
    CHECK(r.permanent);
    CHECK_THAT(r.error, Contains("connector crm") && Contains("no value at `data.deal_id`"));
    CHECK(api.received().empty());
}

TEST_CASE("http: operations choose url, method and body, an unknown one is a dead letter", "[http]") {
    TempDir tmp;
    FakeApi api(tmp.path(), "receiver");
    json settings = {{"url", api.url("/base")},
                     {"operations",
                      {{"close", {{"method", "PUT"}, {"url", api.url("/deals/{{ data.id }}/close")}}},
                       {"note", {{"body", {{"text", "{{ data.text }}"}, {"envelope", "{{ envelope.id }}"}}}}}}}};
    auto connector = connectors::make_http_connector(spec_of("http", settings), {});
    CHECK(connector->deliver(invoke("close", {{"id", "d1"}})).ok);
    CHECK(connector->deliver(invoke("note", {{"text", "signed"}, {"extra", 1}})).ok);
    auto r = connector->deliver(invoke("reopen", {{"id", "d1"}}));
    CHECK(r.permanent);
    CHECK_THAT(r.error, Contains("no operation `reopen`") && Contains("close, note"));
    auto got = api.received();
    REQUIRE(got.size() == 2);
    CHECK(got[0]["method"] == "PUT");
    CHECK(got[0]["path"] == "/deals/d1/close");
    CHECK(got[1]["method"] == "POST");
    CHECK(got[1]["path"] == "/base");
    CHECK(json::parse(got[1]["body"].get<std::string>()) == json{{"text", "signed"}, {"envelope", 42}});
}

TEST_CASE("http: settings that cannot work are refused at load, naming where", "[http][config]") {
    auto refused = [](json settings) -> std::string {
        try {
            connectors::make_http_connector(spec_of("http", std::move(settings)), {});
        } catch (connectors::ConfigError const& e) {
            return e.what();
        }
        return "(accepted)";
    };
    CHECK_THAT(refused({{"method", "POST"}}), Contains("signflow.toml:3:1") && Contains("`url` required"));
    CHECK_THAT(refused({{"url", "ftp://x/y"}}), Contains("unsupported scheme `ftp`"));
    CHECK_THAT(refused({{"url", "http://x/{{ data.id"}}), Contains("not closed"));
    CHECK_THAT(refused({{"url", "http://x/"}, {"method", "FETCH"}}), Contains("`method`") && Contains("FETCH"));
    CHECK_THAT(refused({{"url", "http://x/"}, {"tokn", "abc"}}), Contains("`tokn` unknown setting") && Contains("token"));
    CHECK_THAT(refused({{"url", "http://x/"}, {"timeout", "soon"}}), Contains("timeout"));
    CHECK_THAT(refused({{"url", "http://x/"}, {"retries", -1}}), Contains("`retries`"));
    CHECK_THAT(refused({{"url", "http://x/"}, {"content_type", "text/xml"}}), Contains("`content_type`"));
    CHECK_THAT(refused({{"url", "http://x/"}, {"content_type", "application/x-www-form-urlencoded"}, {"body", "{{ data }}"}}),
               Contains("must be a table"));
    CHECK_THAT(refused({{"operations", {{"a", {{"method", "PUT"}}}}}}), Contains("`operations.a.url` required"));
    CHECK_THAT(refused({{"url", "http://x/"}, {"operations", {{"a", {{"verb", "PUT"}}}}}}),
               Contains("`operations.a.verb` unknown"));
    CHECK_THAT(refused({{"url", "http://x/"}, {"ca_file", "/nonexistent/ca.pem"}}), Contains("no such file"));
}

TEST_CASE("http: retries and backoff become the connector's retry policy", "[http][config]") {
    auto none = connectors::make_http_connector(spec_of("http", {{"url", "http://127.0.0.1:1/"}}), {});
    CHECK_FALSE(none->retry());
    auto some = connectors::make_http_connector(
        spec_of("http", {{"url", "http://127.0.0.1:1/"}, {"retries", 5}, {"backoff_base", "2s"}}), {});
    REQUIRE(some->retry());
    CHECK(some->retry()->max_attempts == 6);
    CHECK(some->retry()->base == std::chrono::seconds(2));
}

TEST_CASE("http: a token sent over plain http to another host is warned about", "[http][config]") {
    Warnings w;
    connectors::make_http_connector(spec_of("http", {{"url", "http://crm.example.com/api"}, {"token", "secret-value"}}),
                                    w.services());
    REQUIRE(w.lines.size() == 1);
    CHECK_THAT(w.lines[0], Contains("crm.example.com") && !Contains("secret-value"));
    connectors::make_http_connector(spec_of("http", {{"url", "http://127.0.0.1:9/api"}, {"token", "x"}}), w.services());
    CHECK(w.lines.size() == 1);
}
