// The `sms` kind against a gateway stand-in (fake_apis.py receiver): the
// form it posts, the credentials, and what each answer means.
#include "fake_server.hpp"
#include "signflow/connectors/messages.hpp"
#include "signflow/connectors/registry.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace signflow;
using namespace signflow::connectors;
using signflow::test::FakeApi;
using signflow::test::TempDir;

namespace {

Loaded load(TempDir const& dir, std::string const& toml) {
    auto file = dir.path() / "signflow.toml";
    std::ofstream(file) << toml;
    auto config = load_config(file, [](std::string const& name) -> std::optional<std::string> {
        if (name == "SMS_API_KEY") return "key_live_1";
        if (name == "LISTING_DESK_PHONE") return "+15550142";
        return std::nullopt;
    });
    return make_connectors(config, Services{});
}

engine::Delivery notify() {
    engine::Delivery d;
    d.key = "7/1/0";
    d.instance = 7;
    d.workflow = "real_estate_purchase";
    d.kind = "notify";
    d.target = "agent_sms";
    d.data = {{"workflow", "real_estate_purchase"}, {"data", "Offer signed & accepted: 12 Elm St"}};
    return d;
}

std::string agent_sms(std::string const& url) {
    // The examples' entry (examples/signflow.toml), with the stand-in's URL.
    return "[connectors.agent_sms]\nkind = \"sms\"\nurl = \"" + url +
           "\"\napi_key = \"${SMS_API_KEY}\"\nsender_id = \"ACMEREALTY\"\nto = \"${LISTING_DESK_PHONE}\"\n";
}

}  // namespace

TEST_CASE("sms: notify posts To, From and Body with basic auth", "[sms]") {
    TempDir dir;
    FakeApi gateway(dir.path(), "receiver", {"--status", "201"});
    auto loaded = load(dir, agent_sms(gateway.url("/sms/send")));
    REQUIRE(loaded.sms.count("agent_sms"));
    auto result = loaded.connectors.at(0)->deliver(notify());
    INFO(result.error);
    REQUIRE(result.ok);
    CHECK(result.detail["receipts"] == nlohmann::json::array({"rcpt_1"}));
    auto got = gateway.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0]["method"] == "POST");
    CHECK(got[0]["path"] == "/sms/send");
    CHECK(got[0]["headers"]["content-type"] == "application/x-www-form-urlencoded");
    CHECK(got[0]["body"] == "To=%2B15550142&From=ACMEREALTY&Body=Offer+signed+%26+accepted%3A+12+Elm+St");
    CHECK(got[0]["headers"]["authorization"] == "Basic a2V5X2xpdmVfMTo=");  // "key_live_1:"
}

TEST_CASE("sms: account and token are the basic-auth pair", "[sms]") {
    TempDir dir;
    FakeApi gateway(dir.path(), "receiver", {"--status", "201"});
    auto loaded = load(dir, "[connectors.texts]\nkind = \"sms\"\nurl = \"" + gateway.url("/Messages.json") +
                                "\"\naccount = \"AC1\"\ntoken = \"t0k\"\nfrom = \"+15550000\"\nto = [\"+15550001\", \"+15550002\"]\n");
    auto result = loaded.connectors.at(0)->deliver(notify());
    REQUIRE(result.ok);
    auto got = gateway.received();
    REQUIRE(got.size() == 2);
    CHECK(got[0]["headers"]["authorization"] == "Basic QUMxOnQwaw==");
    CHECK_THAT(got[1]["body"].get<std::string>(), Catch::StartsWith("To=%2B15550002&From=%2B15550000&"));
}

TEST_CASE("sms: 429 and 5xx are retried, other 4xx are permanent", "[sms]") {
    TempDir dir;
    SECTION("429") {
        FakeApi gateway(dir.path(), "receiver", {"--fail", "5", "--fail-status", "429"});
        auto loaded = load(dir, agent_sms(gateway.url("/sms/send")));
        auto result = loaded.connectors.at(0)->deliver(notify());
        CHECK_FALSE(result.ok);
        CHECK_FALSE(result.permanent);
        CHECK_THAT(result.error, Catch::Contains("HTTP 429"));
    }
    SECTION("503") {
        FakeApi gateway(dir.path(), "receiver", {"--fail", "5", "--fail-status", "503"});
        auto loaded = load(dir, agent_sms(gateway.url("/sms/send")));
        auto result = loaded.connectors.at(0)->deliver(notify());
        CHECK_FALSE(result.ok);
        CHECK_FALSE(result.permanent);
    }
    SECTION("400") {
        FakeApi gateway(dir.path(), "receiver", {"--status", "400"});
        auto loaded = load(dir, agent_sms(gateway.url("/sms/send")));
        auto result = loaded.connectors.at(0)->deliver(notify());
        CHECK_FALSE(result.ok);
        CHECK(result.permanent);
        CHECK_THAT(result.error, Catch::Contains("HTTP 400") && Catch::Contains("rejected by the receiver"));
    }
    SECTION("down") {
        test::RefusingPort port;
        auto loaded = load(dir, agent_sms("http://127.0.0.1:" + std::to_string(port.port()) + "/sms/send"));
        auto result = loaded.connectors.at(0)->deliver(notify());
        CHECK_FALSE(result.ok);
        CHECK_FALSE(result.permanent);
        CHECK_THAT(result.error, Catch::Contains("cannot connect"));
    }
}

TEST_CASE("sms: settings are checked when the file loads", "[sms]") {
    TempDir dir;
    auto error = [&](std::string const& toml) {
        try {
            load(dir, toml);
        } catch (ConfigError const& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK_THAT(error("[connectors.t]\nkind = \"sms\"\nurl = \"http://127.0.0.1:1/x\"\n"),
               Catch::Contains("needs credentials"));
    CHECK_THAT(error("[connectors.t]\nkind = \"sms\"\nurl = \"ftp://x\"\napi_key = \"k\"\n"),
               Catch::Contains("signflow.toml:3:") && Catch::Contains("`url`"));
    CHECK_THAT(error("[connectors.t]\nkind = \"sms\"\nurl = \"http://h/x\"\napi_key = \"k\"\nsender = \"x\"\n"),
               Catch::Contains("`sender` unknown setting"));
}
