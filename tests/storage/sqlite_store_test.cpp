// The SQLite store on real files: each test case gets a fresh directory under
// the system's temp directory and removes it afterwards.
#include "signflow/storage/sqlite_store.hpp"

#include "store_records.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <sqlite3.h>  // to set up files the store must refuse

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>
#include <tuple>

namespace {

namespace fs = std::filesystem;
using namespace signflow::test_records;
using namespace signflow::engine;
using signflow::storage::ApiKeyRecord;
using signflow::storage::BatchRecord;
using signflow::storage::SqliteStore;

class TempDir {
public:
    TempDir() {
        std::random_device random;
        path_ = fs::temp_directory_path() /
                ("signflow-store-test-" + std::to_string(random()) + "-" + std::to_string(random()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(TempDir const&) = delete;
    TempDir& operator=(TempDir const&) = delete;
    std::string file(std::string const& name = "store.db") const { return (path_ / name).string(); }
    fs::path const& path() const { return path_; }

private:
    fs::path path_;
};


// A migrated store on `file` with both test definitions saved.
std::unique_ptr<SqliteStore> open_store(std::string const& file) {
    auto store = std::make_unique<SqliteStore>(file);
    store->migrate();
    store->save_definition({version_a, "nda", R"({"workflow":"nda"})", 1});
    store->save_definition({version_b, "hire", R"({"workflow":"hire"})", 2});
    return store;
}

InstanceFilter filter(std::string workflow, std::string state = "", std::string status = "", int limit = 100) {
    InstanceFilter f;
    f.workflow = std::move(workflow);
    f.state = std::move(state);
    f.status = std::move(status);
    f.limit = limit;
    return f;
}

std::vector<std::string> keys(std::vector<OutboxRecord> const& rows) {
    std::vector<std::string> out;
    for (auto const& r : rows) out.push_back(r.key);
    return out;
}

// Runs SQL on the file directly, as another program would.
void raw_exec(std::string const& file, char const* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
    char* error = nullptr;
    int const rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
    std::string const message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    INFO(message);
    REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("store: migrate twice is harmless, also from a second opening", "[store]") {
    TempDir dir;
    auto store = open_store(dir.file());
    commit(*store, {new_instance(1)});
    store->migrate();
    store.reset();

    SqliteStore again(dir.file());
    again.migrate();
    again.migrate();
    CHECK(again.find_instance(1).has_value());
    CHECK(again.load_definitions().size() == 2);
    CHECK(SqliteStore::latest_schema_version() >= 1);
}

TEST_CASE("store: outbox rows written before routes were stored get the connector they were sent to", "[store]") {
    TempDir dir;
    open_store(dir.file()).reset();
    // A database as schema version 5 left it: no connector column (nor
    // what later versions added).
    raw_exec(dir.file(), "ALTER TABLE outbox DROP COLUMN connector");
    raw_exec(dir.file(), "ALTER TABLE idempotency DROP COLUMN outcome");
    raw_exec(dir.file(), "ALTER TABLE documents DROP COLUMN document");
    raw_exec(dir.file(), "ALTER TABLE signing_tokens DROP COLUMN expires_ms");
    raw_exec(dir.file(), "ALTER TABLE signing_tokens DROP COLUMN used_ms");
    raw_exec(dir.file(), "ALTER TABLE signing_tokens DROP COLUMN detail");
    raw_exec(dir.file(), "DROP TABLE envelope_people");
    raw_exec(dir.file(), "DROP TABLE leases");  // (migration 11)
    raw_exec(dir.file(), "DROP TABLE members");  // (migration 12)
    raw_exec(dir.file(), "DROP TABLE cluster_keys");
    raw_exec(dir.file(), "ALTER TABLE journal DROP COLUMN epoch");
    raw_exec(dir.file(), "DELETE FROM schema_version WHERE version >= 6");
    auto row = [](std::string const& key, std::string const& kind, std::string const& target,
                  std::string const& payload) {
        return "INSERT INTO outbox (key, instance, kind, target, payload, attempts, next_attempt_ms, status, "
               "last_error, created_ms) VALUES ('" + key + "', 1, '" + kind + "', '" + target + "', '" + payload +
               "', 0, 0, 'pending', '', 0)";
    };
    raw_exec(dir.file(), row("fill", "fill", "nda", R"({"workflow":"w"})").c_str());
    raw_exec(dir.file(), row("seal", "seal", "documents", "{}").c_str());
    raw_exec(dir.file(), row("ask", "request_signature", "client", R"({"to":{"role":"client"}})").c_str());
    raw_exec(dir.file(), row("warn", "warn_expiry", "", R"({"to":[]})").c_str());
    raw_exec(dir.file(), row("tell", "notify", "client", R"({"to":{"role":"client"}})").c_str());
    raw_exec(dir.file(), row("crm", "notify", "crm", R"({"data":{"note":"\"to\":"}})").c_str());
    raw_exec(dir.file(), row("bill", "invoke", "billing", "{}").c_str());
    raw_exec(dir.file(), row("keep", "archive", "", "{}").c_str());
    raw_exec(dir.file(), row("hook", "webhook", "ops", "{}").c_str());

    SqliteStore store(dir.file());
    store.migrate();
    std::map<std::string, std::string> connector;
    for (auto const& o : store.list_outbox("pending", 100)) connector[o.key] = o.connector;
    CHECK(connector == std::map<std::string, std::string>{{"fill", "documents"},
                                                          {"seal", "documents"},
                                                          {"ask", "messages"},
                                                          {"warn", "messages"},
                                                          {"tell", "messages"},
                                                          // "to": inside the data is not a recipient
                                                          {"crm", "crm"},
                                                          {"bill", "billing"},
                                                          {"keep", ""},
                                                          {"hook", "ops"}});
}

TEST_CASE("store: idempotency answers kept as statuses become outcomes", "[store]") {
    TempDir dir;
    open_store(dir.file()).reset();
    raw_exec(dir.file(), "ALTER TABLE idempotency DROP COLUMN outcome");
    raw_exec(dir.file(), "ALTER TABLE documents DROP COLUMN document");
    raw_exec(dir.file(), "ALTER TABLE signing_tokens DROP COLUMN expires_ms");
    raw_exec(dir.file(), "ALTER TABLE signing_tokens DROP COLUMN used_ms");
    raw_exec(dir.file(), "ALTER TABLE signing_tokens DROP COLUMN detail");
    raw_exec(dir.file(), "DROP TABLE envelope_people");
    raw_exec(dir.file(), "DROP TABLE leases");  // (migration 11)
    raw_exec(dir.file(), "DROP TABLE members");  // (migration 12)
    raw_exec(dir.file(), "DROP TABLE cluster_keys");
    raw_exec(dir.file(), "ALTER TABLE journal DROP COLUMN epoch");
    raw_exec(dir.file(), "DELETE FROM schema_version WHERE version >= 7");
    for (auto const& [key, status] : std::map<std::string, int>{{"a", 202}, {"b", 404}, {"c", 409}, {"d", 429},
                                                                  {"e", 403}, {"f", 410}, {"g", 422}})
        raw_exec(dir.file(), ("INSERT INTO idempotency (key, status, response, created_ms, request) VALUES ('" + key +
                              "', " + std::to_string(status) + ", '{}', 1, '')")
                                 .c_str());
    SqliteStore store(dir.file());
    store.migrate();
    std::map<std::string, std::string> outcome;
    for (char const* key : {"a", "b", "c", "d", "e", "f", "g"}) outcome[key] = store.find_idempotency(key)->outcome;
    CHECK(outcome == std::map<std::string, std::string>{{"a", "accepted"},
                                                        {"b", "not_found"},
                                                        {"c", "conflict"},
                                                        {"d", "over_limit"},
                                                        {"e", "wrong_code"},
                                                        {"f", "code_expired"},
                                                        {"g", "invalid"}});
}

TEST_CASE("store: a database of a newer schema version is refused", "[store]") {
    TempDir dir;
    open_store(dir.file()).reset();
    raw_exec(dir.file(), "INSERT INTO schema_version (version, applied_ms) VALUES (999, 0)");

    SqliteStore store(dir.file());
    try {
        store.migrate();
        FAIL("migrate accepted a newer schema");
    } catch (std::runtime_error const& e) {
        std::string const message = e.what();
        CHECK_THAT(message, Catch::Contains(dir.file()));
        CHECK_THAT(message, Catch::Contains("schema version 999"));
        CHECK_THAT(message, Catch::Contains("newer than this signflow knows"));
    }
}

TEST_CASE("store: a batch commits all its changes", "[store]") {
    TempDir dir;
    auto store = open_store(dir.file());
    CHECK(store->max_instance_id() == 0);

    std::vector<Change> batch;
    for (std::int64_t id = 1; id <= 3; ++id) {
        Change c = new_instance(id);
        c.timers_armed.push_back({id, "remind#1(client)", 100 * id, "Europe/Berlin", 0});
        c.outbox_added.push_back(outbox("out-" + std::to_string(id), id));
        c.journal.push_back({id, 10, "event", R"({"event":"form_submitted"})"});
        c.quotas.push_back({"nda#0|acme", 0, 1});
        batch.push_back(std::move(c));
    }
    batch[2].idempotency = IdempotencyRecord{"req-3", "created", R"({"id":3})", 7, {}};
    store->commit(batch);

    CHECK(store->max_instance_id() == 3);
    CHECK(ids(store->list_instances({})) == std::vector<std::int64_t>{1, 2, 3});
    CHECK(store->list_outbox("pending", 10).size() == 3);
    CHECK(store->journal(2).size() == 1);
    CHECK(store->quota_count("nda#0|acme", 0) == 3);
    CHECK(store->find_idempotency("req-3").has_value());
    std::vector<TimerRecord> timers;
    store->load_timers([&](TimerRecord&& t) { timers.push_back(std::move(t)); });
    CHECK(timers.size() == 3);
    // WAL mode: the log sits beside the file while the store is open.
    CHECK(fs::exists(dir.file() + "-wal"));
}

TEST_CASE("store: a batch with a failing change commits nothing", "[store]") {
    TempDir dir;
    auto store = open_store(dir.file());
    commit(*store, {new_instance(1)});

    std::vector<Change> batch;
    batch.push_back(new_instance(2));
    batch[0].outbox_added.push_back(outbox("dup", 2));
    batch[0].journal.push_back({2, 1, "event", "{}"});
    batch[0].quotas.push_back({"q", 0, 1});
    batch.push_back(new_instance(1, "signing"));  // an update of a committed instance
    batch.push_back({});

    SECTION("a duplicate outbox key") {
        batch[2].outbox_added.push_back(outbox("dup", 1));
        try {
            store->commit(batch);
            FAIL("the batch committed");
        } catch (std::runtime_error const& e) {
            std::string const message = e.what();
            CHECK_THAT(message, Catch::Contains(dir.file()));
            CHECK_THAT(message, Catch::Contains("change 3 of 3"));
            CHECK_THAT(message, Catch::Contains("UNIQUE constraint failed: outbox.key"));
        }
    }
    SECTION("a journal line of an instance that does not exist") {
        batch[2].journal.push_back({42, 1, "event", "{}"});
        CHECK_THROWS_WITH(store->commit(batch), Catch::Contains("FOREIGN KEY constraint failed"));
    }
    SECTION("an instance of a definition that was never saved") {
        batch[2].instances.push_back(instance(3));
        batch[2].instances.back().version = std::string(64, 'f');
        CHECK_THROWS_WITH(store->commit(batch), Catch::Contains("FOREIGN KEY constraint failed"));
    }
    SECTION("an update of an outbox record that does not exist") {
        batch[2].outbox_updated.push_back({"nope", "delivered", 1, 0, ""});
        CHECK_THROWS_WITH(store->commit(batch), Catch::Contains("no outbox record with key 'nope'"));
    }

    // Nothing of the batch remains...
    CHECK_FALSE(store->find_instance(2).has_value());
    CHECK(store->find_instance(1)->state == "draft");
    CHECK(store->list_outbox("", 10).empty());
    CHECK(store->journal(2).empty());
    CHECK(store->quota_count("q", 0) == 0);
    CHECK(store->max_instance_id() == 1);

    // ...and the store takes the next batch.
    batch.pop_back();
    store->commit(batch);
    CHECK(store->find_instance(1)->state == "signing");
    CHECK(keys(store->list_outbox("pending", 10)) == std::vector<std::string>{"dup"});
}

TEST_CASE("store: reopening the file sees everything", "[store]") {
    TempDir dir;
    {
        auto store = open_store(dir.file());
        Change c = new_instance(7, "signing");
        c.timers_armed.push_back({7, "deadline", 123, "America/New_York", 2});
        c.outbox_added.push_back(outbox("k7", 7));
        c.journal.push_back({7, 99, "state", R"({"to":"signing"})"});
        c.idempotency = IdempotencyRecord{"req", "accepted", "accepted", 3, {}};
        c.quotas.push_back({"nda#0|acme", 86'400'000, 4});
        commit(*store, {c});
    }
    SqliteStore store(dir.file());
    store.migrate();

    auto const i = store.find_instance(7);
    REQUIRE(i.has_value());
    auto const expected = instance(7, "signing");
    CHECK(i->workflow == expected.workflow);
    CHECK(i->version == expected.version);
    CHECK(i->state == "signing");
    CHECK(i->status == "running");
    CHECK(i->data == expected.data);
    CHECK(i->progress == expected.progress);
    CHECK(i->created_ms == expected.created_ms);
    CHECK(i->updated_ms == expected.updated_ms);

    std::vector<TimerRecord> timers;
    store.load_timers([&](TimerRecord&& t) { timers.push_back(std::move(t)); });
    REQUIRE(timers.size() == 1);
    CHECK(timers[0].instance == 7);
    CHECK(timers[0].timer == "deadline");
    CHECK(timers[0].due_ms == 123);
    CHECK(timers[0].zone == "America/New_York");
    CHECK(timers[0].fired == 2);

    std::vector<OutboxRecord> pending;
    store.load_pending_outbox([&](OutboxRecord&& o) { pending.push_back(std::move(o)); });
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].id > 0);
    CHECK(pending[0].key == "k7");
    CHECK(pending[0].instance == 7);
    CHECK(pending[0].kind == "notify");
    CHECK(pending[0].target == "client");
    CHECK(pending[0].payload == R"({"to":"client"})");
    CHECK(pending[0].created_ms == 5);

    auto const journal = store.journal(7);
    REQUIRE(journal.size() == 1);
    CHECK(journal[0].at_ms == 99);
    CHECK(journal[0].kind == "state");
    CHECK(journal[0].detail == R"({"to":"signing"})");

    auto const answer = store.find_idempotency("req");
    REQUIRE(answer.has_value());
    CHECK(answer->outcome == "accepted");
    CHECK(answer->response == "accepted");
    CHECK(answer->created_ms == 3);

    CHECK(store.quota_count("nda#0|acme", 86'400'000) == 4);
    CHECK(store.max_instance_id() == 7);
}

TEST_CASE("store: instances are upserted, keeping when they were created", "[store]") {
    TempDir dir;
    auto store = open_store(dir.file());
    commit(*store, {new_instance(1)});
    auto later = new_instance(1, "signed", "finished");
    later.instances[0].created_ms = 1;
    later.instances[0].updated_ms = 9999;
    later.instances[0].data = R"({"signed":true})";
    commit(*store, {later});

    auto const i = store->find_instance(1);
    REQUIRE(i.has_value());
    CHECK(i->state == "signed");
    CHECK(i->status == "finished");
    CHECK(i->data == R"({"signed":true})");
    CHECK(i->updated_ms == 9999);
    CHECK(i->created_ms == instance(1).created_ms);
}

TEST_CASE("store: timers are armed by (instance, timer) and cancelled", "[store]") {
    TempDir dir;
    auto store = open_store(dir.file());
    Change c = new_instance(1);
    c.timers_armed.push_back({1, "remind", 500, "", 0});
    c.timers_armed.push_back({1, "deadline", 900, "", 0});
    commit(*store, {c, new_instance(2)});

    // Loaded in any order (the shards order them): sorted here by due time.
    auto const load = [&] {
        std::vector<TimerRecord> out;
        store->load_timers([&](TimerRecord&& t) { out.push_back(std::move(t)); });
        std::sort(out.begin(), out.end(), [](TimerRecord const& a, TimerRecord const& b) {
            return std::tie(a.due_ms, a.instance, a.timer) < std::tie(b.due_ms, b.instance, b.timer);
        });
        return out;
    };

    // Arming again replaces (a reminder that fired once, re-armed later).
    Change rearm;
    rearm.timers_armed.push_back({1, "remind", 700, "Asia/Tokyo", 1});
    rearm.timers_armed.push_back({2, "remind", 600, "", 0});
    commit(*store, {rearm});
    auto timers = load();
    REQUIRE(timers.size() == 3);
    CHECK(timers[0].instance == 2);
    CHECK(timers[1].instance == 1);
    CHECK(timers[1].timer == "remind");
    CHECK(timers[1].due_ms == 700);
    CHECK(timers[1].zone == "Asia/Tokyo");
    CHECK(timers[1].fired == 1);
    CHECK(timers[2].timer == "deadline");

    // Cancelling removes; cancelling what is not armed does nothing.
    Change cancel;
    cancel.timers_cancelled.emplace_back(1, "remind");
    cancel.timers_cancelled.emplace_back(1, "never-armed");
    cancel.timers_cancelled.emplace_back(99, "remind");
    commit(*store, {cancel});
    timers = load();
    REQUIRE(timers.size() == 2);
    CHECK(timers[0].instance == 2);
    CHECK(timers[1].timer == "deadline");

    // Within one Change cancelling comes before arming: a re-arm survives.
    Change both;
    both.timers_cancelled.emplace_back(1, "deadline");
    both.timers_armed.push_back({1, "deadline", 1000, "", 0});
    commit(*store, {both});
    timers = load();
    REQUIRE(timers.size() == 2);
    CHECK(timers[1].due_ms == 1000);
}

TEST_CASE("store: load_* stream envelopes and deliveries in id order, every timer once", "[store]") {
    TempDir dir;
    auto store = open_store(dir.file());
    // Committed out of order, in separate batches.
    commit(*store, {new_instance(30), new_instance(10, "done", "finished")});
    commit(*store, {new_instance(20), new_instance(5, "x", "cancelled"), new_instance(1)});

    std::vector<std::int64_t> running;
    store->load_running_instances([&](InstanceRecord&& r) { running.push_back(r.id); });
    CHECK(running == std::vector<std::int64_t>{1, 20, 30});

    Change timers;
    timers.timers_armed.push_back({30, "b", 300, "", 0});
    timers.timers_armed.push_back({20, "a", 100, "", 0});
    timers.timers_armed.push_back({1, "z", 300, "", 0});
    timers.timers_armed.push_back({1, "a", 300, "", 0});
    commit(*store, {timers});
    std::vector<std::string> loaded;
    store->load_timers([&](TimerRecord&& t) { loaded.push_back(std::to_string(t.instance) + t.timer); });
    std::sort(loaded.begin(), loaded.end());  // in the table's order, which is not promised
    CHECK(loaded == std::vector<std::string>{"1a", "1z", "20a", "30b"});

    Change out;
    out.outbox_added.push_back(outbox("c", 1));
    out.outbox_added.push_back(outbox("a", 1, "delivered"));
    out.outbox_added.push_back(outbox("b", 20));
    commit(*store, {out});
    Change update;
    update.outbox_updated.push_back({"c", "dead", 5, 0, "550 mailbox unavailable"});
    Change more;
    more.outbox_added.push_back(outbox("d", 30));
    commit(*store, {update, more});

    std::vector<OutboxRecord> pending;
    store->load_pending_outbox([&](OutboxRecord&& o) { pending.push_back(std::move(o)); });
    CHECK(keys(pending) == std::vector<std::string>{"b", "d"});
    REQUIRE(pending.size() == 2);
    CHECK(pending[0].id < pending[1].id);  // ids assigned by the database, rising

    auto const dead = store->list_outbox("dead", 10);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].key == "c");
    CHECK(dead[0].attempts == 5);
    CHECK(dead[0].last_error == "550 mailbox unavailable");
    CHECK(keys(store->list_outbox("", 10)) == std::vector<std::string>{"c", "a", "b", "d"});
    CHECK(keys(store->list_outbox("", 2)) == std::vector<std::string>{"c", "a"});
    CHECK(store->list_outbox("pending", 0).empty());
}

