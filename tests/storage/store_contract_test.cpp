// The store contract (engine/store.hpp, storage/access_store.hpp,
// batch_store.hpp, analytics/envelope_source.hpp) checked on both backends
// through storage::open_store, as the daemon opens them: each case runs on a
// fresh SQLite file and on a fresh database of the PostgreSQL server that
// ctest's `pg` fixture started (SIGNFLOW_TEST_PG_DIR, tests/daemon/pgserver.py).
// SQLite's own matters (files, old schemas) are in sqlite_store_test.cpp;
// PostgreSQL's (its errors, a dropped connection) at the end of this file.
#include "signflow/engine/store_errors.hpp"
#include "signflow/storage/open.hpp"

#include "store_records.hpp"

#include <catch2/catch.hpp>
#include <libpq-fe.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace signflow::test_records;
using namespace signflow::engine;
using signflow::storage::ApiKeyRecord;
using signflow::storage::BatchRecord;
using signflow::storage::DaemonStore;
using signflow::storage::SecurityEventRecord;
using signflow::storage::SigningTokenRecord;


int pg_port() {
    char const* dir = std::getenv("SIGNFLOW_TEST_PG_DIR");
    if (!dir || !*dir) FAIL("SIGNFLOW_TEST_PG_DIR is not set: run through ctest (the `pg` fixture starts the server)");
    std::ifstream in(fs::path(dir) / "port");
    int port = 0;
    in >> port;
    if (port <= 0) FAIL("no port in " << dir << "/port");
    return port;
}

std::string pg_uri(std::string const& dbname) {
    return "postgresql://signflow@127.0.0.1:" + std::to_string(pg_port()) + "/" + dbname;
}

// Runs SQL on a PostgreSQL database directly, as another program would.
void pg_exec(std::string const& uri, std::string const& sql) {
    PGconn* c = PQconnectdb(uri.c_str());
    INFO(PQerrorMessage(c));
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    PGresult* r = PQexec(c, sql.c_str());
    auto status = PQresultStatus(r);
    std::string message = PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(c);
    INFO(sql << ": " << message);
    REQUIRE((status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK));
}

// A fresh database of one backend: a file in a temp folder, or a database
// on the test server (dropped at the end).
class Fresh {
public:
    explicit Fresh(std::string backend) : backend_(std::move(backend)) {
        std::random_device random;
        std::string const unique = std::to_string(random()) + "_" + std::to_string(random());
        if (backend_ == "sqlite") {
            dir_ = fs::temp_directory_path() / ("signflow-contract-" + unique);
            fs::create_directories(dir_);
            target_ = (dir_ / "store.db").string();
        } else {
            dbname_ = "contract_" + unique;
            pg_exec(pg_uri("postgres"), "CREATE DATABASE " + dbname_);
            target_ = pg_uri(dbname_);
        }
    }
    ~Fresh() {
        std::error_code ignored;
        if (!dir_.empty()) fs::remove_all(dir_, ignored);
        if (!dbname_.empty()) {
            PGconn* c = PQconnectdb(pg_uri("postgres").c_str());
            PQclear(PQexec(c, ("DROP DATABASE IF EXISTS " + dbname_ + " WITH (FORCE)").c_str()));
            PQfinish(c);
        }
    }
    Fresh(Fresh const&) = delete;
    Fresh& operator=(Fresh const&) = delete;

    std::string const& target() const { return target_; }
    bool postgres() const { return backend_ == "postgres"; }

    // Opened, migrated, with both test definitions saved.
    std::unique_ptr<DaemonStore> open() const {
        auto store = signflow::storage::open_store(target_);
        store->migrate();
        store->save_definition({version_a, "nda", R"({"workflow":"nda"})", 1});
        store->save_definition({version_b, "hire", R"({"workflow":"hire"})", 2});
        return store;
    }

private:
    std::string backend_;
    fs::path dir_;
    std::string dbname_;
    std::string target_;
};

#define EACH_BACKEND()                                                   \
    std::string const backend = GENERATE(as<std::string>{}, "sqlite", "postgres"); \
    INFO("backend: " << backend);                                        \
    Fresh fresh(backend)

AuditRecord audit_entry(std::int64_t envelope, std::int64_t seq, std::string kind = "sent") {
    return {envelope, seq, 100 * seq, kind, std::string(64, static_cast<char>('0' + seq % 10)),
            R"({"seq":)" + std::to_string(seq) + "}"};
}

}  // namespace

