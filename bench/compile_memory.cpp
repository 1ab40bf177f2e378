// Peak memory and throughput of compiling the benchmark set while keeping
// every IR alive (what a daemon that loads a whole rules folder holds).
//
//   ninja -C build-bench -j2 compile_memory
//   build-bench/bench/compile_memory            # the 10,000-workflow set
//   build-bench/bench/compile_memory 1000       # a smaller set
//
// Generates the same set as compile_bench (bench/workflow_gen.hpp), then
// measures resident memory (getrusage ru_maxrss, and VmRSS / VmHWM from
// /proc/self/status) twice: while compiling every workflow and keeping only
// its hash (the compiler's working memory), then while compiling every
// workflow with
// dsl::compile(), keeping the IRs (the trees and diagnostics are dropped as
// each compile returns, as `signflow serve` would). Prints the source size,
// the growth of the peak over the baseline, its ratio to the source size
// (target: under 10x), and the compile throughput. Exits 1 when a workflow
// does not compile, or when the ratio is 10 or more.
#include "workflow_gen.hpp"

#include "signflow/dsl/compile.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/dsl/render.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

namespace dsl = signflow::dsl;

// A `VmXXX:   1234 kB` line of /proc/self/status, in bytes (-1 if missing).
long long proc_status_bytes(char const* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    std::string prefix = std::string(key) + ":";
    while (std::getline(in, line))
        if (line.rfind(prefix, 0) == 0) return std::atoll(line.c_str() + prefix.size()) * 1024;
    return -1;
}

long long maxrss_bytes() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<long long>(ru.ru_maxrss) * 1024;  // Linux: kilobytes
}

double mib(long long bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

struct Snapshot {
    long long rss, hwm, maxrss;
    static Snapshot take() { return {proc_status_bytes("VmRSS"), proc_status_bytes("VmHWM"), maxrss_bytes()}; }
};

}  // namespace

int main(int argc, char** argv) {
    std::size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000;
    signflow::stdlib::StandardCatalog catalog;

    // The inputs, as SourceFiles (text + line index), before the baseline.
    std::vector<dsl::SourceFile> sources;
    long long source_bytes = 0;
    {
        auto texts = bench::generate_set(count);
        sources.reserve(texts.size());
        for (std::size_t i = 0; i < texts.size(); ++i) {
            char name[32];
            std::snprintf(name, sizeof name, "wf_%05zu.flow", i);
            source_bytes += static_cast<long long>(texts[i].size());
            sources.emplace_back(name, std::move(texts[i]));
        }
    }
    std::vector<signflow::ir::Workflow> workflows;
    workflows.reserve(sources.size());
    // Warm the catalog (its tables are built on first use), then return
    // freed memory so the baseline is what is live.
    {
        dsl::SourceFile warm("warm.flow", "on form_submitted -> fill nda -> sign [client]\n");
        (void)dsl::compile(warm, catalog);
    }
    malloc_trim(0);

    // Phase 1, streaming: compile every workflow and keep only its version
    // id, as `signflow check` does with a folder. Its peak is the compiler's
    // own working memory.
    Snapshot stream_before = Snapshot::take();
    std::size_t hashed = 0;
    for (auto const& source : sources) {
        auto result = dsl::compile(source, catalog);
        if (result.workflow) hashed += signflow::ir::content_hash(*result.workflow).size();
    }
    Snapshot stream_after = Snapshot::take();
    long long stream_peak = stream_after.hwm - stream_before.rss;
    malloc_trim(0);

    // Phase 2: keep every IR alive, as a daemon that loads a rules folder does.
    Snapshot before = Snapshot::take();

    auto t0 = std::chrono::steady_clock::now();
    std::size_t warnings = 0;
    for (auto const& source : sources) {
        auto result = dsl::compile(source, catalog);
        if (!result.workflow) {
            std::cerr << "compile_memory: generated workflow " << source.path() << " does not compile:\n"
                      << dsl::render_human(source, result.diagnostics.all()) << "--- source ---\n"
                      << source.text();
            return 1;
        }
        warnings += result.diagnostics.warning_count();
        workflows.push_back(std::move(*result.workflow));
    }
    auto t1 = std::chrono::steady_clock::now();
    Snapshot after = Snapshot::take();

    double seconds = std::chrono::duration<double>(t1 - t0).count();
    long long peak_growth = after.hwm - before.rss;     // the peak during compilation, over the baseline
    long long live_growth = after.rss - before.rss;     // what the IRs still hold
    double ratio = static_cast<double>(peak_growth) / static_cast<double>(source_bytes);

    std::printf("workflows:           %zu (%zu warnings)\n", sources.size(), warnings);
    std::printf("source bytes:        %lld (%.2f MiB, %.0f bytes average)\n", source_bytes, mib(source_bytes),
                static_cast<double>(source_bytes) / static_cast<double>(sources.size()));
    std::printf("RSS before:          %.2f MiB (VmHWM %.2f MiB, ru_maxrss %.2f MiB)\n", mib(before.rss),
                mib(before.hwm), mib(before.maxrss));
    std::printf("RSS after:           %.2f MiB (all IRs alive)\n", mib(after.rss));
    std::printf("peak (VmHWM):        %.2f MiB (ru_maxrss %.2f MiB)\n", mib(after.hwm), mib(after.maxrss));
    std::printf("peak growth:         %.2f MiB = peak - RSS before\n", mib(peak_growth));
    std::printf("IR memory held:      %.2f MiB = RSS after - RSS before\n", mib(live_growth));
    std::printf("streaming peak:      %.2f MiB over the baseline = %.3fx the source (%zu hashes)\n",
                mib(stream_peak), static_cast<double>(stream_peak) / static_cast<double>(source_bytes), hashed / 64);
    std::printf("peak / source:       %.2fx with every IR kept (target < 10x)\n", ratio);
    std::printf("IR held / source:    %.2fx\n", static_cast<double>(live_growth) / static_cast<double>(source_bytes));
    std::printf("compile time:        %.3f s\n", seconds);
    std::printf("throughput:          %.2f MB/s, %.0f workflows/s\n",
                static_cast<double>(source_bytes) / 1e6 / seconds, static_cast<double>(sources.size()) / seconds);
    return ratio < 10.0 ? 0 : 1;
}
