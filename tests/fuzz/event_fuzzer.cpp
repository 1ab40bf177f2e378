// Fuzzes what an event's untrusted JSON body meets in the engine: the JSON
// parser, trigger guards, role resolution (with time zones), quota-free
// start, guards of awaited events and the effects' expressions. Every example
// workflow is compiled once; each input is parsed as JSON and, when it parses,
// offered to every workflow as its trigger event, then as an awaited event
// and as signatures. Properties: no crash, no sanitizer report, and the
// machine either refuses the data with a StartError or makes an envelope whose
// data is valid JSON again.
#include "signflow/dsl/compile.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/engine/machine.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

using namespace signflow;
using nlohmann::json;

namespace {

std::vector<engine::DefinitionPtr> const& definitions() {
    static std::vector<engine::DefinitionPtr> defs = [] {
        std::vector<engine::DefinitionPtr> out;
        stdlib::StandardCatalog catalog(std::vector<std::string>{"billing", "crm", "invoicing", "hris", "recruiting",
                                                                 "account_team", "document_store", "sales"});
        for (auto const& entry : std::filesystem::directory_iterator(SIGNFLOW_SOURCE_DIR "/examples")) {
            if (entry.path().extension() != ".flow") continue;
            std::ifstream in(entry.path());
            std::stringstream text;
            text << in.rdbuf();
            dsl::SourceFile source(entry.path().string(), text.str());
            auto result = dsl::compile(source, catalog);
            if (!result.workflow) continue;
            std::string hash = ir::content_hash(*result.workflow);
            out.push_back(std::make_shared<engine::Definition const>(std::move(*result.workflow), hash));
        }
        if (out.empty()) std::abort();
        return out;
    }();
    return defs;
}

class Quiet final : public engine::Observer {};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    json event = json::parse(data, data + size, nullptr, false);
    if (event.is_discarded()) return 0;
    engine::Machine machine;
    Quiet quiet;
    auto now = *engine::parse_utc("2026-03-07T15:00:00Z");
    for (auto const& def : definitions()) {
        for (std::size_t k = 0; k < def->ir().triggers.size(); ++k) {
            engine::Instance inst;
            inst.id = 7;
            engine::Step step;
            try {
                machine.start(inst, def, static_cast<int>(k), event, now, quiet, step);
            } catch (engine::StartError const&) {
                continue;
            }
            if (json::parse(inst.data, nullptr, false).is_discarded()) std::abort();
            // Everything the workflow can receive, with the fuzzed data where
            // an event carries data.
            for (std::size_t round = 0; round < 3 && inst.status == engine::Status::running; ++round) {
                for (auto const& [name, external] : def->external_events()) {
                    step.clear();
                    machine.apply(inst, engine::Event{name, &event}, now, quiet, step);
                }
                for (auto const& role : def->ir().roles) {
                    for (char const* what : {"verified(", "signed("}) {
                        std::string name = what + role.name + ")";
                        step.clear();
                        machine.apply(inst, engine::Event{name}, now, quiet, step);
                    }
                }
                step.clear();
                machine.apply(inst, engine::Event{"done"}, now, quiet, step);
            }
        }
    }
    return 0;
}
