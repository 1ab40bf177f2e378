// Plugins: real shared objects (built from plugins/*.c and *.cpp) copied
// into a plugins folder and loaded through make_connectors.
#include "support.hpp"

#include "signflow/connectors/registry.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

using namespace signflow;
using namespace signflow::connectors;
using test::config_error;
using test::TempFolder;
namespace fs = std::filesystem;

namespace {

// A plugins folder holding the named test plugins (e.g. "echo.so"), the
// folder 0755 and the files 0644 whatever the umask (the loader refuses
// what its group or others may write).
fs::path plugins_folder(TempFolder const& dir, std::vector<std::string> const& plugins) {
    fs::path folder = dir.path() / "plugins";
    fs::create_directories(folder);
    fs::permissions(folder, fs::perms(0755));
    for (auto const& p : plugins) {
        fs::copy_file(fs::path(SIGNFLOW_TEST_PLUGINS) / p, folder / p);
        fs::permissions(folder / p, fs::perms(0644));
    }
    return folder;
}

// signflow.toml with [plugins] folder = "plugins", load = `files`, and
// `connectors`.
Loaded load(TempFolder const& dir, std::string const& connectors, std::vector<std::string> const& files) {
    std::string list;
    for (auto const& f : files) list += (list.empty() ? "\"" : ", \"") + f + "\"";
    auto file = dir.write("signflow.toml", "[plugins]\nfolder = \"plugins\"\nload = [" + list + "]\n" + connectors);
    return make_connectors(load_config(file, test::environment({{"ECHO_TOKEN", "s3cret"}})), Services{});
}

engine::Delivery delivery(std::string target, nlohmann::json data) {
    engine::Delivery d;
    d.key = "e5:invoke:2";
    d.instance = 5;
    d.workflow = "client_nda";
    d.kind = "invoke";
    d.target = std::move(target);
    d.operation = "create_deal";
    d.data = std::move(data);
    d.attempt = 3;
    return d;
}

}  // namespace

TEST_CASE("connector plugins: a C plugin's kind makes connectors that deliver", "[connectors][plugins]") {
    TempFolder dir;
    plugins_folder(dir, {"echo.so"});
    auto loaded = load(dir, "[connectors.crm]\nkind = \"echo\"\ntoken = \"${ECHO_TOKEN}\"\n"
                            "[connectors.second]\nkind = \"echo\"\n", {"echo.so"});
    CHECK(loaded.problems.empty());
    REQUIRE(loaded.connectors.size() == 2);
    auto& crm = *loaded.connectors[0];
    CHECK(crm.name() == "crm");
    CHECK(loaded.connectors[1]->name() == "second");

    auto result = crm.deliver(delivery("crm", {{"deal", {{"amount", 1200}, {"client", "Zoë"}}}}));
    INFO(result.error);
    REQUIRE(result.ok);
    CHECK(result.detail["connector"] == "crm");
    CHECK(result.detail["count"] == 1);
    CHECK(result.detail["echo"] == nlohmann::json{{"key", "e5:invoke:2"},
                                                  {"instance", 5},
                                                  {"workflow", "client_nda"},
                                                  {"kind", "invoke"},
                                                  {"target", "crm"},
                                                  {"operation", "create_deal"},
                                                  {"data", {{"deal", {{"amount", 1200}, {"client", "Zoë"}}}}},
                                                  {"attempt", 3}});
    CHECK(crm.deliver(delivery("crm", {})).detail["count"] == 2);  // the handle keeps its state
    CHECK(loaded.connectors[1]->deliver(delivery("second", {})).detail["count"] == 1);  // another handle

    auto retry = crm.deliver(delivery("crm", {{"mode", "retry"}}));
    CHECK_FALSE(retry.ok);
    CHECK_FALSE(retry.permanent);
    CHECK(retry.error == "echo: the far side is busy");

    auto permanent = crm.deliver(delivery("crm", {{"mode", "permanent"}}));
    CHECK_FALSE(permanent.ok);
    CHECK(permanent.permanent);
    CHECK(permanent.error == "echo: the far side refused this for good");

    auto bad_detail = crm.deliver(delivery("crm", {{"mode", "bad_detail"}}));
    CHECK(bad_detail.ok);
    CHECK(bad_detail.detail.is_null());

    auto odd = crm.deliver(delivery("crm", {{"mode", "odd_status"}}));
    CHECK_FALSE(odd.ok);
    CHECK_FALSE(odd.permanent);
    CHECK(odd.error == "kind `echo` of plugin echo.so: deliver returned 7, not a delivery status");
}

