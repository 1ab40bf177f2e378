// Fuzzes the scenario parser (`signflow simulate --scenario`): any bytes are
// parsed; errors are rendered (spans must lie inside the text); a scenario
// that parses is checked against the card example and simulated on its
// virtual clock (bounded: `nobody signs` stops after a year), and its
// timeline and failures rendered. Properties: no crash, no sanitizer report,
// no hang.
#include "signflow/dsl/compile.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/engine/simulation.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace signflow;

namespace {

engine::DefinitionPtr const& card() {
    static engine::DefinitionPtr def = [] {
        std::ifstream in(SIGNFLOW_SOURCE_DIR "/examples/card.flow");
        std::stringstream text;
        text << in.rdbuf();
        stdlib::StandardCatalog catalog(std::vector<std::string>{"billing"});
        dsl::SourceFile source("card.flow", text.str());
        auto result = dsl::compile(source, catalog);
        if (!result.workflow) std::abort();
        std::string hash = ir::content_hash(*result.workflow);
        return std::make_shared<engine::Definition const>(std::move(*result.workflow), hash);
    }();
    return def;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string text(reinterpret_cast<char const*>(data), size);
    auto parsed = engine::parse_scenario("fuzz.scenario", text);
    if (!parsed.scenario) {
        if (parsed.errors.empty()) std::abort();  // no scenario and no reason
        dsl::SourceFile source("fuzz.scenario", text);
        (void)engine::render_errors(source, parsed.errors);
        return 0;
    }
    auto errors = engine::check_scenario(*parsed.scenario, *card());
    if (!errors.empty()) {
        (void)engine::render_errors(parsed.scenario->source, errors);
        return 0;
    }
    auto result = engine::simulate(card(), *parsed.scenario);
    (void)engine::render_timeline(result, true);
    (void)engine::render_failures(*parsed.scenario, result);
    return 0;
}
