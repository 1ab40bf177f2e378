// Memory and restore time of the runtime with many waiting envelopes and
// pending timers (a plain program, not Google Benchmark).
//
//   ninja -C build-bench -j2 runtime_memory
//   build-bench/bench/runtime_memory                 # 300,000 envelopes; 1,000,000 timers
//   build-bench/bench/runtime_memory 30000 100000    # smaller
//   build-bench/bench/runtime_memory 300000 1000000 /var/tmp/rm   # keep the files there
//   build-bench/bench/runtime_memory --restore /var/tmp/rm/C      # measure a kept one again
//
// Targets: <= 2 KB resident per waiting envelope; 1,000,000 pending timers in
// <= 200 MB, restored on start in <= 3 s.
//
// Four scenarios, each in two child processes (one fills a fresh SQLite
// file through SqliteStore::commit, one measures), so that every measurement
// starts from a clean heap:
//   0  no envelope: the Runtime's fixed cost (rules compiled, the time-zone
//      database, threads), subtracted from A.
//   A  ENVELOPES of examples/card.flow in awaiting(client), no timers:
//      resident bytes per waiting envelope = (A - 0) / ENVELOPES.
//   B  ceil(TIMERS / 3) envelopes of the "timed" flow (card + remind every
//      1d, at most 3 times / expire after 14d, warn 2d before) in
//      awaiting(client), their timer rows NOT stored: the baseline for C.
//   C  the same envelopes WITH their three timers each (expire#1, warn#1,
//      remind#1(client), due 1 to 14 days ahead): C - B is what the timers
//      cost; C's Runtime::start() is the restore time.
// Each envelope is made the way the daemon makes it: Machine::start on a
// realistic trigger event (both signers as objects with name, email and
// time zone, plus form fields), then the `done` of the fill; the records are
// what engine/src/runtime/shard.cpp writes (to_record / progress_of, the
// timers of the step's last operation on each). The measuring child opens
// the store, then constructs an engine::Runtime (two shards, no HTTP, no
// watcher, the io_context never runs) and times Runtime::start(); VmRSS is
// read from /proc/self/status before the Runtime is constructed and after
// start() returns (and again after malloc_trim(0), which gives back the
// freed parts of the heap: what start() parsed and dropped).
// It prints start()'s wall and CPU time, and (after the measurement) how
// long SQLite alone takes to read the same rows. The figures are checked
// against the runtime's own gauges
// (signflow_envelopes_running, signflow_timers_pending). Exits 1 when the
// restore does not find every envelope and timer.
#include "signflow/base/allocator.hpp"
#include "signflow/dsl/compile.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/dsl/render.hpp"
#include "signflow/engine/definition.hpp"
#include "signflow/engine/machine.hpp"
#include "signflow/engine/observer.hpp"
#include "signflow/engine/runtime.hpp"
#include "signflow/storage/sqlite_store.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <boost/asio/io_context.hpp>

#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace signflow;
using engine::Instance;
using nlohmann::json;

constexpr char const* card_flow = R"(# examples/card.flow
on form_submitted
  -> fill nda
  -> sign sequentially [client, manager]
  -> on completed invoke billing
)";

constexpr char const* timed_flow = R"(# card.flow with reminders, an expiry and its warning
on form_submitted
  -> fill nda
  -> sign sequentially [client, manager]
       remind every 1d, at most 3 times
       expire after 14d, warn 2d before
  -> on completed invoke billing
)";

long long vm_rss() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
    return -1;
}

double mb(long long bytes) { return static_cast<double>(bytes) / 1e6; }

double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

class Noop final : public engine::Observer {};

engine::DefinitionPtr compile(std::string const& file, std::string const& text, dsl::Catalog const& catalog) {
    dsl::SourceFile source(file, text);
    auto result = dsl::compile(source, catalog);
    if (!result.workflow) {
        std::cerr << "runtime_memory: " << file << " does not compile:\n"
                  << dsl::render_human(source, result.diagnostics.all());
        std::exit(2);
    }
    std::string hash = ir::content_hash(*result.workflow);
    return std::make_shared<engine::Definition const>(std::move(*result.workflow), std::move(hash));
}

