// libFuzzer target for the whole front end. Build and run with
// scripts/fuzz.sh (`scripts/fuzz.sh 60` runs it for a minute); by hand:
//
//   CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DSIGNFLOW_FUZZ=ON \
//       -DSIGNFLOW_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
//   ninja -C build-fuzz -j2 compile_fuzzer
//   build-fuzz/tests/fuzz/compile_fuzzer -dict=tests/fuzz/dict/flow.dict CORPUS_DIR
//   build-fuzz/tests/fuzz/compile_fuzzer CRASH_FILE        # replay one input
//
// For every input (ASan + UBSan catch memory errors and undefined behaviour;
// libFuzzer catches hangs, -timeout, and memory blow-ups, -rss_limit_mb):
// 1. parse + check + lower it, as dsl::compile() does, and render its
//    diagnostics (human and JSON), as `signflow check` does;
// 2. when it lowers: the IR stays within 1000x the source's size, and it
//    must survive to_json/from_json (through JSON
//    text) unchanged; its content hash must be 64 hex digits; to_text, to_dot
//    and to_mermaid must not fail;
// 3. when it parses without errors: format it; the formatted text must parse
//    without errors, format to itself (idempotence), and, when the original
//    compiles, compile too, to the same content hash.
// Any violated property prints what differs (both texts) and aborts, which
// libFuzzer reports as a crash and saves the input.
#include "signflow/dsl/compile.hpp"
#include "signflow/dsl/format.hpp"
#include "signflow/dsl/graph.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/dsl/parse.hpp"
#include "signflow/dsl/render.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace {

namespace dsl = signflow::dsl;
namespace ir = signflow::ir;

// One path for every compile: the workflow's name defaults to the file's stem,
// so the original and the formatted text must be compiled under the same one.
constexpr char const* file_name = "fuzz.flow";

[[noreturn]] void fail(char const* what, std::string const& a_label, std::string const& a, std::string const& b_label,
                       std::string const& b) {
    std::fprintf(stderr, "\n==== compile_fuzzer: %s ====\n---- %s (%zu bytes) ----\n%s\n---- %s (%zu bytes) ----\n%s\n"
                         "---- end ----\n",
                 what, a_label.c_str(), a.size(), a.c_str(), b_label.c_str(), b.size(), b.c_str());
    std::abort();
}

std::string diagnostics_text(dsl::SourceFile const& source, dsl::Diagnostics const& diags) {
    return dsl::render_human(source, diags.all());
}

struct Compiled {
    dsl::ast::File ast;
    dsl::Diagnostics diags;
    bool parse_errors = false;
    std::optional<ir::Workflow> workflow;
};

// dsl::compile(), step by step, so that parse errors are told apart from
// check errors.
Compiled compile_steps(dsl::SourceFile const& source, dsl::Catalog const& catalog) {
    Compiled c;
    c.ast = dsl::parse(source, c.diags);
    c.parse_errors = c.diags.has_errors();
    dsl::check(source, c.ast, catalog, c.diags);
    if (!c.diags.has_errors()) c.workflow = dsl::lower(source, c.ast, catalog);
    c.diags.sort();
    return c;
}

bool is_hash(std::string const& h) {
    if (h.size() != 64) return false;
    for (char ch : h)
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
    return true;
}

// The IR's properties; returns its content hash. (Through JSON text, which
// also covers the in-memory round trip; equal IRs then have equal hashes.)
std::string check_ir(ir::Workflow const& w, std::string const& text) {
    std::string dumped = ir::to_json(w).dump();
    // Lowering is linear in the source: an IR far larger than its source
    // means some construct is copied per pair of things (quadratic).
    if (dumped.size() > 1000 * text.size() + 65536)
        fail("the IR is out of proportion to its source", "source", text, "IR size",
             std::to_string(dumped.size()) + " bytes");
    ir::Workflow back;
    try {
        back = ir::from_json(nlohmann::json::parse(dumped));
    } catch (std::exception const& e) {
        fail("from_json(parse(dump(to_json(ir)))) threw", "source", text, "exception and JSON",
             e.what() + std::string("\n") + dumped);
    }
    if (!(back == w)) fail("the IR changed through to_json/from_json", "source", text, "to_json(ir)", dumped);
    std::string hash = ir::content_hash(w);
    if (!is_hash(hash)) fail("content_hash is not 64 lowercase hex digits", "source", text, "hash", hash);
    (void)ir::to_text(w);
    (void)ir::to_dot(w);
    (void)ir::to_mermaid(w);
    return hash;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    static signflow::stdlib::StandardCatalog const catalog;

    std::string text(reinterpret_cast<char const*>(data), size);
    dsl::SourceFile source(file_name, text);
    Compiled original = compile_steps(source, catalog);

    // What `signflow check` prints, both ways.
    (void)dsl::render_human(source, original.diags.all());
    for (auto const& d : original.diags.all()) (void)dsl::render_json(source, d).dump();

    std::optional<std::string> hash;
    if (original.workflow) hash = check_ir(*original.workflow, text);
    if (original.parse_errors) return 0;

    // The formatter: output parses cleanly, is a fixed point, keeps the meaning.
    std::string formatted = dsl::format(source, original.ast);
    dsl::SourceFile formatted_source(file_name, formatted);
    Compiled again = compile_steps(formatted_source, catalog);
    if (again.parse_errors)
        fail("the formatted text does not parse", "original", text, "formatted, then its diagnostics",
             formatted + "\n---- diagnostics ----\n" + diagnostics_text(formatted_source, again.diags));
    std::string formatted_twice = dsl::format(formatted_source, again.ast);
    if (formatted_twice != formatted)
        fail("formatting is not idempotent", "formatted once", formatted, "formatted twice", formatted_twice);
    if (hash) {
        if (!again.workflow)
            fail("the original compiles, the formatted text does not", "original", text,
                 "formatted, then its diagnostics",
                 formatted + "\n---- diagnostics ----\n" + diagnostics_text(formatted_source, again.diags));
        std::string formatted_hash = ir::content_hash(*again.workflow);
        if (formatted_hash != *hash)
            fail("formatting changed the content hash", "original", text, "formatted, then both IRs as text",
                 formatted + "\n---- original IR ----\n" + ir::to_text(*original.workflow) +
                     "\n---- formatted IR ----\n" + ir::to_text(*again.workflow));
    }
    return 0;
}