TEST_CASE("store: outbox records keep a given id, others get fresh ones", "[store]") {
    TempDir dir;
    auto store = open_store(dir.file());
    Change c = new_instance(1);
    c.outbox_added.push_back(outbox("given", 1));
    c.outbox_added.back().id = 100;
    c.outbox_added.push_back(outbox("fresh", 1));
    commit(*store, {c});
    auto const rows = store->list_outbox("", 10);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].id == 100);
    CHECK(rows[1].id == 101);
}

TEST_CASE("store: idempotency keys are found, and the first answer stays", "[store]") {
    TempDir dir;
    auto store = open_store(dir.file());
    CHECK_FALSE(store->find_idempotency("k").has_value());

    Change first;
    first.idempotency = IdempotencyRecord{"k", "created", R"({"id":1})", 10, "POST /v1/events/x 9f86d0"};
    commit(*store, {first});
    Change second;
    second.idempotency = IdempotencyRecord{"k", "conflict", "conflict", 20, "POST /v1/other 000000"};
    commit(*store, {second});

    auto const answer = store->find_idempotency("k");
    REQUIRE(answer.has_value());
    CHECK(answer->key == "k");
    CHECK(answer->outcome == "created");
    CHECK(answer->response == R"({"id":1})");
    CHECK(answer->created_ms == 10);
    CHECK(answer->request == "POST /v1/events/x 9f86d0");  // what the key was first used for
    CHECK_FALSE(store->find_idempotency("K").has_value());
}