// A realistic trigger event: the web form's fields, both signers as people.
json trigger_event(std::int64_t i) {
    std::string n = std::to_string(i);
    return {{"form", "card_request"},
            {"reference", "REF-" + n},
            {"submitted_at", "2026-11-27T10:15:00Z"},
            {"signers",
             {{"client", {{"name", "Client " + n}, {"email", "client." + n + "@example.com"}, {"timezone", "Europe/Paris"}}},
              {"manager", {{"name", "Morgan Manager"}, {"email", "manager@acme.example"}, {"timezone", "Europe/London"}}}}}};
}

// shard.cpp's progress_of / to_record.
std::string progress_of(Instance const& inst) {
    return json{{"trigger", inst.trigger},
                {"entered_by", inst.definition->event_name(inst.entered_by)},
                {"signed", inst.signed_mask},
                {"seq", inst.seq}}
        .dump();
}

engine::InstanceRecord to_record(Instance const& inst) {
    engine::InstanceRecord r;
    r.id = inst.id;
    r.workflow = inst.definition->name();
    r.version = inst.definition->version();
    r.state = inst.definition->state_name(inst.state);
    r.status = std::string(engine::status_name(inst.status));
    r.data = inst.data;
    r.progress = progress_of(inst);
    r.created_ms = inst.created_ms;
    r.updated_ms = inst.updated_ms;
    return r;
}

struct Scenario {
    char const* name;
    char const* flow_file;
    char const* flow_text;
    std::int64_t envelopes;
    bool timers;
};

// Child 1: a fresh database with the scenario's envelopes (and timers).
int fill(Scenario const& s, fs::path const& dir) {
    auto t0 = std::chrono::steady_clock::now();
    stdlib::StandardCatalog catalog;
    auto def = compile(s.flow_file, s.flow_text, catalog);
    fs::create_directories(dir / "rules");
    std::ofstream(dir / "rules" / s.flow_file) << s.flow_text;
    fs::path db = dir / "signflow.db";
    for (char const* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);

    storage::SqliteStore store(db.string());
    store.migrate();
    auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    store.save_definition({def->version(), def->name(), ir::to_json(def->ir()).dump(), engine::to_millis(now)});

    engine::Machine machine;
    Noop noop;
    engine::Step step;
    std::vector<engine::Change> batch;
    std::int64_t timers = 0, data_bytes = 0;
    auto waiting = *def->find_state("awaiting(client)");
    for (std::int64_t i = 1; i <= s.envelopes; ++i) {
        Instance inst;
        inst.id = i;
        json event = trigger_event(i);
        step.clear();
        machine.start(inst, def, 0, event, now, noop, step);
        step.clear();
        machine.apply(inst, engine::Event{"done"}, now, noop, step);
        if (!step.applied || inst.state != waiting) {
            std::cerr << "runtime_memory: envelope " << i << " is not in awaiting(client)\n";
            return 1;
        }
        engine::Change c;
        c.instances.push_back(to_record(inst));
        data_bytes += static_cast<std::int64_t>(inst.data.size());
        if (s.timers) {
            std::map<engine::TimerId, engine::TimerOp const*> last;
            for (auto const& op : step.timers) last[op.timer] = &op;
            for (auto const& [timer, op] : last)
                if (op->arm) {
                    c.timers_armed.push_back(
                        {i, def->timer(timer).id, engine::to_millis(op->due), op->zone, op->fired});
                    ++timers;
                }
        }
        batch.push_back(std::move(c));
        if (batch.size() == 10000 || i == s.envelopes) {
            store.commit(batch);
            batch.clear();
        }
    }
    std::printf("%s: filled %s with %lld envelopes of %s (data %lld bytes each on average) and %lld timers in "
                "%.1f s; file and WAL %.1f MB\n",
                s.name, db.c_str(), static_cast<long long>(s.envelopes), def->name().c_str(),
                static_cast<long long>(data_bytes / std::max<std::int64_t>(1, s.envelopes)),
                static_cast<long long>(timers), seconds_since(t0),
                mb(static_cast<long long>(fs::file_size(db) + fs::file_size(db.string() + "-wal"))));
    return 0;
}

