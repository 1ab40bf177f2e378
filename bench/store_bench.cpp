// Commit throughput of the SQLite store: how many events per second the
// engine's group committer can make durable, by batch size.
//
// One event's Change is the typical one: the instance upserted (it moved to
// another state), one journal line, one timer armed (a reminder), one outbox
// row (a notification). Instances already exist, as for most events.
//
// Two places: /tmp (a real disk: every commit waits for fsync, which is what
// batching is for) and /dev/shm (tmpfs: fsync costs nothing, so the figure is
// the store's own cost). Wall-clock time, since fsync waits off the CPU.
//
//   build-bench/bench/store_bench
//   build-bench/bench/store_bench --benchmark_filter=tmpfs
#include "signflow/storage/sqlite_store.hpp"

#include <benchmark/benchmark.h>

#include <charconv>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using namespace signflow::engine;
namespace fs = std::filesystem;

constexpr std::int64_t instances = 10'000;
std::string const version(64, 'a');

InstanceRecord instance(std::int64_t id) {
    InstanceRecord r;
    r.id = id;
    r.workflow = "client_nda";
    r.version = version;
    r.state = "awaiting_signature";
    r.status = "running";
    r.data = R"({"trigger":{"client":{"email":"client@example.com","name":"Client Ltd"}},)"
             R"("fields":{"company":"Client Ltd","amount":12000},"roles":{"client":"client@example.com"}})";
    r.progress = R"({"entered_by":"form_submitted","signed":[],"seq":3})";
    r.created_ms = 1'700'000'000'000;
    r.updated_ms = r.created_ms;
    return r;
}

// Writes `n` as the digits after `prefix` in `out`, reusing its buffer.
void numbered(std::string& out, char const* prefix, std::int64_t n) {
    out = prefix;
    char digits[24];
    auto const end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out.append(digits, end);
}

void commit_throughput(benchmark::State& state, char const* directory) {
    auto const batch_size = static_cast<std::size_t>(state.range(0));
    fs::path const file =
        fs::path(directory) / ("signflow-store-bench-" + std::to_string(::getpid()) + "-" +
                               std::to_string(batch_size) + ".db");
    fs::remove(file);
    {
        signflow::storage::SqliteStore store(file.string());
        store.migrate();
        store.save_definition({version, "client_nda", "{}", 0});
        std::vector<Change> setup(static_cast<std::size_t>(instances));
        for (std::int64_t id = 1; id <= instances; ++id)
            setup[static_cast<std::size_t>(id - 1)].instances.push_back(instance(id));
        store.commit(setup);

        // One batch, built once; each round renumbers it in place.
        std::vector<Change> batch(batch_size);
        for (auto& c : batch) {
            c.instances.push_back(instance(1));
            c.journal.push_back({1, 0, "event", R"json({"event":"reminder","trace":["timer remind#1(client)"]})json"});
            c.timers_armed.push_back({1, "remind#1(client)", 0, "Europe/Berlin", 1});
            OutboxRecord o;
            o.instance = 1;
            o.kind = "notify";
            o.target = "client";
            o.payload = R"({"template":"reminder","to":"client@example.com"})";
            o.status = "pending";
            c.outbox_added.push_back(std::move(o));
        }

        std::int64_t event = 0;
        for (auto _ : state) {
            for (auto& c : batch) {
                ++event;
                std::int64_t const id = event % instances + 1;
                c.instances[0].id = id;
                c.instances[0].updated_ms = event;
                c.journal[0].instance = id;
                c.journal[0].at_ms = event;
                c.timers_armed[0].instance = id;
                c.timers_armed[0].due_ms = event + 86'400'000;
                c.outbox_added[0].instance = id;
                c.outbox_added[0].created_ms = event;
                numbered(c.outbox_added[0].key, "notify/reminder/", event);
            }
            store.commit(batch);
        }
        state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch_size));
        state.counters["commits_per_second"] =
            benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
    }
    for (char const* suffix : {"", "-wal", "-shm"}) fs::remove(file.string() + suffix);
}

}  // namespace

BENCHMARK_CAPTURE(commit_throughput, disk, "/tmp")->Arg(1)->Arg(16)->Arg(128)->Arg(1024)->UseRealTime();
BENCHMARK_CAPTURE(commit_throughput, tmpfs, "/dev/shm")->Arg(1)->Arg(16)->Arg(128)->Arg(1024)->UseRealTime();
