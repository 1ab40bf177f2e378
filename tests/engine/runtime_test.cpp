// The runtime in-process, on a real SQLite file and a real rules folder:
// envelopes started, moved and finished through Runtime's API; a second
// Runtime on the same file resumes them (what a restart does); quotas at the
// boundary of their period with a fixed clock; group commit keeping the
// parts of one event together.
#include "../support.hpp"

#include "runtime/committer.hpp"
#include "runtime/quota.hpp"
#include "signflow/engine/runtime.hpp"
#include "signflow/storage/sqlite_store.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <future>
#include <random>
#include <thread>

namespace fs = std::filesystem;
using namespace signflow;
using engine::Reply;
using nlohmann::json;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("signflow-runtime-" + std::to_string(rd()));
        fs::create_directories(path / "rules");
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// A runtime on its own io_context running on two threads.
struct Daemon {
    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{io.get_executor()};
    storage::SqliteStore store;
    stdlib::StandardCatalog catalog;
    engine::Runtime runtime;
    std::vector<std::thread> threads;

    using Tweak = std::function<void(engine::RuntimeOptions&)>;
    using Setup = std::function<void(engine::Runtime&)>;
    explicit Daemon(TempDir const& dir, Tweak tweak = {}, Setup setup = {})
        : store((dir.path / "signflow.db").string()),
          catalog(std::vector<std::string>{"billing", "crm", "slow", "hooks"}),
          runtime(io, store, catalog, options(dir, tweak)) {
        if (setup) setup(runtime);
        runtime.start();
        for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
    }
    static engine::RuntimeOptions options(TempDir const& dir, Tweak const& tweak) {
        engine::RuntimeOptions o;
        o.rules = dir.path / "rules";
        o.connector_log = (dir.path / "calls.jsonl").string();
        o.watch = false;
        o.shards = 2;
        if (tweak) tweak(o);
        return o;
    }
    ~Daemon() {
        std::promise<void> stopped;
        runtime.stop([&] { stopped.set_value(); });
        stopped.get_future().wait();
        guard.reset();
        io.stop();
        for (auto& t : threads) t.join();
    }

    Reply event(std::string const& name, json data, std::string const& key = {}) {
        std::promise<Reply> p;
        runtime.post_event(name, std::move(data), key, [&](Reply r) { p.set_value(std::move(r)); });
        return p.get_future().get();
    }
    Reply signer(std::int64_t id, std::string const& role, std::string const& what = "signed") {
        std::promise<Reply> p;
        runtime.signer_event(id, role, what, json::object(), {}, [&](Reply r) { p.set_value(std::move(r)); });
        return p.get_future().get();
    }
    // Waits (bounded) until the envelope is in `state`: the fill is answered
    // by the outbox, after the commit, so it takes a moment.
    std::string wait_state(std::int64_t id, std::string const& state) {
        std::string now;
        for (int i = 0; i < 500; ++i) {
            auto found = runtime.instance(id);
            now = found.outcome == engine::Outcome::ok ? found.value.record.state : std::string();
            if (now == state) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return now;
    }
};

char const* const card = "on form_submitted -> fill nda -> sign sequentially [client, manager] -> on completed invoke billing\n";
json card_event() { return {{"signers", {{"client", "c@example.com"}, {"manager", "m@example.com"}}}}; }

}  // namespace

TEST_CASE("an envelope runs from its trigger to completion and its history is kept", "[runtime]") {
    TempDir dir;
    test::write(dir.path / "rules/card.flow", card);
    Daemon d(dir);
    Reply r = d.event("form_submitted", card_event());
    REQUIRE(r.outcome == engine::Outcome::accepted);
    REQUIRE(r.body["started"].size() == 1);
    std::int64_t id = r.body["started"][0]["id"];
    REQUIRE(d.wait_state(id, "awaiting(client)") == "awaiting(client)");

    Reply early = d.signer(id, "manager");
    CHECK(early.outcome == engine::Outcome::conflict);
    CHECK(early.body["error"].get<std::string>().find("waiting for client") != std::string::npos);

    CHECK(d.signer(id, "client").outcome == engine::Outcome::accepted);
    Reply last = d.signer(id, "manager");
    CHECK(last.outcome == engine::Outcome::accepted);
    CHECK(last.body["state"] == "completed");
    CHECK(last.body["status"] == "finished");
    CHECK(d.signer(id, "manager").outcome == engine::Outcome::ended);

    auto got = d.runtime.instance(id);
    REQUIRE(got.outcome == engine::Outcome::ok);
    json data = json::parse(got.value.record.data);
    CHECK(data["roles"]["client"]["email"] == "c@example.com");
    CHECK(data["envelope"]["id"] == id);
    std::vector<std::string> events;
    for (auto const& h : got.value.history)
        if (h.kind == "event") events.push_back(json::parse(h.detail).value("event", std::string()));
    CHECK(events == std::vector<std::string>{"form_submitted", "done", "signed(client)", "signed(manager)"});
}