TEST_CASE("contract: a batch commits all its changes, or none of them", "[store][contract]") {
    EACH_BACKEND();
    auto store = fresh.open();
    Change a = new_instance(1);
    a.timers_armed.push_back({1, "remind#1(client)", 5000, "Europe/Paris", 0});
    a.outbox_added.push_back(outbox("1.notify.1", 1));
    a.journal.push_back({1, 10, "started", R"({"by":"test"})"});
    a.audit.push_back(audit_entry(1, 1));
    a.idempotency = IdempotencyRecord{"key-1", "accepted", R"({"id":1})", 10, "POST /v1/events/x abc"};
    a.quotas.push_back({"nda#0|acme", 0, 1});
    a.people.push_back({1, {"ana@example.com", "ana", "ana lópez", "lópez"}});
    commit(*store, {a, new_instance(2)});
    CHECK(ids(store->list_instances({})) == std::vector<std::int64_t>{1, 2});
    CHECK(store->list_outbox("pending", 10).size() == 1);
    CHECK(store->journal(1).size() == 1);
    CHECK(store->audit(1).size() == 1);
    CHECK(store->find_idempotency("key-1").has_value());
    CHECK(store->quota_count("nda#0|acme", 0) == 1);

    SECTION("a failing change (a forked audit chain) rolls the whole batch back and names the change") {
        Change fine = new_instance(3);
        fine.audit.push_back(audit_entry(3, 1));
        Change fork;
        fork.audit.push_back(audit_entry(1, 1, "forked"));
        CHECK_THROWS_WITH(commit(*store, {fine, fork}), Catch::Contains("change 2 of 2"));
        CHECK_FALSE(store->find_instance(3).has_value());
        CHECK(store->audit(3).empty());
        // The store stays usable.
        commit(*store, {new_instance(4)});
        CHECK(store->find_instance(4).has_value());
    }
    SECTION("an update of an unknown outbox key fails the batch, naming the key") {
        Change fine = new_instance(5);
        Change bad;
        bad.outbox_updated.push_back({"no-such-key", "delivered", 1, 0, ""});
        CHECK_THROWS_WITH(commit(*store, {fine, bad}),
                          Catch::Contains("change 2 of 2") && Catch::Contains("no-such-key"));
        CHECK_FALSE(store->find_instance(5).has_value());
    }
    SECTION("a row of an envelope that does not exist fails the batch") {
        Change orphan;
        orphan.journal.push_back({99, 1, "started", "{}"});
        CHECK_THROWS(commit(*store, {orphan}));
        CHECK(store->journal(99).empty());
    }
    SECTION("a large batch (more rows than one pipeline chunk) lands whole") {
        std::vector<Change> many;
        for (std::int64_t id = 100; id < 700; ++id) {
            Change c = new_instance(id);
            c.journal.push_back({id, 1, "started", "{}"});
            c.audit.push_back(audit_entry(id, 1));
            many.push_back(std::move(c));
        }
        commit(*store, many);
        InstanceFilter f;
        f.after_id = 99;
        f.limit = 1000;
        CHECK(store->list_instances(f).size() == 600);
        CHECK(store->max_instance_id() == 699);
    }
}

TEST_CASE("contract: instances are upserted, keeping when and by what batch they began", "[store][contract]") {
    EACH_BACKEND();
    auto store = fresh.open();
    InstanceRecord first = instance(7);
    first.batch = 3;
    Change c;
    c.instances.push_back(first);
    commit(*store, {c});
    InstanceRecord later = instance(7, "signing");
    later.created_ms = 999999;
    later.batch = 0;
    later.data = R"({"n":7,"more":"é"})";
    Change d;
    d.instances.push_back(later);
    commit(*store, {d});
    auto got = store->find_instance(7);
    REQUIRE(got);
    CHECK(got->state == "signing");
    CHECK(got->data == later.data);
    CHECK(got->created_ms == first.created_ms);
    CHECK(got->batch == 3);
    CHECK_FALSE(store->find_instance(8));
}

TEST_CASE("contract: timers are armed by (instance, timer), replaced, cancelled, loaded", "[store][contract]") {
    EACH_BACKEND();
    auto store = fresh.open();
    Change c = new_instance(1);
    c.timers_armed.push_back({1, "remind#1(client)", 5000, "Europe/Paris", 0});
    c.timers_armed.push_back({1, "expire#1", 9000, "", 0});
    commit(*store, {c, new_instance(2)});
    Change again;
    again.timers_armed.push_back({1, "remind#1(client)", 6000, "Europe/Paris", 1});
    again.timers_cancelled.push_back({1, "expire#1"});
    again.timers_cancelled.push_back({2, "never-armed"});
    commit(*store, {again});
    std::vector<TimerRecord> timers;
    store->load_timers([&](TimerRecord&& t) { timers.push_back(std::move(t)); });
    REQUIRE(timers.size() == 1);
    CHECK(timers[0].timer == "remind#1(client)");
    CHECK(timers[0].due_ms == 6000);
    CHECK(timers[0].fired == 1);
    CHECK(timers[0].zone == "Europe/Paris");
}