TEST_CASE("store: quota counters add up per period", "[store]") {
    TempDir dir;
    auto store = open_store(dir.file());
    CHECK(store->quota_count("nda#0|acme", 0) == 0);

    Change a;
    a.quotas.push_back({"nda#0|acme", 0, 1});
    a.quotas.push_back({"nda#0|acme", 0, 2});
    Change b;
    b.quotas.push_back({"nda#0|acme", 0, 1});
    b.quotas.push_back({"nda#0|acme", 3'600'000, 1});
    b.quotas.push_back({"nda#0|other", 0, 5});
    commit(*store, {a, b});
    commit(*store, {a});

    CHECK(store->quota_count("nda#0|acme", 0) == 7);
    CHECK(store->quota_count("nda#0|acme", 3'600'000) == 1);
    CHECK(store->quota_count("nda#0|other", 0) == 5);
    CHECK(store->quota_count("nda#0|other", 1) == 0);
}

TEST_CASE("store: list_instances filters and pages", "[store]") {
    TempDir dir;
    auto store = open_store(dir.file());
    std::vector<Change> batch;
    for (std::int64_t id = 1; id <= 12; ++id) {
        bool const nda = id % 2 == 1;
        std::string const state = id % 3 == 0 ? "signed" : "signing";
        std::string const status = id % 3 == 0 ? "finished" : "running";
        batch.push_back(new_instance(id, state, status, nda ? "nda" : "hire"));
    }
    store->commit(batch);

    using Ids = std::vector<std::int64_t>;
    CHECK(ids(store->list_instances({})) == Ids{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    CHECK(ids(store->list_instances(filter("nda"))) == Ids{1, 3, 5, 7, 9, 11});
    CHECK(ids(store->list_instances(filter("", "signed"))) == Ids{3, 6, 9, 12});
    CHECK(ids(store->list_instances(filter("", "", "running", 3))) == Ids{1, 2, 4});
    CHECK(ids(store->list_instances(filter("hire", "signed"))) == Ids{6, 12});
    CHECK(ids(store->list_instances(filter("hire", "signing", "running"))) ==
          Ids{2, 4, 8, 10});
    CHECK(store->list_instances(filter("none")).empty());
    CHECK(store->list_instances(filter("", "", "", 0)).empty());

    // Paging: each page starts after the last id of the one before.
    Ids seen;
    InstanceFilter page = filter("nda", "", "", 4);
    for (;;) {
        auto const rows = store->list_instances(page);
        if (rows.empty()) break;
        CHECK(rows.size() <= 4);
        for (auto const& r : rows) seen.push_back(r.id);
        page.after_id = rows.back().id;
    }
    CHECK(seen == Ids{1, 3, 5, 7, 9, 11});
}

TEST_CASE("store: an instance's journal reads in the order it was written", "[store]") {
    TempDir dir;
    auto store = open_store(dir.file());
    Change c1 = new_instance(1);
    c1.journal.push_back({1, 50, "event", R"({"n":1})"});
    c1.journal.push_back({1, 50, "state", R"({"n":2})"});
    Change c2 = new_instance(2);
    c2.journal.push_back({2, 10, "event", R"({"other":true})"});
    c2.journal.push_back({1, 40, "timer", R"({"n":3})"});  // an earlier clock reading still comes after
    commit(*store, {c1, c2});
    Change c3;
    c3.journal.push_back({1, 60, "action", R"({"n":4})"});
    commit(*store, {c3});

    std::vector<std::string> details;
    for (auto const& j : store->journal(1)) {
        CHECK(j.instance == 1);
        details.push_back(j.detail);
    }
    CHECK(details == std::vector<std::string>{R"({"n":1})", R"({"n":2})", R"({"n":3})", R"({"n":4})"});
    CHECK(store->journal(2).size() == 1);
    CHECK(store->journal(3).empty());
}

TEST_CASE("store: definitions are saved once and loaded", "[store]") {
    TempDir dir;
    auto store = open_store(dir.file());
    store->save_definition({version_a, "nda-renamed", "{}", 50});  // the version exists: ignored
    auto const definitions = store->load_definitions();
    REQUIRE(definitions.size() == 2);
    CHECK(definitions[0].version == version_a);
    CHECK(definitions[0].workflow == "nda");
    CHECK(definitions[0].ir_json == R"({"workflow":"nda"})");
    CHECK(definitions[0].loaded_ms == 1);
    CHECK(definitions[1].version == version_b);
}

TEST_CASE("store: reads run on other threads while commits go on", "[store]") {
    TempDir dir;
    auto store = open_store(dir.file());
    constexpr int batches = 100;
    std::atomic<bool> done{false};
    std::atomic<int> failures{0};

    auto reader = [&] {
        std::int64_t last = 0;
        while (!done) {
            try {
                auto const max = store->max_instance_id();
                if (max < last) ++failures;  // commits never go backwards
                last = max;
                if (max > 0 && !store->find_instance(max)) ++failures;
                store->list_instances(filter("", "", "running", 10));
            } catch (...) {
                ++failures;
            }
        }
    };
    std::thread r1(reader);
    std::thread r2(reader);
    for (int b = 0; b < batches; ++b) {
        std::vector<Change> batch;
        for (int i = 0; i < 4; ++i) {
            std::int64_t const id = b * 4 + i + 1;
            Change c = new_instance(id);
            c.journal.push_back({id, 1, "event", "{}"});
            batch.push_back(std::move(c));
        }
        store->commit(batch);
    }
    done = true;
    r1.join();
    r2.join();
    CHECK(failures == 0);
    CHECK(store->max_instance_id() == batches * 4);
}

TEST_CASE("store: an in-memory database works on one connection", "[store]") {
    SqliteStore store(":memory:");
    store.migrate();
    store.save_definition({version_a, "nda", "{}", 1});
    std::vector<Change> batch{new_instance(1)};
    store.commit(batch);
    CHECK(store.find_instance(1).has_value());
    std::vector<std::int64_t> running;
    store.load_running_instances([&](InstanceRecord&& r) { running.push_back(r.id); });
    CHECK(running == std::vector<std::int64_t>{1});
}

TEST_CASE("store: committing before migrate says so", "[store]") {
    TempDir dir;
    SqliteStore store(dir.file());
    std::vector<Change> batch{new_instance(1)};
    CHECK_THROWS_WITH(store.commit(batch), Catch::Contains("was migrate() called?"));
}

TEST_CASE("store: files it cannot use give errors naming the path and the cause", "[store]") {
    TempDir dir;

    SECTION("a file that is not a database") {
        auto const file = dir.file("garbage.db");
        {
            std::ofstream out(file, std::ios::binary);
            for (int i = 0; i < 256; ++i) out << "this is not an SQLite database\n";
        }
        try {
            SqliteStore store(file);
            store.migrate();
            FAIL("a garbage file was accepted");
        } catch (std::runtime_error const& e) {
            std::string const message = e.what();
            CHECK_THAT(message, Catch::Contains("cannot open signflow store '" + file + "'"));
            CHECK_THAT(message, Catch::Contains("file is not a database"));
        }
    }
    SECTION("a missing directory") {
        auto const file = (dir.path() / "no" / "such" / "dir" / "store.db").string();
        try {
            SqliteStore store(file);
            FAIL("a store opened in a missing directory");
        } catch (std::runtime_error const& e) {
            std::string const message = e.what();
            CHECK_THAT(message, Catch::Contains("cannot open signflow store '" + file + "'"));
            CHECK_THAT(message, Catch::Contains("No such file or directory"));
        }
    }
    SECTION("a directory where the file should be") {
        CHECK_THROWS_WITH(SqliteStore(dir.path().string()),
                          Catch::Contains("cannot open signflow store '" + dir.path().string() + "'"));
    }
    SECTION("a file in a place that cannot be written") {
        // /proc refuses new files even to root, whom file modes do not stop.
        CHECK_THROWS_WITH(SqliteStore("/proc/signflow-store-test.db"),
                          Catch::Contains("cannot open signflow store '/proc/signflow-store-test.db'"));
    }
    SECTION("a file opened read-only by its mode, when the modes apply") {
        auto const file = dir.file("ro.db");
        open_store(file).reset();
        fs::permissions(file, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
        bool const root = std::ofstream(file, std::ios::app).good();  // modes do not stop root
        if (!root)
            CHECK_THROWS_WITH(SqliteStore(file), Catch::Contains("cannot open signflow store '" + file + "'") &&
                                                    Catch::Contains("read-only"));
    }
}

// ---- integrations (migration 3)

TEST_CASE("store: a dead delivery is revived once, others are not", "[store][integrations]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    Change c = new_instance(1);
    c.outbox_added = {outbox("dead-1", 1, "dead"), outbox("done-1", 1, "delivered")};
    c.outbox_added[0].attempts = 12;
    c.outbox_added[0].last_error = "HTTP 503";
    commit(*store, {c});
    auto revived = store->revive_outbox("dead-1", 777);
    REQUIRE(revived);
    CHECK(revived->status == "pending");
    CHECK(revived->attempts == 0);
    CHECK(revived->next_attempt_ms == 777);
    CHECK_FALSE(store->revive_outbox("dead-1", 778));  // pending now
    CHECK_FALSE(store->revive_outbox("done-1", 778));  // delivered: never again
    CHECK_FALSE(store->revive_outbox("no-such", 778));
    CHECK(keys(store->list_outbox("pending", 10)) == std::vector<std::string>{"dead-1"});
}

TEST_CASE("store: deliveries are listed by connector", "[store][integrations]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    Change c = new_instance(1);
    c.outbox_added = {outbox("a", 1), outbox("b", 1), outbox("c", 1, "dead")};
    c.outbox_added[1].target = "crm";
    c.outbox_added[2].target = "crm";
    commit(*store, {c});
    CHECK(keys(store->list_outbox("", 10, "crm")) == std::vector<std::string>{"b", "c"});
    CHECK(keys(store->list_outbox("dead", 10, "crm")) == std::vector<std::string>{"c"});
    CHECK(keys(store->list_outbox("pending", 10)) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("store: batches are created, updated and counted through their envelopes", "[store][integrations]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    BatchRecord b;
    b.workflow = "nda";
    b.status = "receiving";
    b.rejections = "[]";
    b.created_ms = 10;
    std::int64_t id = store->create_batch(b);
    CHECK(id > 0);
    CHECK(store->create_batch(b) == id + 1);
    b.id = id;
    b.status = "accepted";
    b.rows = 3;
    b.accepted = 2;
    b.rejected = 1;
    b.rejections = R"([{"line":3,"error":"no email"}])";
    store->update_batch(b);
    auto got = store->find_batch(id);
    REQUIRE(got);
    CHECK(got->status == "accepted");
    CHECK(got->rejections == b.rejections);
    CHECK_FALSE(store->find_batch(999));
    BatchRecord missing = b;
    missing.id = 999;
    CHECK_THROWS_WITH(store->update_batch(missing), Catch::Contains("no batch 999"));

    Change one = new_instance(1, "awaiting(client)");
    one.instances[0].batch = id;
    Change two = new_instance(2, "completed", "finished");
    two.instances[0].batch = id;
    commit(*store, {one, two, new_instance(3)});
    auto progress = store->batch_progress(id);
    REQUIRE(progress.size() == 2);
    CHECK(progress[0] == std::pair<std::string, std::int64_t>{"finished/completed", 1});
    CHECK(progress[1] == std::pair<std::string, std::int64_t>{"running/awaiting(client)", 1});
    // An upsert keeps the batch an envelope was started by.
    Change later = new_instance(1, "completed", "finished");
    commit(*store, {later});
    CHECK(store->find_instance(1)->batch == id);
}

TEST_CASE("store: API keys are kept by hash and revoked once", "[store][integrations]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    ApiKeyRecord k{0, "ci", "sf_abcd", std::string(64, 'f'), "send", 5, 0};
    std::int64_t id = store->add_api_key(k);
    CHECK_THROWS(store->add_api_key(k));  // the same hash twice
    auto found = store->find_api_key(std::string(64, 'f'));
    REQUIRE(found);
    CHECK(found->id == id);
    CHECK(found->scopes == "send");
    CHECK_FALSE(store->find_api_key(std::string(64, 'e')));
    CHECK(store->revoke_api_key(id, 9));
    CHECK_FALSE(store->revoke_api_key(id, 10));
    CHECK(store->api_keys().at(0).revoked_ms == 9);
}

TEST_CASE("store: security events are listed newest first", "[store][integrations]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    store->record_security_event({1, "webhook_rejected", "typeform", "127.0.0.1", R"({"reason":"stale"})"});
    store->record_security_event({2, "api_key_rejected", "/v1/rules", "127.0.0.2", "{}"});
    auto events = store->security_events(10);
    REQUIRE(events.size() == 2);
    CHECK(events[0].kind == "api_key_rejected");
    CHECK(events[1].detail == R"({"reason":"stale"})");
    CHECK(store->security_events(1).size() == 1);
}

TEST_CASE("store: an analytics scan gives each envelope in range with its trail", "[store][integrations]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    Change a = new_instance(1);  // created 1001
    a.audit = {{1, 1, 5, "created", "h1", "{}"}, {1, 2, 6, "signed", "h2", "{}"}};
    Change b = new_instance(2, "draft", "running", "hire");  // 1002
    b.audit = {{2, 1, 5, "created", "h3", "{}"}};
    Change c = new_instance(3);  // 1003, no trail
    Change d = new_instance(4);  // 1004
    d.audit = {{4, 1, 7, "created", "h4", "{}"}};
    commit(*store, {a, b, c, d});
    std::vector<std::pair<std::int64_t, std::size_t>> seen;
    store->scan_envelopes({"", 0, INT64_MAX}, [&](InstanceRecord&& r, std::vector<AuditRecord>&& trail) {
        seen.emplace_back(r.id, trail.size());
    });
    CHECK(seen == std::vector<std::pair<std::int64_t, std::size_t>>{{1, 2}, {2, 1}, {3, 0}, {4, 1}});
    seen.clear();
    store->scan_envelopes({"nda", 1002, 1004}, [&](InstanceRecord&& r, std::vector<AuditRecord>&& trail) {
        seen.emplace_back(r.id, trail.size());
    });
    CHECK(seen == std::vector<std::pair<std::int64_t, std::size_t>>{{3, 0}});
}

TEST_CASE("store: a link that works once is used once, links made before schema 9 carry no lifetime", "[store]") {
    TempDir dir;
    open_store(dir.file()).reset();
    raw_exec(dir.file(), "ALTER TABLE signing_tokens DROP COLUMN expires_ms");
    raw_exec(dir.file(), "ALTER TABLE signing_tokens DROP COLUMN used_ms");
    raw_exec(dir.file(), "ALTER TABLE signing_tokens DROP COLUMN detail");
    raw_exec(dir.file(), "DROP TABLE envelope_people");
    raw_exec(dir.file(), "DROP TABLE leases");  // (migration 11)
    raw_exec(dir.file(), "DROP TABLE members");  // (migration 12)
    raw_exec(dir.file(), "DROP TABLE cluster_keys");
    raw_exec(dir.file(), "ALTER TABLE journal DROP COLUMN epoch");
    raw_exec(dir.file(), "DELETE FROM schema_version WHERE version >= 9");
    raw_exec(dir.file(),
             "INSERT INTO signing_tokens (hash, envelope, role, purpose, created_ms) VALUES ('old', 1, 'client', 'sign', 5)");
    SqliteStore store(dir.file());
    store.migrate();
    auto old = store.find_signing_token("old");
    REQUIRE(old);
    CHECK((old->expires_ms == 0 && old->used_ms == 0 && old->detail.empty() && old->purpose == "sign"));
    store.add_signing_token({"embed", 2, "manager", "embed", 10, 600010, 0, R"({"return_url":"https://p.example/"})"});
    auto embed = store.find_signing_token("embed");
    REQUIRE(embed);
    CHECK((embed->expires_ms == 600010 && embed->detail == R"({"return_url":"https://p.example/"})"));
    CHECK(store.use_signing_token("embed", 20));
    CHECK_FALSE(store.use_signing_token("embed", 21));
    CHECK(store.find_signing_token("embed")->used_ms == 20);
    CHECK_FALSE(store.use_signing_token("nothing", 22));
}

TEST_CASE("store: envelopes are found by their people's terms, those from before schema 10 by their data", "[store]") {
    TempDir dir;
    {
        auto store = open_store(dir.file());
        Change c = new_instance(1);
        c.instances.back().data = R"({"roles":{"client":{"name":"Ana Ruiz","email":"Ana@Example.com"},"legal":"legal@x.example","co signer":{"email":"cs@x.example"}}})";
        Change broken = new_instance(3);
        broken.instances.back().data = "not json";
        commit(*store, {c, new_instance(2), broken});
    }
    raw_exec(dir.file(), "DROP TABLE envelope_people");
    raw_exec(dir.file(), "DROP TABLE leases");  // (migration 11)
    raw_exec(dir.file(), "DROP TABLE members");  // (migration 12)
    raw_exec(dir.file(), "DROP TABLE cluster_keys");
    raw_exec(dir.file(), "ALTER TABLE journal DROP COLUMN epoch");
    raw_exec(dir.file(), "DELETE FROM schema_version WHERE version >= 10");
    SqliteStore store(dir.file());
    store.migrate();
    auto found = [&](std::string q) {
        InstanceFilter f;
        f.q = std::move(q);
        std::vector<std::int64_t> ids;
        for (auto const& r : store.list_instances(f)) ids.push_back(r.id);
        return ids;
    };
    // The migration: addresses and whole names, lower-cased.
    CHECK(found("ana@") == std::vector<std::int64_t>{1});
    CHECK(found("ana r") == std::vector<std::int64_t>{1});
    CHECK(found("legal@x") == std::vector<std::int64_t>{1});
    CHECK(found("cs@x") == std::vector<std::int64_t>{1});
    CHECK(found("ruiz").empty());  // (a word of a name only from the engine's terms)
    // The engine's terms replace an envelope's.
    Change c;
    c.people.push_back({2, {"bob@example.com", "bob stone", "bob", "stone"}});
    c.people.push_back({1, {"zoe@example.com"}});
    store.commit(std::vector<Change>{c});
    CHECK(found("stone") == std::vector<std::int64_t>{2});
    CHECK(found("ana").empty());
    CHECK(found("zo") == std::vector<std::int64_t>{1});
    InstanceFilter period;
    period.from_ms = 1;
    CHECK(store.list_instances(period).size() == 3);
}
