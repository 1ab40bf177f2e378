// Bad input of every kind gets a clear error, never a crash, a hang or a
// stack overflow. (Time and memory are bounded by construction -- the
// prescan refuses in one linear pass what recursion could not survive --
// and the sanitizer run of this suite checks memory errors; speed is
// measured in bench/, not asserted here.)
#include "support.hpp"

#include "signflow/dsl/ir_io.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

using namespace signflow;

namespace {

std::vector<std::string> codes_of(std::string const& text) { return test::codes(test::compile_text(text).diagnostics); }

bool contains(std::vector<std::string> const& v, std::string const& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::string repeat(std::string const& s, std::size_t n) {
    std::string out;
    out.reserve(s.size() * n);
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

}  // namespace

TEST_CASE("hostile: an empty file says it has no trigger", "[hostile]") {
    CHECK(codes_of("") == std::vector<std::string>{"E0215"});
    CHECK(codes_of("   \n\n# only a comment\n") == std::vector<std::string>{"E0215"});
}

TEST_CASE("hostile: binary garbage is refused as such", "[hostile]") {
    std::mt19937 rng(42);
    for (int round = 0; round < 50; ++round) {
        std::string junk(4096, '\0');
        for (auto& c : junk) c = static_cast<char>(rng());
        auto result = test::compile_text(junk);
        REQUIRE(result.diagnostics.has_errors());
        auto c = test::codes(result.diagnostics);
        CHECK((contains(c, "E0001") || contains(c, "E0005")));
    }
}

TEST_CASE("hostile: invalid UTF-8 points at the byte", "[hostile]") {
    auto result = test::compile_text("on e -> notify sales with \"caf\xC3\x28\"\n");
    REQUIRE(test::codes(result.diagnostics) == std::vector<std::string>{"E0001"});
    CHECK(result.diagnostics.all()[0].primary.span.begin == 30);
    // overlong encodings and surrogates are invalid too
    CHECK(codes_of("on e\xC0\xAF") == std::vector<std::string>{"E0001"});
    CHECK(codes_of("on e \xED\xA0\x80") == std::vector<std::string>{"E0001"});
}

TEST_CASE("hostile: a 50 MB file is refused before parsing", "[hostile]") {
    std::string big = repeat("on e -> fill nda -> sign [a] # padding padding padding padding\n", 50'000'000 / 60);
    REQUIRE(big.size() > 8u << 20);
    CHECK(codes_of(big) == std::vector<std::string>{"E0002"});
}

TEST_CASE("hostile: 10,000-deep nesting is refused, not recursed into", "[hostile]") {
    std::size_t const n = 10'000;
    CHECK(codes_of("on e where " + repeat("(", n) + "true" + repeat(")", n) + " -> fill nda -> sign [a]\n") ==
          std::vector<std::string>{"E0003"});
    CHECK(codes_of("on e where " + repeat("[", n) + repeat("]", n) + " -> fill nda\n") ==
          std::vector<std::string>{"E0003"});
    CHECK(codes_of("on e -> " + repeat("when true { ", n) + "sign [a]" + repeat(" }", n) + "\n") ==
          std::vector<std::string>{"E0003"});
    // prefix operators and long operator chains build deep trees without brackets
    auto nots = codes_of("on e where " + repeat("not ", n) + "true -> fill nda -> sign [a]\n");
    CHECK(contains(nots, "E0003"));
    auto sum = codes_of("on e where event.a" + repeat(" + event.a", 100'000) + " > 0 -> fill nda -> sign [a]\n");
    CHECK(contains(sum, "E0003"));
    auto minus = codes_of("on e where " + repeat("- ", n) + "1 > 0 -> fill nda -> sign [a]\n");
    CHECK(contains(minus, "E0003"));
    // lists, objects and calls around a deep operand
    std::string deep = "event.a" + repeat(" + event.a", 210);
    CHECK(contains(codes_of("on e where [" + deep + "] == [] -> fill nda -> sign [a]\n"), "E0003"));
    CHECK(contains(codes_of("on e where length(" + deep + ") > 0 -> fill nda -> sign [a]\n"), "E0003"));
    CHECK(contains(codes_of("on e -> invoke crm with { x: " + deep + " }\n"), "E0003"));
    CHECK(contains(codes_of("on e where not [" + deep + "] == [] -> fill nda -> sign [a]\n"), "E0003"));
}

TEST_CASE("hostile: a 1 MB identifier is refused", "[hostile]") {
    CHECK(codes_of("on " + std::string(1 << 20, 'x') + " -> fill nda -> sign [a]\n") ==
          std::vector<std::string>{"E0004"});
    // 128 bytes is still a name
    CHECK(codes_of("on " + std::string(128, 'x') + " -> fill nda -> sign [a]\n").empty());
}

TEST_CASE("hostile: control bytes and unterminated strings", "[hostile]") {
    CHECK(codes_of(std::string("on e -> fill nda\0 -> sign [a]\n", 30)) == std::vector<std::string>{"E0005"});
    CHECK(codes_of("on e -> notify sales with \"open\n") == std::vector<std::string>{"E0006"});
    CHECK(codes_of("on e -> fill nda -> sign [a] -> on completed notify x with \"a\\qb\"\n") ==
          std::vector<std::string>{"E0007"});
}

TEST_CASE("hostile: truncations of a real workflow never crash", "[hostile]") {
    std::string full = test::read(test::source_dir() / "tests" / "dsl" / "valid" / "everything.flow");
    for (std::size_t n = 0; n <= full.size(); ++n) {
        auto result = test::compile_text(full.substr(0, n));
        // Every prefix either compiles or says, with an error, why not.
        INFO(n);
        CHECK(result.diagnostics.has_errors() != result.workflow.has_value());
    }
}

TEST_CASE("hostile: the IR grows linearly with the source", "[hostile]") {
    // Shapes that once made lowering copy work per pair: a huge signing
    // group, many `on signed by` handlers over many sign steps, many branch
    // arms followed by many effects.
    std::string group = "on go -> fill nda -> sign in parallel [";
    for (int i = 0; i < 2000; ++i) group += (i ? ", r" : "r") + std::to_string(i);
    group += "]\n";
    std::string handlers = "on go -> fill nda";
    for (int i = 0; i < 1000; ++i) handlers += " -> sign [a]";
    for (int i = 0; i < 1000; ++i) handlers += " -> on signed by a notify x" + std::to_string(i);
    std::string arms = "on go -> fill nda -> sign [a] -> when event.x == 0 { notify a }";
    for (int i = 1; i < 500; ++i) arms += " otherwise when event.x == " + std::to_string(i) + " { notify a }";
    for (int i = 0; i < 500; ++i) arms += " -> notify c" + std::to_string(i);
    for (auto const* text : {&group, &handlers, &arms}) {
        auto result = test::compile_text(*text);
        REQUIRE(result.workflow);
        std::size_t ir_size = ir::to_json(*result.workflow).dump().size();
        INFO("source " << text->size() << " bytes, IR " << ir_size << " bytes");
        CHECK(ir_size < 100 * text->size());
    }
}