TEST_CASE("contract: start-up loads stream running envelopes, pending deliveries and audit heads", "[store][contract]") {
    EACH_BACKEND();
    auto store = fresh.open();
    Change a = new_instance(3);
    a.audit.push_back(audit_entry(3, 1));
    a.audit.push_back(audit_entry(3, 2));
    a.outbox_added.push_back(outbox("3.a", 3));
    a.outbox_added.push_back(outbox("3.b", 3, "delivered"));
    Change b = new_instance(1);
    b.audit.push_back(audit_entry(1, 1));
    b.outbox_added.push_back(outbox("1.a", 1));
    commit(*store, {a, b, new_instance(2, "done", "finished")});
    std::vector<std::int64_t> running;
    store->load_running_instances([&](InstanceRecord&& r) { running.push_back(r.id); });
    CHECK(running == std::vector<std::int64_t>{1, 3});
    std::vector<std::string> pending;
    store->load_pending_outbox([&](OutboxRecord&& o) { pending.push_back(o.key); });
    CHECK(pending == std::vector<std::string>{"3.a", "1.a"});  // by id: the order they were added
    std::vector<std::pair<std::int64_t, std::int64_t>> heads;
    store->load_audit_heads([&](AuditRecord&& h) {
        CHECK(h.entry.empty());
        heads.emplace_back(h.envelope, h.seq);
    });
    CHECK(heads == std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 1}, {3, 2}});
    CHECK(store->max_instance_id() == 3);
    auto head = store->audit_head(3);
    REQUIRE(head);
    CHECK(head->seq == 2);
    CHECK(head->entry == R"({"seq":2})");
    CHECK_FALSE(store->audit_head(2));
}

TEST_CASE("contract: outbox rows get ids, updates by key, dead letters revived once", "[store][contract]") {
    EACH_BACKEND();
    auto store = fresh.open();
    Change c = new_instance(1);
    OutboxRecord routed = outbox("k1", 1);
    routed.connector = "messages";
    c.outbox_added.push_back(routed);
    OutboxRecord given = outbox("k2", 1);
    given.id = 50;
    c.outbox_added.push_back(given);
    OutboxRecord code = outbox("k3", 1, "dead");
    code.kind = "send_code";
    c.outbox_added.push_back(code);
    commit(*store, {c});
    Change d;
    d.outbox_added.push_back(outbox("k4", 1));
    d.outbox_updated.push_back({"k1", "dead", 5, 0, "HTTP 500"});
    commit(*store, {d});
    auto all = store->list_outbox("", 10);
    REQUIRE(all.size() == 4);
    std::map<std::string, OutboxRecord> by_key;
    for (auto& o : all) by_key[o.key] = o;
    CHECK(by_key["k2"].id == 50);
    CHECK(by_key["k4"].id > 50);  // the database's numbering goes past a given id
    CHECK(by_key["k1"].status == "dead");
    CHECK(by_key["k1"].attempts == 5);
    CHECK(by_key["k1"].last_error == "HTTP 500");
    CHECK(by_key["k1"].connector == "messages");

    auto revived = store->revive_outbox("k1", 777);
    REQUIRE(revived);
    CHECK(revived->status == "pending");
    CHECK(revived->attempts == 0);
    CHECK(revived->next_attempt_ms == 777);
    CHECK_FALSE(store->revive_outbox("k1", 778));  // pending now
    CHECK_FALSE(store->revive_outbox("k3", 778));  // a code is never resent
    CHECK_FALSE(store->revive_outbox("nope", 778));

    OutboxRecord other = outbox("k5", 1);
    other.target = "billing";
    Change e;
    e.outbox_added.push_back(other);
    commit(*store, {e});
    auto billing = store->list_outbox("pending", 10, "billing");
    REQUIRE(billing.size() == 1);
    CHECK(billing[0].key == "k5");
    CHECK(store->list_outbox("dead", 10, "billing").empty());
    CHECK(store->list_outbox("pending", 1).size() == 1);
    CHECK(store->list_outbox("pending", 0).empty());
}

TEST_CASE("contract: an idempotency key keeps its first answer, quotas add up per period", "[store][contract]") {
    EACH_BACKEND();
    auto store = fresh.open();
    Change a = new_instance(1);
    a.idempotency = IdempotencyRecord{"k", "created", R"({"id":1})", 10, "POST /v1/events/x 1"};
    a.quotas.push_back({"q", 0, 1});
    Change b = new_instance(2);
    b.idempotency = IdempotencyRecord{"k", "accepted", R"({"id":2})", 11, "POST /v1/events/x 2"};
    b.quotas.push_back({"q", 0, 1});
    b.quotas.push_back({"q", 1000, 1});
    commit(*store, {a, b});
    auto found = store->find_idempotency("k");
    REQUIRE(found);
    CHECK(found->outcome == "created");
    CHECK(found->response == R"({"id":1})");
    CHECK(found->request == "POST /v1/events/x 1");
    CHECK_FALSE(store->find_idempotency("other"));
    CHECK(store->quota_count("q", 0) == 2);
    CHECK(store->quota_count("q", 1000) == 1);
    CHECK(store->quota_count("q", 2000) == 0);
}