long long gauge(std::string const& metrics, std::string const& name) {
    auto p = metrics.find("\n" + name + " ");
    if (p == std::string::npos) return -1;
    return std::atoll(metrics.c_str() + p + name.size() + 2);
}

// Child 2: restore it and measure. Writes "rss trimmed seconds" to `out`.
int measure(Scenario const& s, fs::path const& dir, std::int64_t expected_timers, fs::path const& out) {
    stdlib::StandardCatalog catalog;
    storage::SqliteStore store((dir / "signflow.db").string());
    boost::asio::io_context io;
    malloc_trim(0);
    long long before = vm_rss();

    engine::RuntimeOptions options;
    options.rules = dir / "rules";
    options.connector_log = (dir / "calls.jsonl").string();
    options.watch = false;
    options.shards = 2;
    std::string restored_line;
    engine::Runtime runtime(io, store, catalog, options, [&](engine::LogLevel, std::string const& m) {
        if (m.rfind("restored ", 0) == 0) restored_line = m;
    });
    auto t0 = std::chrono::steady_clock::now();
    double cpu0 = cpu_seconds();
    runtime.start();
    double took = seconds_since(t0);
    double cpu = cpu_seconds() - cpu0;
    long long after = vm_rss();
    malloc_trim(0);
    long long trimmed = vm_rss();

    std::string metrics = runtime.metrics();
    long long running = gauge(metrics, "signflow_envelopes_running");
    long long pending = gauge(metrics, "signflow_timers_pending");
    std::printf("%s: Runtime::start() %.2f s wall, %.2f s CPU (%s); VmRSS %.1f MB before the Runtime, %.1f MB after start(), "
                "%.1f MB after malloc_trim\n",
                s.name, took, cpu, restored_line.c_str(), mb(before), mb(after), mb(trimmed));
    // What of start() is SQLite reading the rows (the same queries, into
    // records that are dropped at once): the rest is the runtime adopting them.
    auto t1 = std::chrono::steady_clock::now();
    double c1 = cpu_seconds();
    std::int64_t rows = 0;
    store.load_running_instances([&](engine::InstanceRecord&&) { ++rows; });
    double read_instances = seconds_since(t1), read_instances_cpu = cpu_seconds() - c1;
    t1 = std::chrono::steady_clock::now();
    c1 = cpu_seconds();
    store.load_timers([&](engine::TimerRecord&&) { ++rows; });
    double read_timers = seconds_since(t1), read_timers_cpu = cpu_seconds() - c1;
    std::printf("%s: of which SQLite alone (Store::load_running_instances / load_timers, records dropped): "
                "%.2f s / %.2f s wall, %.2f s / %.2f s CPU\n",
                s.name, read_instances, read_timers, read_instances_cpu, read_timers_cpu);
    std::ofstream(out) << (after - before) << " " << (trimmed - before) << " " << took << "\n";
    if (s.envelopes >= 0 && (running != s.envelopes || pending != expected_timers)) {
        std::printf("%s: FAILED: the runtime reports %lld running envelopes and %lld pending timers; expected "
                    "%lld and %lld\n",
                    s.name, running, pending, static_cast<long long>(s.envelopes),
                    static_cast<long long>(expected_timers));
        return 1;
    }
    return 0;
}

