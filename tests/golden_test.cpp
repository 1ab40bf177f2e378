// Golden tests: every tests/dsl/<area>/<case>.flow is compiled and its
// rendered diagnostics -- followed, when it compiles, by its IR -- are
// compared with <case>.expected beside it. One file per case, the
// expectation in plain text, reviewed in diffs.
//
// To create or update snapshots after an intended change:
//     SIGNFLOW_BLESS=1 ctest --test-dir build -R golden
// then read the diff (`git diff tests/dsl`) before committing.
//
// A case may name the connectors a daemon configuration would define with a
// first-line directive `# connectors: billing, crm` (to test W1004).
#include "support.hpp"

#include "signflow/dsl/ir_io.hpp"
#include "signflow/dsl/format.hpp"
#include "signflow/dsl/parse.hpp"
#include "signflow/dsl/render.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <sstream>

using namespace signflow;
namespace fs = std::filesystem;

namespace {

std::optional<std::vector<std::string>> connectors_directive(std::string const& text) {
    std::string const tag = "# connectors:";
    if (text.rfind(tag, 0) != 0) return std::nullopt;
    std::string line = text.substr(tag.size(), text.find('\n') - tag.size());
    std::vector<std::string> names;
    std::stringstream ss(line);
    std::string name;
    while (std::getline(ss, name, ',')) {
        name.erase(0, name.find_first_not_of(' '));
        name.erase(name.find_last_not_of(" \r") + 1);
        if (!name.empty()) names.push_back(name);
    }
    return names;
}

dsl::CompileResult compile_case(fs::path const& root, fs::path const& file) {
    std::string text = test::read(file);
    auto connectors = connectors_directive(text);
    return test::compile_text(text, fs::relative(file, root).generic_string(), connectors ? &*connectors : nullptr);
}

std::string snapshot(fs::path const& root, fs::path const& file) {
    std::string text = test::read(file);
    std::string shown = fs::relative(file, root).generic_string();
    auto result = compile_case(root, file);
    dsl::SourceFile source(shown, text);
    std::string out = dsl::render_human(source, result.diagnostics.all());
    if (result.workflow) {
        out += "--- ir " + ir::content_hash(*result.workflow) + "\n";
        out += ir::to_text(*result.workflow);
        if (!out.empty() && out.back() != '\n') out += '\n';
    }
    return out;
}

}  // namespace

TEST_CASE("golden: every tests/dsl case matches its snapshot", "[golden]") {
    fs::path root = test::source_dir() / "tests" / "dsl";
    bool bless = std::getenv("SIGNFLOW_BLESS") != nullptr;
    auto cases = test::files_under(root, ".flow");
    REQUIRE(cases.size() >= 40);
    for (auto const& file : cases) {
        DYNAMIC_SECTION(fs::relative(file, root).generic_string()) {
            std::string actual = snapshot(root, file);
            fs::path expected_path = file;
            expected_path.replace_extension(".expected");
            if (bless) {
                test::write(expected_path, actual);
                continue;
            }
            INFO("no snapshot yet? run: SIGNFLOW_BLESS=1 ctest --test-dir build -R golden");
            REQUIRE(fs::exists(expected_path));
            CHECK(actual == test::read(expected_path));
        }
    }
}

TEST_CASE("golden: negative cases report errors and valid cases none", "[golden]") {
    fs::path root = test::source_dir() / "tests" / "dsl";
    for (auto const& file : test::files_under(root, ".flow")) {
        std::string area = fs::relative(file, root).begin()->string();
        auto result = compile_case(root, file);
        INFO(file.string());
        if (area == "valid") {
            CHECK(result.diagnostics.all().empty());
            CHECK(result.workflow.has_value());
        } else if (area == "warnings") {
            CHECK(result.diagnostics.warning_count() > 0);
        } else {
            CHECK(result.diagnostics.has_errors());
        }
    }
}

TEST_CASE("golden: fmt keeps the meaning of every case that parses", "[golden][fmt]") {
    fs::path root = test::source_dir() / "tests" / "dsl";
    std::size_t formatted_cases = 0;
    for (auto const& file : test::files_under(root, ".flow")) {
        std::string text = test::read(file);
        dsl::SourceFile source(file.string(), text);
        dsl::Diagnostics diags;
        auto tree = dsl::parse(source, diags);
        if (diags.has_errors()) continue;  // fmt refuses files with syntax errors
        INFO(file.string());
        std::string once = dsl::format(source, tree);
        dsl::SourceFile again_source(file.string(), once);
        dsl::Diagnostics again_diags;
        auto again = dsl::parse(again_source, again_diags);
        REQUIRE_FALSE(again_diags.has_errors());
        CHECK(dsl::format(again_source, again) == once);
        CHECK(again.comments.size() == tree.comments.size());
        auto before = compile_case(root, file);
        auto after = test::compile_text(once, fs::relative(file, root).generic_string());
        CHECK(before.diagnostics.error_count() == after.diagnostics.error_count());
        if (before.workflow) {
            REQUIRE(after.workflow);
            CHECK(ir::content_hash(*after.workflow) == ir::content_hash(*before.workflow));
        }
        ++formatted_cases;
    }
    CHECK(formatted_cases >= 50);
}

TEST_CASE("checker: a sign signs every document filled since the last sign, on every path", "[golden]") {
    // Fields of both documents belong to the client, who signs both.
    auto both = test::compile_text("workflow c\nrole client = event.client\non x\n  -> fill [invoice, service_agreement]\n"
                                   "  -> sign [client]\n");
    CHECK(test::codes(both.diagnostics).empty());
    // A document on one arm, or under `when`: signed on the path that fills it.
    auto arms = test::compile_text("workflow d\nrole client = event.client\non x\n  -> fill invoice\n"
                                   "  -> fill service_agreement when event.a == 1\n  -> sign [client]\n");
    CHECK(test::codes(arms.diagnostics).empty());
    // The same document twice in one list.
    auto twice = test::compile_text("workflow e\nrole client = event.client\non x\n  -> fill [invoice, invoice]\n"
                                    "  -> sign [client]\n");
    CHECK(test::codes(twice.diagnostics) == std::vector<std::string>{"E0220"});
    // A document signed, then a fill on one path: the second `sign` signs
    // only what was filled after the first (the manager never signs the NDA).
    auto stale = test::compile_text("workflow g\nrole client = event.client\nrole manager = event.manager\n"
                                    "template nda = stdlib.nda {\n  field client_company from manager: text\n}\n"
                                    "on x\n  -> fill nda -> sign [client]\n  -> fill invoice when event.a == 1\n"
                                    "  -> fill service_agreement\n  -> sign [manager]\n");
    CHECK(test::codes(stale.diagnostics) == std::vector<std::string>{"E0415"});
    // One field asked differently by two documents signed together.
    auto unlike = test::compile_text("workflow h\nrole client = event.client\n"
                                     "template nda = stdlib.nda {\n  field client_company from client: text required\n}\n"
                                     "template service_agreement = stdlib.service_agreement {\n"
                                     "  field client_company from client: text\n}\n"
                                     "on x\n  -> fill [nda, service_agreement]\n  -> sign [client]\n");
    CHECK(test::codes(unlike.diagnostics) == std::vector<std::string>{"E0416"});
    // A constant condition on a fill.
    auto never = test::compile_text("workflow f\nrole client = event.client\non x\n  -> fill invoice\n"
                                    "  -> fill service_agreement when false -> sign [client]\n");
    CHECK(test::codes(never.diagnostics) == std::vector<std::string>{"W1001"});
}