TEST_CASE("contract: list_instances filters, pages, searches people and periods", "[store][contract]") {
    EACH_BACKEND();
    auto store = fresh.open();
    std::vector<Change> batch;
    for (std::int64_t id = 1; id <= 6; ++id)
        batch.push_back(new_instance(id, id % 2 ? "draft" : "signing", id <= 4 ? "running" : "finished",
                                     id <= 3 ? "nda" : "hire"));
    batch[0].people.push_back({1, {"ana@example.com", "ana lópez", "ana", "lópez"}});
    batch[1].people.push_back({2, {"anabel@example.com", "anabel"}});
    batch[2].people.push_back({3, {"bo@example.com", "bo"}});
    commit(*store, batch);
    InstanceFilter f;
    f.workflow = "nda";
    CHECK(ids(store->list_instances(f)) == std::vector<std::int64_t>{1, 2, 3});
    f.state = "signing";
    CHECK(ids(store->list_instances(f)) == std::vector<std::int64_t>{2});
    InstanceFilter s;
    s.status = "finished";
    CHECK(ids(store->list_instances(s)) == std::vector<std::int64_t>{5, 6});
    InstanceFilter page;
    page.limit = 2;
    CHECK(ids(store->list_instances(page)) == std::vector<std::int64_t>{1, 2});
    page.after_id = 2;
    CHECK(ids(store->list_instances(page)) == std::vector<std::int64_t>{3, 4});
    page.limit = 0;
    CHECK(store->list_instances(page).empty());

    InstanceFilter q;
    q.q = "ana";
    CHECK(ids(store->list_instances(q)) == std::vector<std::int64_t>{1, 2});
    q.q = "anab";
    CHECK(ids(store->list_instances(q)) == std::vector<std::int64_t>{2});
    q.q = "lóp";
    CHECK(ids(store->list_instances(q)) == std::vector<std::int64_t>{1});
    q.q = "zz";
    CHECK(store->list_instances(q).empty());
    q.q = "ana";
    q.workflow = "hire";
    CHECK(store->list_instances(q).empty());

    // A correction replaces the envelope's terms.
    Change corrected;
    corrected.people.push_back({1, {"carla@example.com", "carla"}});
    commit(*store, {corrected});
    InstanceFilter after;
    after.q = "ana";
    CHECK(ids(store->list_instances(after)) == std::vector<std::int64_t>{2});
    after.q = "carla@";
    CHECK(ids(store->list_instances(after)) == std::vector<std::int64_t>{1});

    // created_ms is 1000 + id: the half-open period [1002, 1005).
    InstanceFilter period;
    period.from_ms = 1002;
    period.to_ms = 1005;
    CHECK(ids(store->list_instances(period)) == std::vector<std::int64_t>{2, 3, 4});
    period.q = "bo";
    CHECK(ids(store->list_instances(period)) == std::vector<std::int64_t>{3});
}

TEST_CASE("contract: journal and audit read in the order written, definitions saved once", "[store][contract]") {
    EACH_BACKEND();
    auto store = fresh.open();
    Change c = new_instance(1);
    for (int i = 0; i < 5; ++i) c.journal.push_back({1, 7, "line", std::to_string(i)});
    // (quotes, backslashes, braces, commas and non-ASCII text travel intact)
    std::string const tricky = R"({"say":"a \"quoted\" \\ back,slash {x}", "name":"Zoë"})";
    c.journal.push_back({1, 8, "tricky", tricky});
    for (int seq = 1; seq <= 3; ++seq) c.audit.push_back(audit_entry(1, seq));
    commit(*store, {c});
    auto lines = store->journal(1);
    REQUIRE(lines.size() == 6);
    for (int i = 0; i < 5; ++i) CHECK(lines[static_cast<std::size_t>(i)].detail == std::to_string(i));
    CHECK(lines[5].detail == tricky);
    CHECK(lines[5].kind == "tricky");
    auto trail = store->audit(1);
    REQUIRE(trail.size() == 3);
    CHECK(trail[2].seq == 3);
    CHECK(trail[2].hash == std::string(64, '3'));

    store->save_definition({version_a, "changed", "{}", 99});  // ignored: the version exists
    auto defs = store->load_definitions();
    REQUIRE(defs.size() == 2);
    CHECK(defs[0].version == version_a);
    CHECK(defs[0].workflow == "nda");
    CHECK(defs[1].version == version_b);
}

TEST_CASE("contract: documents and uploads keep their bytes exactly", "[store][contract]") {
    EACH_BACKEND();
    auto store = fresh.open();
    commit(*store, {new_instance(1)});
    std::string pdf = "%PDF-1.7\n";
    for (int i = 0; i < 256 * 40; ++i) pdf.push_back(static_cast<char>(i % 256));  // every byte value, NUL too
    store->put_document({1, 1, "filled", "sha-1", pdf, 10, "nda.pdf"});
    store->put_document({1, 2, "signed", "sha-2", pdf + "x", 11, "nda.pdf"});
    store->put_document({1, 2, "signed", "sha-2b", pdf + "y", 12, "nda.pdf"});  // a retry replaces
    auto latest = store->document(1);
    REQUIRE(latest);
    CHECK(latest->revision == 2);
    CHECK(latest->sha256 == "sha-2b");
    CHECK(latest->pdf == pdf + "y");
    auto first = store->document(1, 1);
    REQUIRE(first);
    CHECK(first->pdf == pdf);
    CHECK(first->document == "nda.pdf");
    CHECK_FALSE(store->document(1, 3));
    auto listed = store->documents(1);
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].pdf.empty());
    CHECK(listed[1].kind == "signed");

    Change upload;
    upload.attachments.push_back({1, "id_scan", "client", "scan.png", "image/png", "sha", std::string("\x89PNG\0\xff", 6), 5});
    commit(*store, {upload});
    auto files = store->attachments(1);
    REQUIRE(files.size() == 1);
    CHECK(files[0].bytes == std::string("\x89PNG\0\xff", 6));
    CHECK(files[0].file_name == "scan.png");
}