TEST_CASE("connector plugins: a C++ plugin reports what its code threw", "[connectors][plugins]") {
    TempFolder dir;
    plugins_folder(dir, {"thrower.so"});
    auto loaded = load(dir, "[connectors.ledger]\nkind = \"ledger\"\n", {"thrower.so"});
    REQUIRE(loaded.connectors.size() == 1);
    auto& ledger = *loaded.connectors[0];

    auto down = ledger.deliver(delivery("ledger", {}));
    CHECK_FALSE(down.ok);
    CHECK_FALSE(down.permanent);
    CHECK(down.error == "ledger: connection refused");

    auto bad = ledger.deliver(delivery("ledger", {{"mode", "bad"}}));
    CHECK_FALSE(bad.ok);
    CHECK(bad.permanent);
    CHECK(bad.error == "ledger: no such account");

    auto const file = (dir.path() / "signflow.toml").string();
    CHECK(config_error([&] { load(dir, "[connectors.ledger]\nkind = \"ledger\"\nexplode = true\n", {"thrower.so"}); }) ==
          file + ":4:1: connector `ledger`: kind `ledger` of plugin thrower.so refused the settings: ledger: cannot "
                 "parse settings");
}

TEST_CASE("connector plugins: plugins that cannot be used are problems, and the others load", "[connectors][plugins]") {
    TempFolder dir;
    auto folder = plugins_folder(dir, {"echo.so", "wrong_abi.so", "no_kinds.so", "overlap.so", "thrower.so"});
    dir.write("plugins/garbage.so", "this is not an ELF file");
    dir.write("plugins/README.txt", "not a plugin, not looked at");
    auto loaded = load(dir, "[connectors.crm]\nkind = \"echo\"\n[connectors.other]\nkind = \"overlap_ok\"\n"
                            "[connectors.ledger]\nkind = \"ledger\"\n",
                       {"echo.so", "garbage.so", "no_kinds.so", "overlap.so", "thrower.so", "wrong_abi.so"});
    REQUIRE(loaded.connectors.size() == 3);
    CHECK(loaded.connectors[0]->deliver(delivery("crm", {})).detail["connector"] == "crm");  // echo.so's, not overlap.so's
    CHECK(loaded.connectors[1]->deliver(delivery("other", {})).ok);

    auto const p = folder.string() + "/";
    REQUIRE(loaded.problems.size() == 6);
    CHECK_THAT(loaded.problems[0], Catch::StartsWith("plugin " + p + "garbage.so: cannot be loaded: "));
    CHECK(loaded.problems[1] == "plugin " + p +
                                    "no_kinds.so: is not a signflow connector plugin: it does not export "
                                    "signflow_connector_kinds");
    CHECK(loaded.problems[2] == "plugin " + p + "overlap.so: kind `archive` is built into signflow; the plugin's is ignored");
    CHECK(loaded.problems[3] == "plugin " + p + "overlap.so: kind `echo` is already provided by " + p + "echo.so; this one is ignored");
    CHECK(loaded.problems[4] == "plugin " + p + "overlap.so: kind `half` lacks its create, deliver or destroy function");
    CHECK(loaded.problems[5] == "plugin " + p +
                                    "wrong_abi.so: was built for connector ABI version 2; this daemon speaks version 1 "
                                    "(rebuild it against this signflow's plugin.h)");
}

TEST_CASE("connector plugins: a connector whose plugin did not load names the problem", "[connectors][plugins]") {
    TempFolder dir;
    auto folder = plugins_folder(dir, {"wrong_abi.so"});
    auto message = config_error([&] { load(dir, "[connectors.crm]\nkind = \"echo\"\n", {"wrong_abi.so"}); });
    CHECK_THAT(message, Catch::Contains(":4:1: connector `crm`: unknown kind `echo`; known kinds: archive, email, http, log, sms, webhook;"));
    CHECK_THAT(message, Catch::Contains("plugins that failed to load:\n  plugin " + folder.string() + "/wrong_abi.so: was built"));
}