TEST_CASE("a signer who signed the first document is asked again for the second", "[runtime][documents]") {
    TempDir dir;
    test::write(dir.path / "rules/two.flow",
                "role client = event.client\n"
                "on order_placed -> fill service_agreement -> sign [client] -> fill invoice -> sign [client]\n");
    Daemon d(dir);
    Reply r = d.event("order_placed", {{"client", {{"email", "c@example.com"}}}});
    REQUIRE(r.outcome == engine::Outcome::accepted);
    std::int64_t id = r.body["started"][0]["id"];
    REQUIRE(d.wait_state(id, "awaiting(client)") == "awaiting(client)");
    auto view = d.runtime.signer(id, "client");
    REQUIRE(view.outcome == engine::Outcome::ok);
    CHECK(view.value.step == engine::SignerStep::sign);

    REQUIRE(d.signer(id, "client").outcome == engine::Outcome::accepted);
    // The second signing state (lower.cpp names it `awaiting(client)#2`):
    // the client has signed (the trail says so) and signs again. (No
    // documents connector here: the revisions are tests/daemon/two_documents.py's.)
    REQUIRE(d.wait_state(id, "awaiting(client)#2") == "awaiting(client)#2");
    view = d.runtime.signer(id, "client");
    REQUIRE(view.outcome == engine::Outcome::ok);
    CHECK(view.value.signed_);
    CHECK(view.value.step == engine::SignerStep::sign);

    Reply last = d.signer(id, "client");
    CHECK(last.outcome == engine::Outcome::accepted);
    CHECK(last.body["status"] == "finished");
    view = d.runtime.signer(id, "client");
    REQUIRE(view.outcome == engine::Outcome::ok);
    CHECK(view.value.step == engine::SignerStep::ended);
}

TEST_CASE("unknown events, missing roles and retries with the same key", "[runtime]") {
    TempDir dir;
    test::write(dir.path / "rules/card.flow", card);
    Daemon d(dir);
    Reply unknown = d.event("form_submited", card_event());
    CHECK(unknown.outcome == engine::Outcome::not_found);
    CHECK(unknown.body["known_events"] == json::array({"form_submitted"}));

    Reply missing = d.event("form_submitted", {{"signers", {{"client", "c@example.com"}}}});
    CHECK(missing.outcome == engine::Outcome::invalid);
    CHECK(missing.body["error"].get<std::string>().find("role `manager`") != std::string::npos);
    CHECK(missing.error == missing.body["error"]);  // what the daemon reads, typed

    Reply first = d.event("form_submitted", card_event(), "order-17");
    Reply again = d.event("form_submitted", card_event(), "order-17");
    REQUIRE(first.outcome == engine::Outcome::accepted);
    CHECK(again.outcome == engine::Outcome::accepted);
    CHECK(again.body["started"] == first.body["started"]);
    CHECK(again.body["replayed"] == true);
    CHECK(again.replayed);
    CHECK_FALSE(first.replayed);
    engine::InstanceFilter all;
    CHECK(d.runtime.instances(all).instances.size() == 1);
}