TEST_CASE("contract: a named secret is made once and kept", "[store][contract]") {
    EACH_BACKEND();
    std::string first;
    {
        auto store = fresh.open();
        first = store->secret("otp");
        CHECK(first.size() == 64);
        CHECK(store->secret("otp") == first);
        CHECK(store->secret("other") != first);
    }
    auto again = fresh.open();
    CHECK(again->secret("otp") == first);
}

TEST_CASE("contract: bulk sends, API keys, links, refused requests", "[store][contract][integrations]") {
    EACH_BACKEND();
    auto store = fresh.open();

    BatchRecord b;
    b.workflow = "nda";
    b.status = "receiving";
    b.rejections = "[]";
    b.created_ms = 5;
    auto id = store->create_batch(b);
    CHECK(id > 0);
    CHECK(store->create_batch(b) > id);
    b.id = id;
    b.status = "accepted";
    b.rows = 3;
    b.accepted = 2;
    b.rejected = 1;
    store->update_batch(b);
    auto found = store->find_batch(id);
    REQUIRE(found);
    CHECK(found->status == "accepted");
    CHECK(found->accepted == 2);
    BatchRecord missing = b;
    missing.id = 9999;
    CHECK_THROWS(store->update_batch(missing));
    InstanceRecord one = instance(1);
    one.batch = id;
    InstanceRecord two = instance(2, "signing");
    two.batch = id;
    Change c;
    c.instances = {one, two, instance(3)};
    commit(*store, {c});
    auto progress = store->batch_progress(id);
    CHECK(progress == std::vector<std::pair<std::string, std::int64_t>>{{"running/draft", 1}, {"running/signing", 1}});

    ApiKeyRecord k{0, "crm", "sf_abc", std::string(64, 'f'), "send", 7, 0};
    auto key = store->add_api_key(k);
    CHECK(key > 0);
    auto got = store->find_api_key(std::string(64, 'f'));
    REQUIRE(got);
    CHECK(got->scopes == "send");
    CHECK(store->revoke_api_key(key, 8));
    CHECK_FALSE(store->revoke_api_key(key, 9));
    CHECK(store->api_keys().at(0).revoked_ms == 8);
    CHECK_THROWS(store->add_api_key(k));  // the hash is unique

    store->add_signing_token({"h1", 1, "client", "embed", 10, 5000, 0, R"({"return_url":"https://p.example/"})"});
    auto link = store->find_signing_token("h1");
    REQUIRE(link);
    CHECK(link->expires_ms == 5000);
    CHECK(link->detail == R"({"return_url":"https://p.example/"})");
    CHECK(store->use_signing_token("h1", 20));
    CHECK_FALSE(store->use_signing_token("h1", 21));
    CHECK(store->find_signing_token("h1")->used_ms == 20);
    CHECK_FALSE(store->use_signing_token("nope", 21));

    for (int i = 0; i < 3; ++i)
        store->record_security_event({i, "api_key_rejected", "/v1/x", "10.0.0." + std::to_string(i), "{}"});
    auto events = store->security_events(2);
    REQUIRE(events.size() == 2);
    CHECK(events[0].at_ms == 2);
    CHECK(events[1].at_ms == 1);
}

TEST_CASE("contract: an analytics scan gives each envelope of the period with its trail", "[store][contract]") {
    EACH_BACKEND();
    auto store = fresh.open();
    std::vector<Change> batch;
    for (std::int64_t id = 1; id <= 5; ++id) {
        Change c = new_instance(id, "draft", "running", id == 4 ? "hire" : "nda");
        for (std::int64_t seq = 1; seq <= id; ++seq) c.audit.push_back(audit_entry(id, seq));
        batch.push_back(std::move(c));
    }
    commit(*store, batch);
    std::vector<std::pair<std::int64_t, std::size_t>> seen;
    store->scan_envelopes({"nda", 1002, 1005}, [&](InstanceRecord&& r, std::vector<AuditRecord>&& trail) {
        for (auto const& e : trail) CHECK(e.envelope == r.id);
        seen.emplace_back(r.id, trail.size());
    });
    CHECK(seen == std::vector<std::pair<std::int64_t, std::size_t>>{{2, 2}, {3, 3}});
    seen.clear();
    store->scan_envelopes({}, [&](InstanceRecord&& r, std::vector<AuditRecord>&& trail) {
        seen.emplace_back(r.id, trail.size());
    });
    CHECK(seen.size() == 5);
    CHECK(seen[4] == std::pair<std::int64_t, std::size_t>{5, 5});
}

TEST_CASE("contract: reads on other threads while commits go on see whole batches", "[store][contract]") {
    EACH_BACKEND();
    auto store = fresh.open();
    std::atomic<bool> done{false};
    std::atomic<int> torn{0}, reads{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t)
        readers.emplace_back([&] {
            while (!done) {
                // Every batch writes its envelopes two by two: a read sees an
                // even count, never half a batch.
                InstanceFilter f;
                f.limit = 100000;
                if (store->list_instances(f).size() % 2 != 0) ++torn;
                ++reads;
            }
        });
    for (std::int64_t id = 1; id <= 200; id += 2) commit(*store, {new_instance(id), new_instance(id + 1)});
    while (reads < 10) std::this_thread::yield();
    done = true;
    for (auto& t : readers) t.join();
    CHECK(torn == 0);
    CHECK(store->max_instance_id() == 200);
}

TEST_CASE("contract: migrate twice is harmless, a newer schema is refused", "[store][contract]") {
    EACH_BACKEND();
    {
        auto store = fresh.open();
        store->migrate();
        commit(*store, {new_instance(1)});
    }
    auto again = fresh.open();
    CHECK(again->find_instance(1).has_value());
    if (fresh.postgres()) {
        pg_exec(fresh.target(), "INSERT INTO schema_version (version, applied_ms) VALUES (" +
                                    std::to_string(signflow::storage::latest_schema_version(fresh.target()) + 1) +
                                    ", 0)");
        auto store = signflow::storage::open_store(fresh.target());
        CHECK_THROWS_WITH(store->migrate(), Catch::Contains("newer than this signflow knows"));
    }
}

TEST_CASE("contract: text from outside that is not UTF-8 never fails a commit, long quota keys count",
          "[store][contract]") {
    EACH_BACKEND();
    auto store = fresh.open();
    // What a remote server may answer (Latin-1, a NUL), what a signer may
    // name a file: SQLite keeps the bytes, PostgreSQL (which refuses them)
    // gets U+FFFD for each bad byte; either way the batch lands.
    std::string const raw = std::string("caf\xE9 \xFF") + '\0' + "end";
    Change c = new_instance(1);
    c.outbox_added.push_back(outbox("k", 1));
    c.attachments.push_back({1, "scan", "client", raw + ".png", "image/png", "sha", "bytes", 5});
    std::string const long_key = "nda#0|" + std::string(5000, 'x');
    c.quotas.push_back({long_key, 0, 1});
    c.quotas.push_back({long_key + "y", 0, 2});
    Change d;
    d.outbox_updated.push_back({"k", "pending", 1, 9, raw});
    REQUIRE_NOTHROW(commit(*store, {c, d}));
    auto stored = store->list_outbox("pending", 10).at(0).last_error;
    auto name = store->attachments(1).at(0).file_name;
    if (fresh.postgres()) {
        CHECK(stored == "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD" "end");
        CHECK(name == "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD" "end.png");
    } else {
        CHECK(stored == raw);
        CHECK(name == raw + ".png");
    }
    CHECK(store->quota_count(long_key, 0) == 1);
    CHECK(store->quota_count(long_key + "y", 0) == 2);
    CHECK(store->quota_count(long_key + "z", 0) == 0);
}

// ---- PostgreSQL's own

TEST_CASE("postgres: a server that cannot be reached is named, without the password", "[store][postgres]") {
    // Port 1 on 127.0.0.1: nothing listens there; the connection is refused at once.
    std::string const target = "postgresql://someone:hunter2-secret@127.0.0.1:1/signflow";
    CHECK(signflow::storage::is_postgres(target));
    CHECK(signflow::storage::is_postgres("host=db.internal dbname=signflow user=app"));
    CHECK_FALSE(signflow::storage::is_postgres("signflow.db"));
    CHECK_FALSE(signflow::storage::is_postgres("/var/lib/signflow/a=b.db"));
    try {
        signflow::storage::open_store(target);
        FAIL("opened a store on a port nothing listens on");
    } catch (std::exception const& e) {
        std::string const message = e.what();
        INFO(message);
        CHECK(message.find("127.0.0.1:1/signflow") != std::string::npos);
        CHECK(message.find("someone@") != std::string::npos);
        CHECK(message.find("hunter2") == std::string::npos);
    }
    CHECK(signflow::storage::describe_target("host=h port=5 dbname=d user=u password=pw") == "postgresql://u@h:5/d");
    CHECK(signflow::storage::is_postgres("user=s password=x port=5433"));
    // A target libpq cannot read: its reason would quote the password.
    for (std::string bad : {"postgresql://u:pa%ss@127.0.0.1:1/db", "host=127.0.0.1 port=1 password=se cret"}) {
        INFO(bad);
        try {
            signflow::storage::open_store(bad);
            FAIL("opened " << bad);
        } catch (std::exception const& e) {
            std::string const message = e.what();
            INFO(message);
            CHECK(message.find("pa%ss") == std::string::npos);
            CHECK(message.find("cret") == std::string::npos);
        }
    }
}

TEST_CASE("postgres: connections the server dropped are replaced before use",
          "[store][postgres]") {
    Fresh fresh("postgres");
    auto store = fresh.open();
    commit(*store, {new_instance(1)});
    CHECK(store->find_instance(1).has_value());
    // What a server restart does to every open connection; then wait until
    // those server processes are gone.
    std::string const dbname = fresh.target().substr(fresh.target().rfind('/') + 1);
    pg_exec(pg_uri("postgres"), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + dbname +
                                    "' AND pid <> pg_backend_pid()");
    for (int waited = 0;; ++waited) {
        PGconn* c = PQconnectdb(pg_uri("postgres").c_str());
        PGresult* r = PQexec(c, ("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '" + dbname + "'").c_str());
        bool const gone = PQresultStatus(r) == PGRES_TUPLES_OK && std::string(PQgetvalue(r, 0, 0)) == "0";
        PQclear(r);
        PQfinish(c);
        if (gone) break;
        REQUIRE(waited < 500);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Neither the writer nor a pooled reader is used as it was: each is found
    // closed before use and replaced, so nothing fails.
    commit(*store, {new_instance(2)});
    CHECK(store->find_instance(2).has_value());
    CHECK(ids(store->list_instances({})) == std::vector<std::int64_t>{1, 2});
}

// A TCP proxy between the store and the test server that, when told, cuts
// the connection around the next thing the store sends: after the server
// has answered it whole (the answer lost: a COMMIT that landed unseen), or
// before the server sees it (nothing landed). What a network cut does at
// the worst moment, made to happen at exactly that moment.
class CuttingProxy {
public:
    enum class Mode { pass, lose_answer, lose_request };

    explicit CuttingProxy(int server_port) : server_port_(server_port) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(listener_, 16) == 0);
        socklen_t n = sizeof a;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &n);
        port_ = ntohs(a.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ~CuttingProxy() {
        stop_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        ::close(listener_);
        acceptor_.join();
        std::lock_guard lock(mutex_);
        for (auto& t : links_) t.join();
    }
    int port() const { return port_; }
    void set(Mode m) { mode_ = m; }
    int cuts() const { return cuts_; }

private:
    void accept_loop() {
        while (!stop_) {
            int client = ::accept(listener_, nullptr, nullptr);
            if (client < 0) return;
            std::lock_guard lock(mutex_);
            links_.emplace_back([this, client] { link(client); });
        }
    }

    void link(int client) {
        int server = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<std::uint16_t>(server_port_));
        if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(client);
            ::close(server);
            return;
        }
        char buf[65536];
        bool cutting = false;   // lose_answer: forwarding the request, dropping the answer
        std::string answer;     // what the server said meanwhile (dropped)
        while (!stop_) {
            pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
            if (::poll(p, 2, 50) <= 0) continue;
            if (p[0].revents) {
                ssize_t n = ::read(client, buf, sizeof buf);
                if (n <= 0) break;
                Mode m = mode_;
                if (!cutting && m == Mode::lose_request) {
                    ++cuts_;
                    mode_ = Mode::pass;
                    break;  // the server never sees it
                }
                if (!cutting && m == Mode::lose_answer) {
                    cutting = true;
                    mode_ = Mode::pass;
                }
                if (::write(server, buf, static_cast<std::size_t>(n)) != n) break;
            }
            if (p[1].revents) {
                ssize_t n = ::read(server, buf, sizeof buf);
                if (n <= 0) break;
                if (!cutting) {
                    if (::write(client, buf, static_cast<std::size_t>(n)) != n) break;
                    continue;
                }
                // Dropped until the server is done with it all: its
                // ReadyForQuery ('Z', length 5, status) after the Sync.
                answer.append(buf, static_cast<std::size_t>(n));
                if (answer.size() >= 6 && answer.compare(answer.size() - 6, 5, std::string("Z\0\0\0\5", 5)) == 0) {
                    ++cuts_;
                    break;
                }
            }
        }
        ::close(client);
        ::close(server);
    }

    int const server_port_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<Mode> mode_{Mode::pass};
    std::atomic<bool> stop_{false};
    std::atomic<int> cuts_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> links_;
};

TEST_CASE("postgres: a commit cut off on the way is committed exactly once when the same batch comes again",
          "[store][postgres]") {
    Fresh fresh("postgres");
    auto const dbname = fresh.target().substr(fresh.target().rfind('/') + 1);
    fresh.open();  // migrated, with the definitions
    CuttingProxy proxy(pg_port());
    auto store = signflow::storage::open_store("postgresql://signflow@127.0.0.1:" + std::to_string(proxy.port()) +
                                               "/" + dbname);
    commit(*store, {new_instance(1)});  // (the commit's statements prepared, through the proxy)

    auto batch_for = [](std::int64_t id) {
        Change c = new_instance(id);
        c.journal.push_back({id, 1, "started", "{}"});
        c.audit.push_back({id, 1, 100, "sent", std::string(64, '1'), "{}"});
        c.outbox_added.push_back(outbox(std::to_string(id) + ".notify", id));
        return std::vector<Change>{c};
    };
    auto count = [&](std::string const& sql) {
        PGconn* c = PQconnectdb(fresh.target().c_str());
        PGresult* r = PQexec(c, sql.c_str());
        std::int64_t n = PQresultStatus(r) == PGRES_TUPLES_OK ? std::atoll(PQgetvalue(r, 0, 0)) : -1;
        PQclear(r);
        PQfinish(c);
        return n;
    };

    SECTION("the answer lost: the COMMIT had landed, the second try applies nothing") {
        proxy.set(CuttingProxy::Mode::lose_answer);
        CHECK_THROWS_AS(commit(*store, batch_for(2)), StoreUnavailable);
        CHECK(proxy.cuts() == 1);
        CHECK(count("SELECT COUNT(*) FROM journal WHERE instance = 2") == 1);  // it did land
        commit(*store, batch_for(2));  // the committer's retry: found landed, not sent again
        CHECK(count("SELECT COUNT(*) FROM journal WHERE instance = 2") == 1);
        CHECK(count("SELECT COUNT(*) FROM outbox WHERE instance = 2") == 1);
        commit(*store, batch_for(3));  // and the store goes on
        CHECK(count("SELECT COUNT(*) FROM journal WHERE instance = 3") == 1);
    }
    SECTION("the request lost: nothing had landed, the second try applies it once") {
        proxy.set(CuttingProxy::Mode::lose_request);
        CHECK_THROWS_AS(commit(*store, batch_for(2)), StoreUnavailable);
        CHECK(proxy.cuts() == 1);
        CHECK(count("SELECT COUNT(*) FROM journal WHERE instance = 2") == 0);
        commit(*store, batch_for(2));
        CHECK(count("SELECT COUNT(*) FROM journal WHERE instance = 2") == 1);
        CHECK(count("SELECT COUNT(*) FROM audit WHERE envelope = 2") == 1);
    }
}

TEST_CASE("postgres: one daemon leads, a fenced commit of a former leader changes nothing", "[store][postgres]") {
    Fresh fresh("postgres");
    auto a = fresh.open();
    auto b = signflow::storage::open_store(fresh.target());
    std::string held_by;
    auto const ea = a->take_lead("host:1:a", 300, held_by, {});
    REQUIRE(ea > 0);
    a->fence("host:1:a", ea);
    commit(*a, {new_instance(1)});
    CHECK(b->take_lead("host:2:b", 300, held_by, {}) == 0);  // held, and not run out
    CHECK(held_by == "host:1:a");
    CHECK(a->renew_lead("host:1:a", ea, 300));
    // Run out while nobody took it (the database away): still A's.
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    commit(*a, {new_instance(4)});
    CHECK(a->renew_lead("host:1:a", ea, 300));
    // A paused past its lease: the other takes over with a higher epoch...
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    auto const eb = b->take_lead("host:2:b", 10000, held_by, {});
    REQUIRE(eb > ea);
    b->fence("host:2:b", eb);
    // ...and the former leader, woken, can neither renew nor commit.
    CHECK_FALSE(a->renew_lead("host:1:a", ea, 300));
    CHECK_THROWS_WITH(commit(*a, {new_instance(2)}), Catch::Contains("no longer leads"));
    CHECK_FALSE(b->find_instance(2).has_value());
    commit(*b, {new_instance(3)});
    CHECK(b->find_instance(3).has_value());
    // A leader known dead is taken over before its lease runs out; a clean
    // release lets the next one in at once.
    auto c = signflow::storage::open_store(fresh.target());
    CHECK(c->take_lead("host:3:c", 10000, held_by, "someone else") == 0);
    auto const ec = c->take_lead("host:3:c", 10000, held_by, "host:2:b");
    CHECK(ec > eb);
    c->release_lead("host:3:c", ec);
    CHECK(b->take_lead("host:2:b", 10000, held_by, {}) > ec);
}

TEST_CASE("postgres: daemons announce themselves, a shared key's fingerprint is claimed once", "[store][postgres]") {
    Fresh fresh("postgres");
    auto a = fresh.open();
    auto b = signflow::storage::open_store(fresh.target());
    std::string held_by;
    REQUIRE(a->take_lead("host:1:a", 10000, held_by, {}) > 0);
    a->announce({.holder = "host:1:a", .address = "http://10.0.0.1:8080", .leading = true, .rules = R"({"nda":"v1"})",
                 .started_ms = 1000});
    b->announce({.holder = "host:2:b", .address = "http://10.0.0.2:8080", .leading = false, .rules = R"({"nda":"v2"})",
                 .started_ms = 2000});
    // A second announcement replaces the first (one row per daemon).
    b->announce({.holder = "host:2:b", .address = "http://10.0.0.2:9090", .leading = false, .rules = "{}",
                 .started_ms = 2000});
    auto c = b->cluster();
    REQUIRE(c.members.size() == 2);
    CHECK(c.leader == "host:1:a");
    CHECK(c.epoch >= 1);
    CHECK(c.lease_left_ms > 0);
    CHECK(c.lease_left_ms <= 10000);
    CHECK(c.members[0].holder == "host:1:a");
    CHECK(c.members[0].leading);
    CHECK(c.members[0].rules == R"({"nda":"v1"})");
    CHECK(c.members[0].started_ms == 1000);
    CHECK(c.members[0].seen_ms_ago >= 0);
    CHECK(c.members[0].seen_ms_ago < 5000);
    CHECK(c.members[1].address == "http://10.0.0.2:9090");
    CHECK_FALSE(c.members[1].leading);
    b->leave("host:2:b");
    CHECK(a->cluster().members.size() == 1);

    CHECK(a->claim_key("one-time-code key", "aaaa") == "aaaa");
    CHECK(b->claim_key("one-time-code key", "bbbb") == "aaaa");  // the first one stays
    CHECK(b->claim_key("sealing certificate", "cccc") == "cccc");
}
