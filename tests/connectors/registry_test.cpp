// make_connectors: the built-in kinds, the kinds not built yet, and the
// errors a wrong kind gets.
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

TEST_CASE("connector registry: log, email and sms write JSON lines, and email and sms warn", "[connectors][registry]") {
    TempFolder dir;
    auto file = dir.write("signflow.toml", R"(
[connectors.debug_log]
kind = "log"
path = "logs/debug.jsonl"
[connectors.audit_log]
kind = "log"
[connectors.sales]
kind = "email"
password = "${SMTP_PASSWORD}"
[connectors.agent_sms]
kind = "sms"
)");
    Services services;
    std::vector<std::string> warnings;
    services.warn = [&](std::string const& w) { warnings.push_back(w); };
    services.log_folder = (dir.path() / "var").string();
    auto loaded = make_connectors(load_config(file, test::environment({{"SMTP_PASSWORD", "hunter2"}})), services);
    REQUIRE(loaded.connectors.size() == 4);
    CHECK(loaded.problems.empty());
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[0] == "connector sales: kind email is not built yet; messages are written to " +
                             (dir.path() / "var/sales.jsonl").string());
    CHECK(warnings[1] == "connector agent_sms: kind sms is not built yet; messages are written to " +
                             (dir.path() / "var/agent_sms.jsonl").string());

    for (auto& c : loaded.connectors) {
        auto result = c->deliver(notify(c->name()));
        CHECK(result.ok);
        std::string error;
        CHECK(c->flush(error));
    }
    auto line = nlohmann::json::parse(read_file(dir.path() / "logs/debug.jsonl"));
    CHECK(line["key"] == "e1:notify:0");
    CHECK(line["data"]["text"] == "signed");
    CHECK(fs::exists(dir.path() / "var/audit_log.jsonl"));
    CHECK(nlohmann::json::parse(read_file(dir.path() / "var/sales.jsonl"))["target"] == "sales");
    CHECK(fs::exists(dir.path() / "var/agent_sms.jsonl"));
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
