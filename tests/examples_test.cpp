// Every workflow in examples/ is real: it compiles without a diagnostic, its
// IR survives JSON both ways, formatting keeps its meaning (same hash) and is
// idempotent, and layout and comments never change its version id.
#include "support.hpp"

#include "signflow/dsl/format.hpp"
#include "signflow/dsl/graph.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/dsl/parse.hpp"
#include "signflow/dsl/render.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace signflow;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> examples() { return test::files_under(test::source_dir() / "examples", ".flow"); }

std::string format_text(std::string const& text) {
    dsl::SourceFile source("x.flow", text);
    dsl::Diagnostics diags;
    auto file = dsl::parse(source, diags);
    REQUIRE_FALSE(diags.has_errors());
    return dsl::format(source, file);
}

// The same workflow with different layout: blank lines, indentation and
// comments between every line.
std::string relayout(std::string const& text) {
    std::string out = "# a comment first\n\n";
    for (char c : text) {
        if (c == '\n')
            out += "   # noise\n\n\t ";
        else
            out += c;
    }
    return out;
}

}  // namespace

TEST_CASE("examples: at least five, each a different shape", "[examples]") {
    REQUIRE(examples().size() >= 5);
    // Different shapes: no two examples lower to the same set of state kinds
    // and transition events (names aside).
    std::set<std::string> shapes;
    for (auto const& path : examples()) {
        auto result = test::compile_text(test::read(path), path.filename().string());
        REQUIRE(result.workflow);
        std::string shape;
        for (auto const& s : result.workflow->states) shape += s.kind + ";";
        shape += "|" + std::to_string(result.workflow->transitions.size());
        CHECK(shapes.insert(shape).second);
    }
}

TEST_CASE("examples: compile cleanly and round-trip", "[examples]") {
    for (auto const& path : examples()) {
        DYNAMIC_SECTION(path.filename().string()) {
            std::string text = test::read(path);
            auto result = test::compile_text(text, path.filename().string());
            dsl::SourceFile source(path.filename().string(), text);
            INFO(dsl::render_human(source, result.diagnostics.all()));
            REQUIRE(result.diagnostics.all().empty());
            REQUIRE(result.workflow);
            ir::Workflow const& w = *result.workflow;

            // JSON both ways without loss, and the hash is of the content.
            auto json = ir::to_json(w);
            ir::Workflow back = ir::from_json(nlohmann::json::parse(json.dump()));
            CHECK(back == w);
            CHECK(ir::content_hash(back) == ir::content_hash(w));

            // Layout and comments do not change the version id.
            auto moved = test::compile_text(relayout(text), path.filename().string());
            REQUIRE(moved.workflow);
            CHECK(ir::content_hash(*moved.workflow) == ir::content_hash(w));

            // fmt keeps the meaning and is idempotent; examples are formatted.
            std::string formatted = format_text(text);
            CHECK(formatted == text);
            CHECK(format_text(formatted) == formatted);
            std::string reformatted = format_text(relayout(text));
            auto again = test::compile_text(reformatted, path.filename().string());
            REQUIRE(again.workflow);
            CHECK(ir::content_hash(*again.workflow) == ir::content_hash(w));
            CHECK(format_text(reformatted) == reformatted);

            // Diagrams name every state.
            std::string dot = ir::to_dot(w);
            for (auto const& s : w.states) CHECK(dot.find(s.name) != std::string::npos);
            CHECK(ir::to_mermaid(w).rfind("stateDiagram-v2", 0) == 0);
        }
    }
}

TEST_CASE("examples: a changed workflow gets a new version id", "[examples]") {
    std::string base = "on form_submitted -> fill nda -> sign sequentially [client, manager]\n";
    auto a = test::compile_text(base);
    auto b = test::compile_text("on form_submitted -> fill nda -> sign sequentially [manager, client]\n");
    REQUIRE(a.workflow);
    REQUIRE(b.workflow);
    CHECK(ir::content_hash(*a.workflow) != ir::content_hash(*b.workflow));
}

TEST_CASE("docs: every ```flow block in docs/language.md compiles cleanly", "[examples]") {
    std::string doc = test::read(test::source_dir() / "docs" / "language.md");
    std::string const open = "```flow\n";
    std::size_t count = 0;
    for (std::size_t at = doc.find(open); at != std::string::npos; at = doc.find(open, at)) {
        at += open.size();
        std::size_t end = doc.find("```", at);
        REQUIRE(end != std::string::npos);
        std::string block = doc.substr(at, end - at);
        auto result = test::compile_text(block, "language.md");
        dsl::SourceFile source("language.md", block);
        INFO(block << "\n" << dsl::render_human(source, result.diagnostics.all()));
        CHECK(result.diagnostics.all().empty());
        ++count;
        at = end + 3;
    }
    CHECK(count >= 10);
}
