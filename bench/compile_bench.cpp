// Throughput of the workflow compiler on one core (Google Benchmark).
//
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIGNFLOW_TESTS=OFF
//   ninja -C build-bench -j2 compile_bench
//   build-bench/bench/compile_bench                                  # everything
//   build-bench/bench/compile_bench --benchmark_filter=ParseCheckCompile
//   taskset -c 1 build-bench/bench/compile_bench                     # pin to one core
//
// The input is a set of 10,000 generated workflows (bench/workflow_gen.hpp,
// fixed seed: the same set on every run and machine, ~2 KB each). One
// iteration processes the whole set; bytes/s is source bytes, items/s is
// workflows. Benchmarks:
//   BM_ParseCheckCompile  dsl::compile(): parse + check + lower (+ sorting diagnostics)
//   BM_Parse              dsl::parse() alone
//   BM_Check              dsl::check() on pre-parsed trees
//   BM_Lower              dsl::lower() on pre-parsed, checked trees
//   BM_ContentHash        ir::content_hash() (canonical JSON + SHA-256) of pre-lowered IRs
//   BM_Format             dsl::format() of pre-parsed trees
// SourceFile objects (text + line index) are built once, outside the timings.
// At start-up every workflow of the set is compiled once: the program stops
// with the diagnostics if any has an error (the generator must only produce
// valid workflows), and reports how many warnings the set has.
#include "workflow_gen.hpp"

#include "signflow/dsl/compile.hpp"
#include "signflow/dsl/format.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/dsl/parse.hpp"
#include "signflow/dsl/render.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace dsl = signflow::dsl;
namespace ir = signflow::ir;

constexpr std::size_t set_size = 10000;

struct Corpus {
    signflow::stdlib::StandardCatalog catalog;
    std::vector<dsl::SourceFile> sources;
    std::vector<dsl::ast::File> trees;
    std::vector<ir::Workflow> workflows;
    std::int64_t bytes = 0;

    Corpus() {
        auto texts = bench::generate_set(set_size);
        sources.reserve(texts.size());
        for (std::size_t i = 0; i < texts.size(); ++i) {
            char name[32];
            std::snprintf(name, sizeof name, "wf_%05zu.flow", i);
            bytes += static_cast<std::int64_t>(texts[i].size());
            sources.emplace_back(name, std::move(texts[i]));
        }
        std::size_t warnings = 0;
        trees.reserve(sources.size());
        workflows.reserve(sources.size());
        for (auto const& source : sources) {
            auto result = dsl::compile(source, catalog);
            if (result.diagnostics.has_errors() || !result.workflow) {
                std::cerr << "compile_bench: generated workflow " << source.path() << " does not compile:\n"
                          << dsl::render_human(source, result.diagnostics.all()) << "--- source ---\n"
                          << source.text();
                std::abort();
            }
            warnings += result.diagnostics.warning_count();
            trees.push_back(std::move(result.ast));
            workflows.push_back(std::move(*result.workflow));
        }
        std::fprintf(stderr, "compile_bench: %zu workflows, %lld source bytes (%.1f KB average), %zu warnings\n",
                     sources.size(), static_cast<long long>(bytes),
                     static_cast<double>(bytes) / 1024.0 / static_cast<double>(sources.size()), warnings);
    }
};

Corpus const& corpus() {
    static Corpus const c;
    return c;
}

void report(benchmark::State& state, Corpus const& c) {
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * c.bytes);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(c.sources.size()));
}

void BM_ParseCheckCompile(benchmark::State& state) {
    auto const& c = corpus();
    for (auto _ : state) {
        for (auto const& source : c.sources) {
            auto result = dsl::compile(source, c.catalog);
            if (!result.workflow) {
                state.SkipWithError("a workflow did not compile");
                return;
            }
            benchmark::DoNotOptimize(result);
        }
    }
    report(state, c);
}

void BM_Parse(benchmark::State& state) {
    auto const& c = corpus();
    for (auto _ : state) {
        for (auto const& source : c.sources) {
            dsl::Diagnostics diags;
            auto file = dsl::parse(source, diags);
            benchmark::DoNotOptimize(file);
        }
    }
    report(state, c);
}

void BM_Check(benchmark::State& state) {
    auto const& c = corpus();
    for (auto _ : state) {
        for (std::size_t i = 0; i < c.sources.size(); ++i) {
            dsl::Diagnostics diags;
            dsl::check(c.sources[i], c.trees[i], c.catalog, diags);
            benchmark::DoNotOptimize(diags);
        }
    }
    report(state, c);
}

void BM_Lower(benchmark::State& state) {
    auto const& c = corpus();
    for (auto _ : state) {
        for (std::size_t i = 0; i < c.sources.size(); ++i) {
            auto w = dsl::lower(c.sources[i], c.trees[i], c.catalog);
            benchmark::DoNotOptimize(w);
        }
    }
    report(state, c);
}

void BM_ContentHash(benchmark::State& state) {
    auto const& c = corpus();
    for (auto _ : state) {
        for (auto const& w : c.workflows) {
            auto h = ir::content_hash(w);
            benchmark::DoNotOptimize(h);
        }
    }
    report(state, c);
}

void BM_Format(benchmark::State& state) {
    auto const& c = corpus();
    for (auto _ : state) {
        for (std::size_t i = 0; i < c.sources.size(); ++i) {
            auto text = dsl::format(c.sources[i], c.trees[i]);
            benchmark::DoNotOptimize(text);
        }
    }
    report(state, c);
}

// One iteration is the whole set (a few hundred ms): run each at least ~2 s.
BENCHMARK(BM_ParseCheckCompile)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Parse)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Check)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Lower)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_ContentHash)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Format)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
