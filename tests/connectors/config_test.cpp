// The configuration file: its shape, ${…} secrets, durations, and the
// sample in examples/ that operators copy.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace signflow::connectors;
using test::config_error;
using test::environment;
using test::TempFolder;

namespace {

std::map<std::string, std::string> example_variables() {
    std::map<std::string, std::string> vars;
    for (char const* name : {"CRM_API_TOKEN", "BILLING_API_TOKEN", "INVOICING_API_TOKEN", "ESCROW_API_TOKEN",
                             "HRIS_API_TOKEN", "SMTP_PASSWORD", "RECRUITING_WEBHOOK_SECRET", "SMS_API_KEY",
                             "LISTING_DESK_PHONE"})
        vars[name] = std::string("value-of-") + name;
    return vars;
}

}  // namespace

namespace {
// The line of examples/signflow.toml that first holds `text` (0: none).
int example_line(std::string const& text) {
    std::ifstream in(SIGNFLOW_SOURCE_DIR "/examples/signflow.toml");
    std::string line;
    for (int number = 1; std::getline(in, line); ++number)
        if (line.find(text) != std::string::npos) return number;
    return 0;
}
}  // namespace

TEST_CASE("connector config: examples/signflow.toml loads with its variables set", "[connectors][config]") {
    auto config = load_config(SIGNFLOW_SOURCE_DIR "/examples/signflow.toml", environment(example_variables()));
    REQUIRE(config.connectors.size() == 12);
    auto const* crm = config.connector("crm");
    REQUIRE(crm);
    CHECK(crm->kind == "http");
    CHECK(crm->settings["token"] == "value-of-CRM_API_TOKEN");
    CHECK(crm->settings["retries"] == 5);
    CHECK(duration_ms(crm->settings["timeout"], "timeout", crm->at("timeout")) == 10'000);
    CHECK(crm->secrets == std::vector<std::string>{"token"});
    CHECK(crm->redacted()["token"] == "(secret)");
    CHECK(crm->redacted()["url"] == "http://127.0.0.1:8101/api/v2/{{ operation }}");
    CHECK(crm->where.line == example_line("[connectors.crm]"));
    CHECK(crm->at("token").line == example_line("token = \"${CRM_API_TOKEN}\""));

    std::map<std::string, int> kinds;
    for (auto const& c : config.connectors) ++kinds[c.kind];
    CHECK(kinds == std::map<std::string, int>{{"http", 5}, {"email", 2}, {"webhook", 1}, {"sms", 1}, {"archive", 2}, {"log", 1}});
    CHECK(config.connector("deed_vault")->settings["layout"] == "{year}/{envelope}");
    CHECK(config.connector("nowhere") == nullptr);
    CHECK(config.plugins.empty());
    CHECK(config.documents.is_null());
}

TEST_CASE("connector config: the example names the variable it misses, not a value", "[connectors][config]") {
    auto vars = example_variables();
    vars.erase("SMTP_PASSWORD");
    auto message = config_error([&] { load_config(SIGNFLOW_SOURCE_DIR "/examples/signflow.toml", environment(vars)); });
    // Where the file first writes the variable: its line, and the column of
    // the string that holds it.
    std::ifstream in(SIGNFLOW_SOURCE_DIR "/examples/signflow.toml");
    std::string line;
    int number = 0, column = 0;
    while (std::getline(in, line)) {
        ++number;
        if (auto at = line.find("\"${SMTP_PASSWORD}\""); at != std::string::npos) {
            column = static_cast<int>(at) + 1;
            break;
        }
    }
    REQUIRE(column > 0);
    CHECK_THAT(message, Catch::Contains("examples/signflow.toml:" + std::to_string(number) + ":" +
                                        std::to_string(column) + ": environment variable SMTP_PASSWORD is not set"));
}

TEST_CASE("connector config: secrets in nested tables and arrays are expanded and redacted", "[connectors][config]") {
    TempFolder dir;
    auto file = dir.write("signflow.toml", R"(
[connectors.ops]
kind = "echo"
to = ["ops@example.com", "${PAGER}"]
escaped = "literal $${HOME}"
[connectors.ops.auth]
header = "Bearer ${TOKEN}"
"dotted.key" = "${TOKEN}"
)");
    auto config = load_config(file, environment({{"PAGER", "pager@example.com"}, {"TOKEN", "t0k3n"}}));
    auto const& ops = config.connectors.at(0);
    CHECK(ops.settings["to"][1] == "pager@example.com");
    CHECK(ops.settings["auth"]["header"] == "Bearer t0k3n");
    CHECK(ops.settings["escaped"] == "literal ${HOME}");
    auto redacted = ops.redacted();
    CHECK(redacted["to"] == nlohmann::json{"ops@example.com", "(secret)"});
    CHECK(redacted["auth"]["header"] == "(secret)");
    CHECK(redacted["auth"]["dotted.key"] == "(secret)");
    CHECK(redacted.dump().find("t0k3n") == std::string::npos);
    CHECK(redacted.dump().find("pager@") == std::string::npos);
}

TEST_CASE("connector config: mistakes are reported with file:line:col", "[connectors][config]") {
    TempFolder dir;
    // SET's value is one no path can contain by chance: the check at the end
    // (no value in a message) once used "x", and mkdtemp's random folder name
    // holds an "x" about one time in ten.
    std::string const value = "s3cr3t-v4lue-of-SET";
    auto error_for = [&](std::string const& text) {
        auto file = dir.write("bad.toml", text);
        return config_error([&] { load_config(file, environment({{"SET", value}})); });
    };
    auto const file = (dir.path() / "bad.toml").string();
    CHECK(error_for("[connectors.crm\nkind = \"http\"\n").rfind(file + ":1:", 0) == 0);
    CHECK(error_for("[connectors.crm]\nurl = \"x\"\n") ==
          file + ":1:1: connector `crm` has no `kind` (http, webhook, archive, log, email, sms or a plugin's kind)");
    CHECK(error_for("[connectors.crm]\nkind = 3\n") == file + ":2:8: connector `crm`: `kind` must be a non-empty string");
    CHECK(error_for("connectors = 3\n") == file + ":1:14: `connectors` must be a table");
    CHECK(error_for("[connectors]\ncrm = \"http\"\n") == file + ":2:7: connectors.crm must be a table");
    CHECK(error_for("[connectors.a]\nkind = \"log\"\ntoken = \"${UNSET}\"\n") ==
          file + ":3:9: environment variable UNSET is not set");
    CHECK_THAT(error_for("[connectors.a]\nkind = \"log\"\ntoken = \"${SET\"\n"), Catch::Contains(":3:9: unterminated \"${\""));
    CHECK_THAT(error_for("[connectors.a]\nkind = \"log\"\ntoken = \"${1X}\"\n"),
               Catch::Contains("\"${1X}\" is not an environment variable's name"));
    CHECK(error_for("[sources.typeform]\ntolerance = \"5m\"\n").rfind(file + ":1:1: source `typeform` has no `secret`", 0) == 0);
    CHECK_THAT(error_for("[sources.typeform]\nsecret = \"s\"\ntolerance = \"5 minutes\"\n"),
               Catch::Contains(":3:13: `tolerance` \"5 minutes\" has a number without a unit"));
    CHECK(error_for("[plugins]\nfolders = \"p\"\n") ==
          file + ":2:11: [plugins] has no setting `folders` (only `folder` and `load`)");
    CHECK(error_for("[plugins]\nfolder = \"p\"\n") ==
          file + ":1:1: [plugins] needs `load`, the plugin files to open, e.g. load = [\"crm.so\"]: the daemon opens "
                 "only the plugins it is told to");
    CHECK(error_for("[plugins]\nload = [\"a.so\"]\n") == file + ":1:1: [plugins] needs `folder`, the folder its plugins are in");
    CHECK(error_for("[plugins]\nfolder = \"p\"\nload = [\"../evil.so\"]\n") ==
          file + ":3:9: [plugins] `load` names files in the plugins folder: a name ending in .so, without a `/`");
    CHECK(error_for("[plugins]\nfolder = \"p\"\nload = \"a.so\"\n") ==
          file + ":3:8: [plugins] `load` is a list of file names, e.g. load = [\"crm.so\"]");
    CHECK_THAT(error_for("[connectors.a]\nkind = \"log\"\ntoken = \"${UNSET}\"\n"), !Catch::Contains(value));
    CHECK_THAT(error_for("[connectors.a]\nkind = \"log\"\ntoken = \"${SET\"\n"), !Catch::Contains(value));
}

TEST_CASE("connector config: sources, plugins and documents", "[connectors][config]") {
    TempFolder dir;
    auto file = dir.write("conf/signflow.toml", R"(
[sources.typeform]
secret = "${TYPEFORM_SECRET}"
[sources.stripe]
secret = "whsec"
tolerance = "10m"
events = ["payment"]
[plugins]
folder = "../plugins"
load = ["crm.so", "erp.so"]
[documents]
key = "seal.key"
tsa = { url = "http://127.0.0.1:9/tsa", password = "${TSA_PASSWORD}" }
)");
    auto config = load_config(file, environment({{"TYPEFORM_SECRET", "tf"}, {"TSA_PASSWORD", "pw"}}));
    REQUIRE(config.sources.size() == 2);
    CHECK(config.source("typeform")->secret == "tf");
    CHECK(config.source("typeform")->tolerance_seconds == 300);
    CHECK(config.source("stripe")->tolerance_seconds == 600);
    CHECK(config.source("stripe")->settings == nlohmann::json{{"events", {"payment"}}});
    CHECK(config.plugins == (dir.path() / "plugins"));
    CHECK(config.plugin_files == std::vector<std::string>{"crm.so", "erp.so"});
    CHECK(config.documents["key"] == "seal.key");
    CHECK(config.documents["tsa"]["password"] == "pw");
}

TEST_CASE("connector config: durations", "[connectors][config]") {
    Where here{"f.toml", 1, 1};
    auto ms = [&](nlohmann::json const& v) { return duration_ms(v, "timeout", here); };
    CHECK(ms("500ms") == 500);
    CHECK(ms("10s") == 10'000);
    CHECK(ms("5m") == 300'000);
    CHECK(ms("1h30m") == 5'400'000);
    CHECK(ms("3d") == 3 * 86'400'000LL);
    CHECK(ms("2w") == 14 * 86'400'000LL);
    CHECK(ms("10y") == 3650 * 86'400'000LL);
    CHECK(ms(30) == 30'000);
    CHECK(ms(1.5) == 1'500);
    CHECK(ms("0s") == 0);
    CHECK_THAT(config_error([&] { ms("10"); }), Catch::StartsWith("f.toml:1:1: `timeout` \"10\" has a number without a unit"));
    CHECK_THAT(config_error([&] { ms("10 s"); }), Catch::Contains("has a number without a unit"));
    CHECK_THAT(config_error([&] { ms("3mo"); }), Catch::Contains("unknown unit `mo`"));
    CHECK_THAT(config_error([&] { ms(-1); }), Catch::Contains("is negative"));
    CHECK_THAT(config_error([&] { ms(""); }), Catch::Contains("is empty"));
    CHECK_THAT(config_error([&] { ms(true); }), Catch::Contains("is not a duration"));
    CHECK_THAT(config_error([&] { ms("99999999999999999999s"); }), Catch::Contains("is too long"));
}
