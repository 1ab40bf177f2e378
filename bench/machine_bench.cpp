// Throughput of the state machine interpreter on one core (Google Benchmark):
// engine::Machine::apply / start on in-memory instances, no I/O, a no-op
// Observer. Target: >= 1,000,000 transitions/s (items_per_second).
//
//   ninja -C build-bench -j2 machine_bench
//   build-bench/bench/machine_bench
//   taskset -c 1 build-bench/bench/machine_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true          (one line: medians of 5)
//
// Workflows (compiled with dsl::compile + stdlib::StandardCatalog, wrapped in
// engine::Definition as the daemon does):
//   card      examples/card.flow: fill nda -> sign sequentially [client, manager]
//             -> on completed invoke billing
//   parallel  sign in parallel [a..h] (eight signers)
//   timed     card with `remind every 1d, at most 3 times / expire after 14d,
//             warn 2d before` (three timers armed per signing state)
// Benchmarks (one item = one applied event):
//   BM_ParallelSignature  signed(a)..signed(g) on instances in the parallel
//                         group: internal transitions (a mask bit each), no
//                         state change, no effect; the mask is reset every 7
//   BM_ParallelComplete   all eight signatures; the eighth raises all_signed
//                         -> completed (entry action, finished)
//   BM_CardSequential     done -> awaiting(client) -> awaiting(manager) ->
//                         completed: three state changes, each with an entry
//                         action (an Effect with its idempotency key)
//   BM_TimedSequential    the same on the timed flow: each signing state
//                         arms three timers and the next cancels them
//   BM_ReminderFired      timer(remind#1(client)) in awaiting(client): an
//                         internal transition with an action and a re-arm
//   BM_Ignored            an event the state does not take (refusal text)
//   BM_Start              Machine::start on the card flow's trigger data:
//                         roles resolved, data JSON built and serialised
// Instances are a pool of 4,096 (cycled) so that they do not all sit in L1.
#include "signflow/dsl/compile.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/dsl/render.hpp"
#include "signflow/engine/definition.hpp"
#include "signflow/engine/machine.hpp"
#include "signflow/engine/observer.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace signflow;
using engine::DefinitionPtr;
using engine::Event;
using engine::Instance;
using engine::Instant;
using engine::Machine;
using engine::Step;
using nlohmann::json;

constexpr char const* card_flow = R"(on form_submitted
  -> fill nda
  -> sign sequentially [client, manager]
  -> on completed invoke billing
)";

constexpr char const* timed_flow = R"(workflow timed
on form_submitted
  -> fill nda
  -> sign sequentially [client, manager]
       remind every 1d, at most 3 times
       expire after 14d, warn 2d before
  -> on completed invoke billing
)";

constexpr char const* parallel_flow = R"(workflow parallel
on form_submitted
  -> fill nda
  -> sign in parallel [a, b, c, d, e, f, g, h]
  -> on completed invoke billing
)";

constexpr std::size_t pool_size = 4096;

class Noop final : public engine::Observer {};

DefinitionPtr compile(char const* name, char const* text) {
    static stdlib::StandardCatalog catalog;
    dsl::SourceFile source(name, text);
    auto result = dsl::compile(source, catalog);
    if (!result.workflow) {
        std::cerr << "machine_bench: " << name << " does not compile:\n"
                  << dsl::render_human(source, result.diagnostics.all());
        std::abort();
    }
    std::string hash = ir::content_hash(*result.workflow);
    return std::make_shared<engine::Definition const>(std::move(*result.workflow), std::move(hash));
}

Instant now() { return engine::from_millis(1'790'000'000'000); }  // 2026-09-21

json trigger_data(std::vector<std::string> const& roles) {
    json signers = json::object();
    for (auto const& r : roles) signers[r] = r + "@example.com";
    return {{"signers", signers}};
}

// A pool of started instances, moved to `state` (by name).
std::vector<Instance> pool(DefinitionPtr const& def, std::vector<std::string> const& roles, char const* state) {
    Machine m;
    Noop noop;
    Step step;
    json data = trigger_data(roles);
    std::vector<Instance> out(pool_size);
    auto target = def->find_state(state);
    if (!target) {
        std::cerr << "machine_bench: no state " << state << " in " << def->name() << "\n";
        std::abort();
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i].id = static_cast<std::int64_t>(i + 1);
        step.clear();
        m.start(out[i], def, 0, data, now(), noop, step);
        if (out[i].state != *target) {
            step.clear();
            m.apply(out[i], Event{"done"}, now(), noop, step);
        }
        if (out[i].state != *target) {
            std::cerr << "machine_bench: could not reach " << state << "\n";
            std::abort();
        }
    }
    return out;
}

void check_applied(benchmark::State& state, Step const& step) {
    if (!step.applied) state.SkipWithError(("not applied: " + step.refusal).c_str());
}