TEST_CASE("a restarted runtime resumes its envelopes where they were", "[runtime]") {
    TempDir dir;
    test::write(dir.path / "rules/card.flow", card);
    std::int64_t id = 0;
    {
        Daemon d(dir);
        id = d.event("form_submitted", card_event()).body["started"][0]["id"];
        REQUIRE(d.wait_state(id, "awaiting(client)") == "awaiting(client)");
        REQUIRE(d.signer(id, "client").outcome == engine::Outcome::accepted);
    }
    Daemon d(dir);
    Reply next = d.signer(id, "manager");
    CHECK(next.outcome == engine::Outcome::accepted);
    CHECK(next.body["state"] == "completed");
    // A second envelope gets a new id, not a reused one.
    std::int64_t other = d.event("form_submitted", card_event()).body["started"][0]["id"];
    CHECK(other > id);
    // Restoring did not run the entry actions again: one request to each signer.
    int requests = 0;
    for (auto const& o : d.store.list_outbox("delivered", 100))
        if (o.kind == "request_signature" && o.instance == id) ++requests;
    CHECK(requests == 2);
}

TEST_CASE("a rule file that stops compiling leaves its previous version serving", "[runtime]") {
    TempDir dir;
    test::write(dir.path / "rules/card.flow", card);
    Daemon d(dir);
    std::int64_t old_id = d.event("form_submitted", card_event()).body["started"][0]["id"];
    std::string old_version = d.runtime.instance(old_id).value.record.version;

    test::write(dir.path / "rules/card.flow", "on form_submitted -> fill nad\n");
    auto reload = d.runtime.reload();
    CHECK(reload.outcome == engine::Outcome::invalid);
    CHECK(reload.value.failed == 1);
    auto const file = d.runtime.snapshot()->files.at(0);
    CHECK_FALSE(file.loaded);                // failed, and its previous version serves
    CHECK(file.version == old_version);
    CHECK(file.diagnostics.find("card.flow:1:") != std::string::npos);
    CHECK(d.event("form_submitted", card_event()).outcome == engine::Outcome::accepted);

    test::write(dir.path / "rules/card.flow",
                "on form_submitted -> fill nda -> sign [client] -> on completed invoke billing\n");
    CHECK(d.runtime.reload().outcome == engine::Outcome::ok);
    Reply fresh = d.event("form_submitted", card_event());
    CHECK(fresh.body["started"][0]["version"] != old_version);
    // The envelope from before still needs both signatures: it runs its version.
    REQUIRE(d.wait_state(old_id, "awaiting(client)") == "awaiting(client)");
    CHECK(d.signer(old_id, "client").body["state"] == "awaiting(manager)");

    fs::remove(dir.path / "rules/card.flow");
    d.runtime.reload();
    CHECK(d.event("form_submitted", card_event()).outcome == engine::Outcome::not_found);
    CHECK(d.signer(old_id, "manager").body["state"] == "completed");
}

TEST_CASE("quota periods follow the workflow's calendar", "[runtime][quota]") {
    using engine::detail::quota_period;
    auto at = [](char const* text) { return *engine::parse_utc(text); };
    // 2026-03-31 23:30 in New York is already April in UTC: the month is March's.
    auto [begin, end] = quota_period("month", at("2026-04-01T03:30:00Z"), "America/New_York");
    CHECK(engine::utc_text(begin) == "2026-03-01T05:00:00Z");  // EST
    CHECK(engine::utc_text(end) == "2026-04-01T04:00:00Z");    // EDT
    auto [wb, we] = quota_period("week", at("2026-11-27T12:00:00Z"), "UTC");  // a Friday
    CHECK(engine::utc_text(wb) == "2026-11-23T00:00:00Z");
    CHECK(engine::utc_text(we) == "2026-11-30T00:00:00Z");
    auto [db, de] = quota_period("day", at("2026-11-27T20:00:00Z"), "Asia/Shanghai");
    CHECK(engine::utc_text(db) == "2026-11-27T16:00:00Z");
    CHECK(engine::utc_text(de) == "2026-11-28T16:00:00Z");
    auto [yb, ye] = quota_period("year", at("2026-06-01T00:00:00Z"), "UTC");
    CHECK(engine::utc_text(yb) == "2026-01-01T00:00:00Z");
    CHECK(engine::utc_text(ye) == "2027-01-01T00:00:00Z");
}

