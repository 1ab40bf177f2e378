// The archive kind on a real temporary folder: what it writes, where, that
// a retry writes the same bytes, and the layouts it refuses.
#include "support.hpp"

#include "signflow/connectors/registry.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

using namespace signflow;
using namespace signflow::connectors;
using test::config_error;
using test::read_file;
using test::TempFolder;
namespace fs = std::filesystem;

namespace {

// 2024-03-05T10:00:00Z
constexpr std::int64_t created = 1709632800000;

ArchiveBundle sealed(std::int64_t envelope) {
    ArchiveBundle b;
    b.ready = true;
    b.workflow = "client_nda";
    b.created_ms = created;
    b.pdf = "%PDF-1.7 envelope " + std::to_string(envelope) + "\n%%EOF\n";
    b.audit = {{"envelope", envelope}, {"events", {{{"type", "created"}}, {{"type", "completed"}}}}};
    b.certificate = {{"envelope", envelope}, {"signers", {"client"}}};
    return b;
}

Loaded archive_with(TempFolder const& dir, std::string const& settings, ArchiveSource source) {
    auto file = dir.write("signflow.toml", "[connectors.store]\nkind = \"archive\"\n" + settings);
    Services services;
    services.archive = std::move(source);
    return make_connectors(load_config(file, {}), services);
}

engine::Delivery archive_delivery(std::int64_t envelope) {
    engine::Delivery d;
    d.key = "e" + std::to_string(envelope) + ":archive:0";
    d.instance = envelope;
    d.workflow = "client_nda";
    d.kind = "archive";
    d.target = "store";
    d.data = {{"workflow", "client_nda"}};
    return d;
}

std::vector<std::string> listing(fs::path const& folder) {
    std::vector<std::string> names;
    for (auto const& e : fs::recursive_directory_iterator(folder))
        names.push_back(fs::relative(e.path(), folder).generic_string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST_CASE("connector archive: files the document and its evidence under the default layout", "[connectors][archive]") {
    TempFolder dir;
    fs::create_directories(dir.path() / "archive");
    auto loaded = archive_with(dir, "path = \"archive\"\n", sealed);
    REQUIRE(loaded.connectors.size() == 1);
    auto& store = *loaded.connectors[0];
    CHECK(store.name() == "store");

    auto result = store.deliver(archive_delivery(42));
    INFO(result.error);
    REQUIRE(result.ok);
    fs::path folder = dir.path() / "archive/client_nda/2024/03";
    CHECK(listing(dir.path() / "archive") ==
          std::vector<std::string>{"client_nda", "client_nda/2024", "client_nda/2024/03",
                                   "client_nda/2024/03/42.audit.json", "client_nda/2024/03/42.certificate.json",
                                   "client_nda/2024/03/42.pdf"});
    CHECK(read_file(folder / "42.pdf") == sealed(42).pdf);
    CHECK(nlohmann::json::parse(read_file(folder / "42.audit.json")) == sealed(42).audit);
    CHECK(nlohmann::json::parse(read_file(folder / "42.certificate.json")) == sealed(42).certificate);
    CHECK(result.detail["folder"] == "client_nda/2024/03");
    CHECK(result.detail["files"] == nlohmann::json{"42.pdf", "42.audit.json", "42.certificate.json"});
    CHECK(result.detail["pdf_sha256"].get<std::string>().size() == 64);

    SECTION("a retry writes the same bytes, and leftovers of an interrupted write go") {
        std::string before = read_file(folder / "42.audit.json");
        std::ofstream(folder / ".42.pdf.partial-abc123") << "half a pdf";
        auto again = archive_delivery(42);
        again.attempt = 2;
        auto second = store.deliver(again);
        REQUIRE(second.ok);
        CHECK(second.detail == result.detail);
        CHECK(read_file(folder / "42.audit.json") == before);
        CHECK(listing(folder) == std::vector<std::string>{"42.audit.json", "42.certificate.json", "42.pdf"});
    }
}

TEST_CASE("connector archive: {year}/{month} aliases, {dd}, and a workflow without a document", "[connectors][archive]") {
    TempFolder dir;
    fs::create_directories(dir.path() / "vault");
    auto source = [](std::int64_t envelope) {
        auto b = sealed(envelope);
        b.pdf.clear();
        b.workflow = "../../etc";  // cannot leave the root, whatever the name
        return b;
    };
    auto loaded = archive_with(dir, "path = \"" + (dir.path() / "vault").string() +
                                        "\"\nlayout = \"{year}/{month}-{dd}/{workflow}/env-{envelope}\"\n"
                                        "retention = \"30y\"\n",
                               source);
    auto result = loaded.connectors[0]->deliver(archive_delivery(7));
    INFO(result.error);
    REQUIRE(result.ok);
    CHECK(result.detail["folder"] == "2024/03-05/.._.._etc");
    CHECK(listing(dir.path() / "vault/2024/03-05/.._.._etc") ==
          std::vector<std::string>{"env-7.audit.json", "env-7.certificate.json"});
    CHECK_FALSE(result.detail.contains("pdf_sha256"));
}

TEST_CASE("connector archive: not ready, no root, wrong delivery", "[connectors][archive]") {
    TempFolder dir;
    int calls = 0;
    auto source = [&](std::int64_t envelope) {
        ++calls;
        if (calls == 1) return ArchiveBundle{false, "the seal is not applied yet", {}, 0, {}, {}, {}, {}};
        return sealed(envelope);
    };
    auto loaded = archive_with(dir, "path = \"missing\"\n", source);
    auto& store = *loaded.connectors[0];

    auto first = store.deliver(archive_delivery(9));
    CHECK_FALSE(first.ok);
    CHECK_FALSE(first.permanent);
    CHECK(first.error == "archive store: envelope 9 is not ready to file: the seal is not applied yet");

    auto second = store.deliver(archive_delivery(9));
    CHECK_FALSE(second.ok);
    CHECK_FALSE(second.permanent);
    CHECK_THAT(second.error, Catch::Contains("missing does not exist"));

    fs::create_directories(dir.path() / "missing");
    CHECK(store.deliver(archive_delivery(9)).ok);

    auto notify = archive_delivery(9);
    notify.kind = "notify";
    auto wrong = store.deliver(notify);
    CHECK_FALSE(wrong.ok);
    CHECK(wrong.permanent);
}

TEST_CASE("connector archive: settings it refuses", "[connectors][archive]") {
    TempFolder dir;
    auto error_for = [&](std::string const& settings) {
        return config_error([&] { archive_with(dir, settings, sealed); });
    };
    auto const file = (dir.path() / "signflow.toml").string();
    CHECK(error_for("layout = \"{envelope}\"\n") ==
          file + ":1:1: connector `store` (archive): `path` (the archive's root folder) is required");
    CHECK(error_for("path = \"a\"\nlayout = \"../{envelope}\"\n") ==
          file + ":4:10: connector `store` (archive): `layout` \"../{envelope}\" has a \"..\" folder; a layout must "
                 "stay below `path`");
    CHECK_THAT(error_for("path = \"a\"\nlayout = \"/srv/{envelope}\"\n"), Catch::Contains("is absolute"));
    CHECK_THAT(error_for("path = \"a\"\nlayout = \"{yyyy}//{envelope}\"\n"), Catch::Contains("empty folder name"));
    CHECK_THAT(error_for("path = \"a\"\nlayout = \"{week}/{envelope}\"\n"),
               Catch::Contains("unknown placeholder {week} (known: {workflow} {yyyy} {mm} {dd} {envelope} {year} {month})"));
    CHECK_THAT(error_for("path = \"a\"\nlayout = \"{yyyy/{envelope}\"\n"), Catch::Contains("without \"}\""));
    CHECK_THAT(error_for("path = \"a\"\nlayot = \"{yyyy}\"\n"),
               Catch::Contains(":4:9: connector `store` (archive): unknown setting `layot` (known: path, layout, retention)"));
    CHECK_THAT(error_for("path = \"a\"\nretention = \"ten years\"\n"), Catch::Contains("`retention`"));
    CHECK_THAT(config_error([&] { archive_with(dir, "path = \"a\"\n", nullptr); }),
               Catch::Contains("cannot provide documents to archive"));
}