void BM_ParallelSignature(benchmark::State& state) {
    auto def = compile("parallel.flow", parallel_flow);
    std::vector<std::string> roles{"a", "b", "c", "d", "e", "f", "g", "h"};
    auto instances = pool(def, roles, "awaiting(a, b, c, d, +4)");
    std::vector<std::string> events;
    for (auto const& r : roles) events.push_back("signed(" + r + ")");
    Machine m;
    Noop noop;
    Step step;
    std::size_t i = 0;
    std::int64_t items = 0;
    for (auto _ : state) {
        Instance& inst = instances[i++ % pool_size];
        for (std::size_t r = 0; r < 7; ++r) {
            step.clear();
            m.apply(inst, Event{events[r]}, now(), noop, step);
        }
        benchmark::DoNotOptimize(step);
        check_applied(state, step);
        inst.signed_mask = 0;
        items += 7;
    }
    state.SetItemsProcessed(items);
}
BENCHMARK(BM_ParallelSignature);

void BM_ParallelComplete(benchmark::State& state) {
    auto def = compile("parallel.flow", parallel_flow);
    std::vector<std::string> roles{"a", "b", "c", "d", "e", "f", "g", "h"};
    auto instances = pool(def, roles, "awaiting(a, b, c, d, +4)");
    auto signing = *def->find_state("awaiting(a, b, c, d, +4)");
    std::vector<std::string> events;
    for (auto const& r : roles) events.push_back("signed(" + r + ")");
    Machine m;
    Noop noop;
    Step step;
    std::size_t i = 0;
    std::int64_t items = 0;
    for (auto _ : state) {
        Instance& inst = instances[i++ % pool_size];
        for (auto const& e : events) {
            step.clear();
            m.apply(inst, Event{e}, now(), noop, step);
        }
        benchmark::DoNotOptimize(step);
        if (inst.status != engine::Status::finished) state.SkipWithError("did not complete");
        inst.state = signing;
        inst.status = engine::Status::running;
        inst.signed_mask = 0;
        items += 8;
    }
    state.SetItemsProcessed(items);
}
BENCHMARK(BM_ParallelComplete);

void sequential(benchmark::State& state, char const* name, char const* text) {
    auto def = compile(name, text);
    auto instances = pool(def, {"client", "manager"}, "filling(nda)");
    auto filling = *def->find_state("filling(nda)");
    std::string const events[] = {"done", "signed(client)", "signed(manager)"};
    Machine m;
    Noop noop;
    Step step;
    std::size_t i = 0;
    std::int64_t items = 0;
    for (auto _ : state) {
        Instance& inst = instances[i++ % pool_size];
        for (auto const& e : events) {
            step.clear();
            m.apply(inst, Event{e}, now(), noop, step);
            benchmark::DoNotOptimize(step);
        }
        if (inst.status != engine::Status::finished) state.SkipWithError("did not complete");
        inst.state = filling;
        inst.status = engine::Status::running;
        items += 3;
    }
    state.SetItemsProcessed(items);
}

void BM_CardSequential(benchmark::State& state) { sequential(state, "card.flow", card_flow); }
BENCHMARK(BM_CardSequential);

void BM_TimedSequential(benchmark::State& state) { sequential(state, "timed.flow", timed_flow); }
BENCHMARK(BM_TimedSequential);

void BM_ReminderFired(benchmark::State& state) {
    auto def = compile("timed.flow", timed_flow);
    auto instances = pool(def, {"client", "manager"}, "awaiting(client)");
    std::string const name = "timer(remind#1(client))";
    Machine m;
    Noop noop;
    Step step;
    std::size_t i = 0;
    for (auto _ : state) {
        Instance& inst = instances[i++ % pool_size];
        step.clear();
        // fired = 0: re-armed every time (at most 3 times)
        m.apply(inst, Event{name, nullptr, now(), 0}, now(), noop, step);
        benchmark::DoNotOptimize(step);
        check_applied(state, step);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ReminderFired);

void BM_Ignored(benchmark::State& state) {
    auto def = compile("card.flow", card_flow);
    auto instances = pool(def, {"client", "manager"}, "awaiting(client)");
    std::string const name = "signed(manager)";
    Machine m;
    Noop noop;
    Step step;
    std::size_t i = 0;
    for (auto _ : state) {
        Instance& inst = instances[i++ % pool_size];
        step.clear();
        m.apply(inst, Event{name}, now(), noop, step);
        benchmark::DoNotOptimize(step);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Ignored);

void BM_Start(benchmark::State& state) {
    auto def = compile("card.flow", card_flow);
    json data = {{"signers", {{"client", "c@x.com"}, {"manager", "m@x.com"}}}};
    Machine m;
    Noop noop;
    Step step;
    std::int64_t id = 0;
    for (auto _ : state) {
        Instance inst;
        inst.id = ++id;
        step.clear();
        m.start(inst, def, 0, data, now(), noop, step);
        benchmark::DoNotOptimize(inst);
        benchmark::DoNotOptimize(step);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Start);

}  // namespace

BENCHMARK_MAIN();