TEST_CASE("a quota passes its N-th envelope, refuses the next, and resets with the period", "[runtime][quota]") {
    TempDir dir;
    storage::SqliteStore store((dir.path / "q.db").string());
    store.migrate();
    auto compiled = test::compile_text(
        "workflow retainers\ntimezone \"Europe/Berlin\"\nquota 2 envelopes per month per event.customer\n"
        "on form_submitted -> fill nda -> sign [client]\n");
    REQUIRE(compiled.workflow);
    engine::Definition def(*compiled.workflow, "v1");
    engine::detail::QuotaBook book(store);
    json acme = {{"customer", "acme"}}, globex = {{"customer", "globex"}};
    auto march = *engine::parse_utc("2026-03-31T21:00:00Z");  // 23:00 in Berlin
    auto april = *engine::parse_utc("2026-03-31T22:00:00Z");  // midnight in Berlin: April

    std::vector<engine::QuotaIncrement> taken;
    CHECK_FALSE(book.take(def, acme, march, "UTC", taken));
    CHECK_FALSE(book.take(def, acme, march, "UTC", taken));
    auto refused = book.take(def, acme, march, "UTC", taken);
    REQUIRE(refused);
    CHECK(refused->message ==
          "quota `2 envelopes per month per event.customer` of workflow `retainers` is used up for \"acme\": 2 of 2 "
          "this month; it resets at 2026-03-31T22:00:00Z");
    CHECK_FALSE(book.take(def, globex, march, "UTC", taken));
    CHECK_FALSE(book.take(def, acme, april, "UTC", taken));
    CHECK(taken.size() == 4);

    // What was committed is what a restarted daemon counts from.
    engine::Change c;
    c.quotas = taken;
    store.commit(std::span<engine::Change const>(&c, 1));
    engine::detail::QuotaBook after_restart(store);
    std::vector<engine::QuotaIncrement> more;
    CHECK(after_restart.take(def, acme, march, "UTC", more));
    CHECK_FALSE(after_restart.take(def, acme, april, "UTC", more));
}

TEST_CASE("group commit never splits the parts of one event", "[runtime][commit]") {
    TempDir dir;
    storage::SqliteStore store((dir.path / "c.db").string());
    store.migrate();
    store.save_definition({"v", "w", "{}", 0});
    std::mutex m;
    std::vector<std::size_t> batches;
    std::vector<std::string> answered;
    engine::detail::Committer committer(
        store, 64,
        [&](std::vector<engine::detail::Entry>& b) {
            std::lock_guard lock(m);
            batches.push_back(b.size());
            for (auto& e : b)
                if (e.ticket && e.ticket->reply) e.ticket->reply(e.ticket->result), e.ticket->reply = nullptr;
        },
        [](std::string const& why, std::vector<engine::detail::Entry>&) { FAIL_CHECK("commit failed: " << why); });
    committer.start();

    auto ticket = std::make_shared<engine::detail::Ticket>(3);
    ticket->idempotency_key = "k1";
    ticket->answer = [] { return engine::make_reply(engine::Outcome::accepted, {{"ok", true}}); };
    ticket->reply = [&](Reply r) { answered.push_back(r.body.dump()); };
    auto part = [&](std::int64_t id) {
        engine::detail::Entry e;
        e.ticket = ticket;
        engine::InstanceRecord rec;
        rec.id = id;
        rec.workflow = "w";
        rec.version = "v";
        rec.state = "s";
        rec.status = "running";
        rec.data = "{}";
        e.change.instances.push_back(rec);
        return e;
    };
    committer.submit(part(1));
    committer.submit(engine::detail::Entry{});  // another event's change, queued behind the first part
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    {
        std::lock_guard lock(m);
        CHECK(batches.empty());  // waits for the other parts
    }
    committer.submit(part(2));
    committer.submit(part(3));
    committer.stop();
    std::size_t total = 0;
    for (auto b : batches) total += b;
    CHECK(total == 4);
    REQUIRE(!batches.empty());
    CHECK(batches.front() == 4);
    CHECK(answered == std::vector<std::string>{"{\"ok\":true}"});
    REQUIRE(store.find_idempotency("k1"));
    CHECK(store.find_idempotency("k1")->outcome == "accepted");
    CHECK(store.find_instance(3));
}

