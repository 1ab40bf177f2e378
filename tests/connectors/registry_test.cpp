// make_connectors: the built-in kinds, the transports of email and sms, and
// the errors a wrong kind gets (tests/connectors/mail_*.cpp and sms_test.cpp
// send real mail and texts).
#include "support.hpp"

#include "signflow/connectors/registry.hpp"

#include <catch2/catch.hpp>

using namespace signflow;
using namespace signflow::connectors;
using test::config_error;
using test::read_file;
using test::TempFolder;
namespace fs = std::filesystem;

namespace {

engine::Delivery notify(std::string target) {
    engine::Delivery d;
    d.key = "e1:notify:0";
    d.instance = 1;
    d.workflow = "client_nda";
    d.kind = "notify";
    d.target = std::move(target);
    d.data = {{"text", "signed"}};
    return d;
}

}  // namespace

TEST_CASE("connector registry: log writes JSON lines, email and sms hand out their transports", "[connectors][registry]") {
    TempFolder dir;
    auto file = dir.write("signflow.toml", R"(
[connectors.debug_log]
kind = "log"
path = "logs/debug.jsonl"
[connectors.audit_log]
kind = "log"
[connectors.sales]
kind = "email"
smtp_host = "127.0.0.1"
password = "${SMTP_PASSWORD}"
username = "signflow"
from = "signflow@acme.example"
[connectors.agent_sms]
kind = "sms"
url = "http://127.0.0.1:9/sms"
api_key = "k"
)");
    Services services;
    std::vector<std::string> warnings;
    services.warn = [&](std::string const& w) { warnings.push_back(w); };
    services.log_folder = (dir.path() / "var").string();
    auto loaded = make_connectors(load_config(file, test::environment({{"SMTP_PASSWORD", "hunter2"}})), services);
    REQUIRE(loaded.connectors.size() == 4);
    CHECK(loaded.problems.empty());
    CHECK(warnings.empty());
    CHECK(loaded.mail.size() == 1);
    CHECK(loaded.mail.count("sales"));
    CHECK(loaded.sms.size() == 1);
    CHECK(loaded.sms.count("agent_sms"));

    for (auto& c : loaded.connectors) {
        if (c->name() == "sales" || c->name() == "agent_sms") continue;
        auto result = c->deliver(notify(c->name()));
        CHECK(result.ok);
        std::string error;
        CHECK(c->flush(error));
    }
    auto line = nlohmann::json::parse(read_file(dir.path() / "logs/debug.jsonl"));
    CHECK(line["key"] == "e1:notify:0");
    CHECK(line["data"]["text"] == "signed");
    CHECK(fs::exists(dir.path() / "var/audit_log.jsonl"));
    CHECK_FALSE(fs::exists(dir.path() / "var/sales.jsonl"));
}

TEST_CASE("connector registry: an unknown kind names the connector, where, and the known kinds", "[connectors][registry]") {
    TempFolder dir;
    auto file = dir.write("signflow.toml", "\n[connectors.archive_it]\nkind = \"archve\"\npath = \"x\"\n");
    auto message = config_error([&] { make_connectors(load_config(file, {}), Services{}); });
    CHECK_THAT(message, Catch::StartsWith(file.string() + ":2:1: connector `archive_it`: unknown kind `archve`; known kinds: archive, "));
    CHECK_THAT(message, Catch::EndsWith("; did you mean `archive`?"));

    auto bad_log = dir.write("log.toml", "[connectors.l]\nkind = \"log\"\nfile = \"x\"\n");
    CHECK(config_error([&] { make_connectors(load_config(bad_log, {}), Services{}); }) ==
          bad_log.string() + ":3:8: connector `l` (log): unknown setting `file` (known: path)");
}