TEST_CASE("connector plugins: a plugins folder that is not there is a problem", "[connectors][plugins]") {
    TempFolder dir;
    auto loaded = load(dir, "[connectors.debug]\nkind = \"log\"\n", {"echo.so"});
    CHECK(loaded.connectors.size() == 1);
    REQUIRE(loaded.problems.size() == 1);
    CHECK(loaded.problems[0] == "plugins folder " + (dir.path() / "plugins").string() + " is not a folder: no plugins loaded");
}

TEST_CASE("connector plugins: only the plugins [plugins] load names are opened", "[connectors][plugins]") {
    TempFolder dir;
    plugins_folder(dir, {"echo.so", "wrong_abi.so", "no_kinds.so"});
    dir.write("plugins/garbage.so", "this is not an ELF file");
    // Opened, wrong_abi.so, no_kinds.so and garbage.so would each be a
    // problem: none is, so none was opened.
    auto loaded = load(dir, "[connectors.crm]\nkind = \"echo\"\n", {"echo.so"});
    CHECK(loaded.problems.empty());
    REQUIRE(loaded.connectors.size() == 1);
    CHECK(loaded.connectors[0]->deliver(delivery("crm", {})).ok);
    // A listed file that is not there is a problem; the others still load.
    auto missing = load(dir, "[connectors.crm]\nkind = \"echo\"\n", {"crm.so", "echo.so"});
    REQUIRE(missing.problems.size() == 1);
    CHECK(missing.problems[0] ==
          "plugin " + (dir.path() / "plugins" / "crm.so").string() + ": not found (listed in [plugins] load)");
    CHECK(missing.connectors.size() == 1);
}

TEST_CASE("connector plugins: a plugin, or its folder, that others may write is not opened", "[connectors][plugins]") {
    TempFolder dir;
    auto folder = plugins_folder(dir, {"echo.so"});
    auto const so = (folder / "echo.so").string();
    auto unknown_echo = [&] {
        return config_error([&] { load(dir, "[connectors.crm]\nkind = \"echo\"\n", {"echo.so"}); });
    };
    SECTION("a plugin every user may write") {
        fs::permissions(folder / "echo.so", fs::perms(0666));
        auto message = unknown_echo();
        CHECK_THAT(message, Catch::Contains("unknown kind `echo`"));
        CHECK_THAT(message, Catch::Contains("plugin " + so + ": not loaded: plugin " + so +
                                            " is writable by every user: whoever may write it could run code in the "
                                            "daemon; chmod go-w " + so));
    }
    SECTION("a plugin its group may write") {
        fs::permissions(folder / "echo.so", fs::perms(0664));
        CHECK_THAT(unknown_echo(), Catch::Contains("is writable by its group"));
    }
    SECTION("a folder every user may write") {
        fs::permissions(folder, fs::perms(0777));
        CHECK_THAT(unknown_echo(), Catch::Contains("plugins folder " + folder.string() +
                                                   " is writable by every user: whoever may write it could run code "
                                                   "in the daemon; chmod go-w " + folder.string() +
                                                   "; no plugins loaded"));
    }
    SECTION("a plugin another user owns (when the test may give it away)") {
        if (::geteuid() != 0) {
            WARN("not root: cannot give a file to another user; the owner check is not exercised here");
            CHECK(load(dir, "[connectors.crm]\nkind = \"echo\"\n", {"echo.so"}).problems.empty());
        } else {
            REQUIRE(::chown(so.c_str(), 65534, 65534) == 0);
            CHECK_THAT(unknown_echo(), Catch::Contains(" belongs to user 65534, not to the daemon's user (0) or root"));
        }
    }
    SECTION("the same plugin, 0644 in a 0755 folder, loads") {
        CHECK(load(dir, "[connectors.crm]\nkind = \"echo\"\n", {"echo.so"}).problems.empty());
    }
}