TEST_CASE("roles needed only on a branch may be missing when the envelope starts", "[runtime]") {
    TempDir dir;
    test::write(dir.path / "rules/club.flow",
                "on joined\n  -> when event.age < 18 { sign [member, guardian] } otherwise { sign [member] }\n"
                "  -> invoke billing\n");
    Daemon d(dir);
    json adult = {{"age", 30}, {"signers", {{"member", "m@example.com"}}}};
    Reply started = d.event("joined", adult);
    REQUIRE(started.outcome == engine::Outcome::accepted);
    std::int64_t id = started.body["started"][0]["id"];
    CHECK(d.signer(id, "member").body["state"] == "completed");

    // A minor without a guardian starts too, but the request to the
    // guardian cannot be sent: it is a dead letter that says why.
    json minor = {{"age", 15}, {"signers", {{"member", "k@example.com"}}}};
    REQUIRE(d.event("joined", minor).outcome == engine::Outcome::accepted);
    bool reported = false;
    for (auto const& o : d.store.list_outbox("dead", 10))
        if (o.target == "guardian" && o.last_error.find("role `guardian` has no value") != std::string::npos)
            reported = true;
    CHECK(reported);

    // The member is on every path: without one, nothing starts.
    Reply refused = d.event("joined", json{{"age", 30}});
    CHECK(refused.outcome == engine::Outcome::invalid);
    CHECK(refused.body["error"].get<std::string>().find("role `member`") != std::string::npos);
}

// ---- integrations: connector lanes, webhooks out, bulk starts, retries

namespace {

// A connector that records what it got; `gate` holds its deliveries until
// opened, `fail` makes them fail (permanently when `permanent`).
struct Recorder : engine::Connector {
    explicit Recorder(std::string n) : name_(std::move(n)) {}
    std::string const& name() const override { return name_; }
    engine::DeliveryResult deliver(engine::Delivery const& d) override {
        {
            std::unique_lock lock(mutex);
            opened.wait(lock, [&] { return open; });
            got.push_back(d);
        }
        changed.notify_all();
        if (fail) return {false, permanent, "refused by the test", {}};
        return {true, false, {}, {}};
    }
    std::optional<engine::RetryPolicy> retry() const override {
        return engine::RetryPolicy{2, std::chrono::milliseconds(1), std::chrono::milliseconds(5)};
    }
    // Waits (bounded) until `n` deliveries arrived.
    std::size_t wait_for(std::size_t n) {
        std::unique_lock lock(mutex);
        changed.wait_for(lock, std::chrono::seconds(10), [&] { return got.size() >= n; });
        return got.size();
    }
    void release() {
        {
            std::lock_guard lock(mutex);
            open = true;
        }
        opened.notify_all();
    }
    std::string name_;
    std::mutex mutex;
    std::condition_variable opened, changed;
    bool open = true;
    std::atomic<bool> fail{false};
    bool permanent = true;
    std::vector<engine::Delivery> got;
};

}  // namespace

TEST_CASE("a connector that blocks holds up only its own deliveries", "[runtime][connectors]") {
    TempDir dir;
    test::write(dir.path / "rules/two.flow", "on ordered -> invoke slow.create with { n: 1 } -> invoke crm.update with { n: 2 }\n");
    auto slow = std::make_unique<Recorder>("slow");
    auto crm = std::make_unique<Recorder>("crm");
    Recorder* s = slow.get();
    Recorder* c = crm.get();
    s->open = false;
    Daemon d(dir, {}, [&](engine::Runtime& r) {
        r.add_connector(std::move(slow));
        r.add_connector(std::move(crm));
    });
    REQUIRE(d.event("ordered", json::object()).outcome == engine::Outcome::accepted);
    REQUIRE(d.event("ordered", json::object()).outcome == engine::Outcome::accepted);
    // The CRM gets both of its calls while the slow connector is stuck.
    CHECK(c->wait_for(2) == 2);
    CHECK(c->got[0].operation == "update");
    {
        std::lock_guard lock(s->mutex);
        CHECK(s->got.size() <= 1);  // at most the one it is blocked in
    }
    s->release();
    CHECK(s->wait_for(2) == 2);
}