int in_child(std::function<int()> const& f) {
    std::fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        std::perror("fork");
        std::exit(2);
    }
    if (pid == 0) {
        int rc = 1;
        try {
            rc = f();
        } catch (std::exception const& e) {
            std::fprintf(stderr, "runtime_memory: %s\n", e.what());
        }
        std::fflush(stdout);
        std::_Exit(rc);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

struct Result {
    long long rss = 0, trimmed = 0;
    double seconds = 0;
};

}  // namespace

int main(int argc, char** argv) {
    std::printf("allocator: %s\n", signflow::base::allocator_name().c_str());
    if (argc == 3 && std::string(argv[1]) == "--restore") {
        // Only the measurement, on a folder kept by an earlier run (for a
        // profiler: perf record -g runtime_memory --restore DIR/C).
        Scenario s{"restore", "", "", -1, false};
        return measure(s, argv[2], 0, fs::path(argv[2]) / "result.txt");
    }
    std::int64_t envelopes = argc > 1 ? std::atoll(argv[1]) : 300000;
    std::int64_t timer_target = argc > 2 ? std::atoll(argv[2]) : 1000000;
    bool keep = argc > 3;
    fs::path root = keep ? fs::path(argv[3]) : fs::temp_directory_path() / ("signflow-runtime-memory-" +
                                                                             std::to_string(getpid()));
    fs::create_directories(root);
    std::int64_t timed_envelopes = (timer_target + 2) / 3;

    Scenario scenarios[] = {
        {"0", "card.flow", card_flow, 0, false},
        {"A", "card.flow", card_flow, envelopes, false},
        {"B", "timed.flow", timed_flow, timed_envelopes, false},
        {"C", "timed.flow", timed_flow, timed_envelopes, true},
    };
    Result results[4];
    int failed = 0;
    for (int k = 0; k < 4; ++k) {
        Scenario const& s = scenarios[k];
        fs::path dir = root / s.name;
        if (in_child([&] { return fill(s, dir); }) != 0) return 1;
        fs::path out = dir / "result.txt";
        std::int64_t expected = s.timers ? timed_envelopes * 3 : 0;
        failed |= in_child([&] { return measure(s, dir, expected, out); });
        std::ifstream in(out);
        in >> results[k].rss >> results[k].trimmed >> results[k].seconds;
    }

    Result const &zero = results[0], &a = results[1], &b = results[2], &c = results[3];
    double per_envelope = static_cast<double>(a.rss - zero.rss) / static_cast<double>(envelopes);
    double per_envelope_trimmed = static_cast<double>(a.trimmed - zero.trimmed) / static_cast<double>(envelopes);
    std::int64_t timers = timed_envelopes * 3;
    double timers_mb = mb(c.rss - b.rss);
    double timers_mb_trimmed = mb(c.trimmed - b.trimmed);
    std::printf("\nthe Runtime's fixed cost (0): %.1f MB\n", mb(zero.rss));
    std::printf("per waiting envelope ((A - 0) / %lld, card.flow in awaiting(client)): %.0f bytes resident (%.0f "
                "after malloc_trim) [target <= 2048]\n",
                static_cast<long long>(envelopes), per_envelope, per_envelope_trimmed);
    std::printf("%lld pending timers (C - B): %.1f MB (%.1f after malloc_trim), %.0f bytes each [target <= 200 MB "
                "for 1,000,000]\n",
                static_cast<long long>(timers), timers_mb, timers_mb_trimmed,
                (timers_mb * 1e6) / static_cast<double>(timers));
    std::printf("restore of %lld envelopes + %lld timers (C): Runtime::start() %.2f s [target <= 3 s]; whole "
                "process %.1f MB over its baseline\n",
                static_cast<long long>(timed_envelopes), static_cast<long long>(timers), c.seconds, mb(c.rss));
    std::printf("(restore without timers: A %.2f s for %lld envelopes, B %.2f s for %lld)\n", a.seconds,
                static_cast<long long>(envelopes), b.seconds, static_cast<long long>(timed_envelopes));
    if (!keep) fs::remove_all(root);
    return failed;
}