TEST_CASE("lifecycle events go to the webhook connectors that subscribe to them", "[runtime][connectors]") {
    TempDir dir;
    test::write(dir.path / "rules/card.flow", card);
    auto hooks = std::make_unique<Recorder>("hooks");
    Recorder* h = hooks.get();
    Daemon d(
        dir,
        [](engine::RuntimeOptions& o) {
            o.subscriptions.push_back({"hooks", {"envelope.sent", "recipient.signed", "envelope.completed"}, {}});
            o.subscriptions.push_back({"elsewhere", {}, {"another_workflow"}});
        },
        [&](engine::Runtime& r) { r.add_connector(std::move(hooks)); });
    std::int64_t id = d.event("form_submitted", card_event()).body["started"][0]["id"];
    REQUIRE(d.wait_state(id, "awaiting(client)") == "awaiting(client)");
    REQUIRE(d.signer(id, "client").outcome == engine::Outcome::accepted);
    REQUIRE(d.signer(id, "manager").body["state"] == "completed");
    REQUIRE(h->wait_for(4) == 4);
    std::vector<std::string> events;
    {
        std::lock_guard lock(h->mutex);
        for (auto const& x : h->got) {
            CHECK(x.kind == "webhook");
            CHECK(x.data["envelope"] == id);
            CHECK(x.data["workflow"] == "card");
            events.push_back(x.data["event"].get<std::string>() + x.data.value("role", std::string()));
        }
    }
    // envelope.sent once (with the first request), not again for the manager.
    std::sort(events.begin(), events.end());
    CHECK(events == std::vector<std::string>{"envelope.completed", "envelope.sent", "recipient.signedclient",
                                             "recipient.signedmanager"});
    // The other subscription filters on a workflow this is not.
    for (auto const& o : d.store.list_outbox("", 100))
        CHECK(o.target != "elsewhere");
}

TEST_CASE("an envelope started for a bulk send carries its batch", "[runtime][bulk]") {
    TempDir dir;
    test::write(dir.path / "rules/card.flow", card);
    Daemon d(dir);
    auto start = [&](std::string const& workflow, json data, std::string const& key = {}) {
        std::promise<Reply> p;
        d.runtime.start_envelope(workflow, std::move(data), key, 42, [&](Reply r) { p.set_value(std::move(r)); });
        return p.get_future().get();
    };
    Reply r = start("card", card_event(), "bulk:42:2");
    REQUIRE(r.outcome == engine::Outcome::accepted);
    std::int64_t id = r.body["started"][0]["id"];
    CHECK(d.store.find_instance(id)->batch == 42);
    CHECK(start("card", card_event(), "bulk:42:2").body["replayed"] == true);
    CHECK(start("nope", card_event()).outcome == engine::Outcome::not_found);
    Reply missing = start("card", {{"signers", {{"client", "c@example.com"}}}});
    CHECK(missing.outcome == engine::Outcome::invalid);
    CHECK(missing.body.dump().find("manager") != std::string::npos);
    CHECK(d.store.batch_progress(42).size() == 1);
}

TEST_CASE("an operator's retry delivers a dead letter again", "[runtime][connectors]") {
    TempDir dir;
    test::write(dir.path / "rules/one.flow", "on ordered -> invoke crm.update with { n: 1 }\n");
    auto crm = std::make_unique<Recorder>("crm");
    Recorder* c = crm.get();
    c->fail = true;
    Daemon d(dir, {}, [&](engine::Runtime& r) { r.add_connector(std::move(crm)); });
    REQUIRE(d.event("ordered", json::object()).outcome == engine::Outcome::accepted);
    REQUIRE(c->wait_for(1) == 1);
    std::string key;
    for (int i = 0; i < 500 && key.empty(); ++i) {
        auto dead = d.store.list_outbox("dead", 10, "crm");
        if (!dead.empty()) key = dead[0].key;
        else std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE_FALSE(key.empty());
    CHECK(d.runtime.retry_delivery("no-such-key").outcome == engine::Outcome::not_found);
    c->fail = false;
    CHECK(d.runtime.retry_delivery(key).outcome == engine::Outcome::accepted);
    CHECK(c->wait_for(2) == 2);
    std::string status;
    for (int i = 0; i < 500 && status != "delivered"; ++i) {
        for (auto const& o : d.store.list_outbox("", 10, "crm"))
            if (o.key == key) status = o.status;
        if (status != "delivered") std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(status == "delivered");
    CHECK(d.runtime.retry_delivery(key).outcome == engine::Outcome::not_found);  // delivered: not again
}
