// Runtime::Impl: the shards, the committer, the dispatcher, the rules and the
// watcher, wired together; requests routed to the shards that can answer.
#include "signflow/engine/runtime.hpp"

#include "committer.hpp"
#include "signflow/engine/store_errors.hpp"
#include "context.hpp"
#include "dispatcher.hpp"
#include "quota.hpp"
#include "restore.hpp"
#include "shard.hpp"
#include "signer_view.hpp"
#include "watcher.hpp"

#include "signflow/dsl/ir_io.hpp"
#include "signflow/evidence/audit.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <sstream>
#include <thread>

namespace signflow::engine {
namespace asio = boost::asio;
using nlohmann::json;
using namespace detail;

struct Runtime::Impl {
    Impl(asio::io_context& io, Store& store, dsl::Catalog const& catalog, RuntimeOptions options, LogFn log)
        : io(io), store(store), options(std::move(options)),
          log(log ? std::move(log) : LogFn([](LogLevel, std::string const&) {})),
          rules(this->options.rules, catalog), machine(MachineOptions{this->options.default_zone}),
          committer(store, this->options.max_batch, [this](std::vector<Entry>& b) { committed(b); },
                    [this](std::string const& why, std::vector<Entry>& b) { failed(why, b); }),
          quotas(store), ctx{store, rules, machine, committer, quotas, this->options, this->log, metrics},
          dispatcher(ctx, [this](std::int64_t id, DeliveryEnd outcome) { delivered(id, std::move(outcome)); }) {
        unsigned n = this->options.shards ? this->options.shards : std::max(1u, std::thread::hardware_concurrency());
        for (unsigned i = 0; i < n; ++i) shards.push_back(std::make_unique<Shard>(io, ctx, i));
        committer.on_unavailable([this](bool down, std::string const& why) {
            store_down = down;
            if (down)
                this->log(LogLevel::error, "the store cannot be reached: " + why +
                                         "; new requests are answered 503 until it is back, and what was in hand "
                                         "is committed then");
            else
                this->log(LogLevel::info, "the store is reachable again: serving");
        });
    }

    asio::io_context& io;
    Store& store;
    RuntimeOptions options;
    LogFn log;
    Rules rules;
    Machine machine;
    Metrics metrics;
    Committer committer;
    QuotaBook quotas;
    Context ctx;
    Dispatcher dispatcher;
    std::vector<std::unique_ptr<Shard>> shards;
    std::unique_ptr<Watcher> watcher;
    std::atomic<std::int64_t> next_id{1};
    std::atomic<bool> accepting{false};
    // The store cannot be reached: new requests are answered 503 at once
    // (nothing of them applied), those in hand wait for the database.
    std::atomic<bool> store_down{false};
    std::function<void(std::string const&)> on_fatal;
    std::atomic<std::int64_t> in_flight{0};
    std::thread stopper;  // Runtime::stop's; joined by ~Runtime

    // Requests with an Idempotency-Key that are being answered: a second
    // request with the same key waits for the first one's answer.
    std::mutex keys_mutex;
    struct InFlight {
        std::string request;           // the first request's IdempotencyKey::request
        std::vector<ReplyFn> waiting;  // the same request again, waiting for its answer
    };
    std::unordered_map<std::string, InFlight> keys_in_flight;

    // The answer to every request while the daemon stops.
    static Reply stopping() { return make_reply(Outcome::unavailable, {{"error", "the daemon is stopping"}}); }
    static Reply down() {
        return make_reply(Outcome::unavailable,
                          {{"error", "the database cannot be reached; nothing was changed: retry shortly"}});
    }
    // What a request that would change something is refused with now, if
    // anything.
    Reply const* refusal() const {
        static Reply const stop = stopping(), unreachable = down();
        if (!accepting) return &stop;
        if (store_down) return &unreachable;
        return nullptr;
    }

    Shard& shard_of(std::int64_t id) { return *shards[static_cast<std::size_t>(id) % shards.size()]; }

    void committed(std::vector<Entry>& batch) {
        for (auto& e : batch) {
            for (auto const& o : e.change.outbox_added) dispatcher.enqueue(o);
            if (e.after) e.after();
            if (e.ticket && e.ticket->reply) {
                auto reply = std::move(e.ticket->reply);
                e.ticket->reply = nullptr;
                finish(e.ticket->idempotency_key, e.ticket->result, std::move(reply));
            }
        }
    }

    void failed(std::string const& why, std::vector<Entry>& batch) {
        log(LogLevel::error, "the store failed to commit " + std::to_string(batch.size()) +
                                 " changes: " + why + "; stopping (what was answered before is on disk)");
        accepting = false;
        Reply r = make_reply(Outcome::unavailable,
                             {{"error", "the daemon could not store the event; nothing was changed"}, {"detail", why}});
        for (auto& e : batch)
            if (e.ticket && e.ticket->reply) {
                auto reply = std::move(e.ticket->reply);
                e.ticket->reply = nullptr;
                finish(e.ticket->idempotency_key, r, std::move(reply));
            }
        if (on_fatal) on_fatal(why);
    }

    void finish(std::string const& key, Reply const& r, ReplyFn reply) {
        std::vector<ReplyFn> waiting;
        if (!key.empty()) {
            std::lock_guard lock(keys_mutex);
            auto it = keys_in_flight.find(key);
            if (it != keys_in_flight.end()) {
                waiting = std::move(it->second.waiting);
                keys_in_flight.erase(it);
            }
        }
        --in_flight;
        reply(r);
        for (auto& w : waiting) w(r);
    }

    // The 422 for a key used again for another request; nullopt when the
    // two are the same request (or either is not said).
    static std::optional<Reply> other_request(std::string const& first, std::string const& now) {
        if (first.empty() || now.empty() || first == now) return std::nullopt;
        // "METHOD PATH BODY_SHA256": the route, then the body's hash.
        auto route = [](std::string const& r) { return r.substr(0, r.rfind(' ')); };
        bool same_route = route(first) == route(now);
        return make_reply(Outcome::invalid,
                     {{"error", same_route ? "this Idempotency-Key was used for `" + route(first) +
                                                 "` with another body; a retry must send the same body, and a "
                                                 "new request needs a new key"
                                           : "this Idempotency-Key was used for `" + route(first) +
                                                 "`, not `" + route(now) + "`; a new request needs a new key"},
                      {"difference", same_route ? "body" : "route"},
                      {"first_request", route(first)}});
    }

    // Returns true when the request is answered already (a retry, or a
    // reuse of the key for another request: 422).
    bool replay(IdempotencyKey const& k, ReplyFn& reply) {
        std::string const& key = k.key;
        if (key.empty()) return false;
        {
            std::lock_guard lock(keys_mutex);
            auto it = keys_in_flight.find(key);
            if (it != keys_in_flight.end()) {
                if (auto refused = other_request(it->second.request, k.request)) {
                    reply(*refused);
                    return true;
                }
                it->second.waiting.push_back(std::move(reply));
                return true;
            }
        }
        if (auto rec = store.find_idempotency(key)) {
            if (auto refused = other_request(rec->request, k.request)) {
                reply(*refused);
                return true;
            }
            reply(make_reply(outcome_from_name(rec->outcome).value_or(Outcome::failed),
                             json::parse(rec->response, nullptr, false), true));
            return true;
        }
        std::lock_guard lock(keys_mutex);
        auto [it, added] = keys_in_flight.emplace(key, InFlight{k.request, {}});
        if (!added) {
            if (auto refused = other_request(it->second.request, k.request)) {
                reply(*refused);
                return true;
            }
            it->second.waiting.push_back(std::move(reply));
            return true;
        }
        return false;
    }

    // A request about envelope `id`, run on its shard as `fn(shard, ticket,
    // part)`: `unavailable` while the daemon stops, and a retry of a keyed
    // request is answered from before without reaching the shard.
    template <class Fn>
    void post_to_shard(std::int64_t id, IdempotencyKey const& key, ReplyFn reply, Fn fn) {
        if (auto const* no = refusal()) return reply(*no);
        auto [ticket, part] = one_envelope_request(key, std::move(reply));
        if (!ticket) return;
        Shard& sh = shard_of(id);
        asio::post(sh.strand(), [this, &sh, ticket = ticket, part = part, fn = std::move(fn)]() mutable {
            auto kept = ticket;
            try {
                fn(sh, std::move(ticket), part);
            } catch (StoreUnavailable const&) {
                // A read the act needed (an ended envelope, an audit head)
                // and the database away: answered 503, nothing changed.
                part->outcome = Outcome::unavailable;
                part->body = {{"error", "the database cannot be reached; nothing was changed: retry shortly"}};
                Entry e;
                e.ticket = std::move(kept);
                committer.submit(std::move(e));
            }
        });
    }

    // A request about one envelope (a signer's act, a cancel): one part, whose
    // answer is the ticket's. Null when the request is a retry, answered already.
    std::pair<std::shared_ptr<Ticket>, std::shared_ptr<Part>> one_envelope_request(IdempotencyKey const& key,
                                                                                   ReplyFn reply) {
        if (replay(key, reply)) return {};
        ++in_flight;
        auto ticket = std::make_shared<Ticket>(1);
        ticket->idempotency_key = key.key;
        ticket->idempotency_request = key.request;
        ticket->reply = std::move(reply);
        auto part = std::make_shared<Part>();
        ticket->answer = [part] { return make_reply(part->outcome, part->body); };
        return {ticket, part};
    }

    void delivered(std::int64_t id, DeliveryEnd outcome) {
        Shard& s = shard_of(id);
        asio::post(s.strand(), [&s, id, outcome = std::move(outcome)]() mutable { s.delivered(id, std::move(outcome)); });
    }

    static Reply combine(std::string const& event, std::vector<std::shared_ptr<Part>> const& parts) {
        json started = json::array(), correlated = json::array(), refused = json::array();
        for (auto const& p : parts) {
            for (auto& x : p->started) started.push_back(x);
            for (auto& x : p->correlated) correlated.push_back(x);
            for (auto& x : p->refused) refused.push_back(x);
        }
        Reply r;
        r.body = {{"event", event}, {"started", started}, {"correlated", correlated}};
        if (!refused.empty()) r.body["refused"] = refused;
        if (!started.empty() || !correlated.empty()) {
            r.outcome = Outcome::accepted;
        } else if (!refused.empty()) {
            r.outcome = outcome_from_name(refused[0].value("outcome", "")).value_or(Outcome::failed);
            r.body["error"] = refused[0]["reason"];
        } else {
            r.outcome = Outcome::accepted;
            r.body["note"] = "no trigger's condition held and no envelope was waiting for this event";
        }
        return make_reply(r.outcome, std::move(r.body));
    }
};

Runtime::Runtime(asio::io_context& io, Store& store, dsl::Catalog const& catalog, RuntimeOptions options,
                 LogFn log)
    : impl_(std::make_unique<Impl>(io, store, catalog, std::move(options), std::move(log))) {}

Runtime::~Runtime() {
    if (impl_->stopper.joinable()) impl_->stopper.join();
    impl_->dispatcher.stop();
    impl_->committer.stop();
}

void Runtime::add_connector(std::unique_ptr<Connector> c) { impl_->dispatcher.add_connector(std::move(c)); }

bool Runtime::accepting() const { return impl_->accepting; }

bool Runtime::store_reachable() const { return !impl_->store_down; }

std::shared_ptr<Snapshot const> Runtime::snapshot() const { return impl_->rules.snapshot(); }

void Runtime::start() {
    Impl& m = *impl_;
    m.on_fatal = on_fatal;
    m.store.migrate();
    for (auto const& d : m.store.load_definitions()) {
        try {
            m.rules.restore(d.version, d.ir_json);
        } catch (std::exception const& e) {
            m.log(LogLevel::error, "stored version " + d.version + " of " + d.workflow + " cannot run: " + e.what());
        }
    }
    m.rules.on_new_version = [&m](Definition const& d) {
        m.store.save_definition({d.version(), d.name(), ir::to_json(d.ir()).dump(), to_millis(now_instant())});
    };
    if (accept_rule) m.rules.set_acceptor(accept_rule);
    auto report = m.rules.reload(to_millis(now_instant()));
    ++m.metrics.reloads;
    for (auto const& f : report.failures) m.log(LogLevel::error, "rule file " + f.path + " failed to load:\n" + f.diagnostics);
    m.log(LogLevel::info, "rules: " + std::to_string(report.loaded) + " of " + std::to_string(report.files) +
                              " files loaded from " + m.rules.folder().string());

    auto [restored, lost, timers] = restore_shards(m.store, m.rules, m.shards, m.log);
    m.store.load_audit_heads(
        [&](AuditRecord&& a) { m.shard_of(a.envelope).adopt_audit_head(a.envelope, a.seq, std::move(a.hash)); });
    m.dispatcher.set_default(make_log_connector("log", m.options.connector_log));
    std::size_t outbox = 0;
    m.store.load_pending_outbox([&](OutboxRecord&& o) {
        m.dispatcher.enqueue(o);
        ++outbox;
    });
    m.next_id = m.store.max_instance_id() + 1;
    m.log(LogLevel::info, "restored " + std::to_string(restored) + " running envelopes, " + std::to_string(timers) +
                              " timers, " + std::to_string(outbox) + " pending deliveries" +
                              (lost ? "; " + std::to_string(lost) + " envelopes could not be restored" : ""));

    m.committer.start();
    m.dispatcher.start();
    for (auto& s : m.shards) s->resume();
    if (m.options.watch) {
        m.watcher = std::make_unique<Watcher>(m.io, m.rules.folder(), m.options.reload_debounce,
                                              [this] { reload(); }, m.log);
        m.watcher->start();
    }
    m.accepting = true;
}

void Runtime::stop(std::function<void()> done) {
    Impl& m = *impl_;
    m.accepting = false;
    if (m.watcher) m.watcher->stop();
    for (auto& s : m.shards) s->stop();
    // Let the shards finish what was posted to them, then drain the
    // committer (it answers the senders) and stop the dispatcher. Runs on a
    // thread of its own (joining threads must not block the io_context),
    // which the destructor joins.
    if (m.stopper.joinable()) return;
    m.stopper = std::thread([&m, done = std::move(done)] {
        for (int i = 0; i < 1000 && m.in_flight > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        m.dispatcher.stop();
        m.committer.stop();
        if (done) done();
    });
}

void Runtime::post_event(std::string const& name, json data, IdempotencyKey const& key, ReplyFn reply) {
    Impl& m = *impl_;
    if (auto const* no = m.refusal()) return reply(*no);
    auto snap = m.rules.snapshot();
    std::vector<std::pair<DefinitionPtr, int>> starts;
    Instant now = now_instant();
    if (auto it = snap->starters.find(name); it != snap->starters.end())
        for (auto const& def : it->second)
            if (auto k = m.machine.match_trigger(*def, name, data, now)) starts.emplace_back(def, *k);
    bool awaited = m.rules.awaited(name);
    bool known = snap->starters.count(name) > 0 || awaited;
    if (!known) {
        json events = json::array();
        for (auto const& e : m.rules.known_events()) events.push_back(e);
        return reply(make_reply(Outcome::not_found,
                                {{"error", "no loaded workflow starts with or waits for the event `" + name + "`"},
                                 {"known_events", events}}));
    }
    if (m.replay(key, reply)) return;
    ++m.in_flight;
    int parts = static_cast<int>(starts.size()) + (awaited ? static_cast<int>(m.shards.size()) : 0);
    if (parts == 0) {
        Reply r = Impl::combine(name, {});
        if (!key.key.empty()) {
            // Nothing changes, but the answer is kept like any other.
            auto ticket = std::make_shared<Ticket>(1);
            ticket->idempotency_key = key.key;
            ticket->idempotency_request = key.request;
            ticket->answer = [r] { return r; };
            ticket->reply = std::move(reply);
            m.committer.submit(Entry{{}, ticket, {}});
            return;
        }
        --m.in_flight;
        return reply(r);
    }
    auto ticket = std::make_shared<Ticket>(parts);
    ticket->idempotency_key = key.key;
    ticket->idempotency_request = key.request;
    ticket->reply = std::move(reply);
    std::vector<std::shared_ptr<Part>> all;
    for (int i = 0; i < parts; ++i) all.push_back(std::make_shared<Part>());
    ticket->answer = [name, all] { return Impl::combine(name, all); };
    auto shared = std::make_shared<json const>(std::move(data));
    int p = 0;
    // Awaiting envelopes first: an event that both starts an envelope and
    // moves others must not move the one it just started.
    if (awaited)
        for (auto& s : m.shards) {
            Shard* sh = s.get();
            auto part = all[static_cast<std::size_t>(p++)];
            asio::post(sh->strand(), [sh, name, shared, ticket, part] { sh->correlate(name, shared, ticket, part); });
        }
    for (auto& [def, k] : starts) {
        std::int64_t id = m.next_id++;
        Shard& sh = m.shard_of(id);
        auto part = all[static_cast<std::size_t>(p++)];
        asio::post(sh.strand(), [&sh, def = def, k = k, shared, id, ticket, part] {
            sh.start(def, k, shared, id, ticket, part);
        });
    }
}

void Runtime::start_envelope(std::string const& workflow, json data, IdempotencyKey const& key, std::int64_t batch,
                             ReplyFn reply) {
    Impl& m = *impl_;
    if (auto const* no = m.refusal()) return reply(*no);
    auto snap = m.rules.snapshot();
    auto found = snap->current.find(workflow);
    if (found == snap->current.end())
        return reply(make_reply(Outcome::not_found, {{"error", "no loaded workflow is named `" + workflow + "`"}}));
    DefinitionPtr def = found->second;
    Instant now = now_instant();
    int trigger = -1;
    auto const& triggers = def->ir().triggers;
    for (std::size_t i = 0; i < triggers.size() && trigger < 0; ++i)
        if (auto k = m.machine.match_trigger(*def, triggers[i].event, data, now)) trigger = *k;
    if (trigger < 0)
        return reply(make_reply(Outcome::invalid, {{"error", "no trigger of `" + workflow + "` holds for this data"}}));
    if (m.replay(key, reply)) return;
    ++m.in_flight;
    auto ticket = std::make_shared<Ticket>(1);
    ticket->idempotency_key = key.key;
    ticket->idempotency_request = key.request;
    ticket->reply = std::move(reply);
    auto part = std::make_shared<Part>();
    std::string event = triggers[static_cast<std::size_t>(trigger)].event;
    ticket->answer = [event, part] { return Impl::combine(event, {part}); };
    auto shared = std::make_shared<json const>(std::move(data));
    std::int64_t id = m.next_id++;
    Shard& sh = m.shard_of(id);
    asio::post(sh.strand(), [&sh, def, trigger, shared, id, ticket, part, batch] {
        sh.start(def, trigger, shared, id, ticket, part, batch);
    });
}

std::optional<Runtime::QuotaRoom> Runtime::quota_room(std::string const& workflow) {
    Impl& m = *impl_;
    auto snap = m.rules.snapshot();
    auto found = snap->current.find(workflow);
    if (found == snap->current.end()) return std::nullopt;
    auto room = m.quotas.room(*found->second, now_instant(), m.options.default_zone);
    if (!room) return std::nullopt;
    return QuotaRoom{room->first, std::move(room->second)};
}

namespace {
std::string const signer_events[] = {"signed", "declined", "verified", "verification_failed"};
}

void Runtime::signer_event(std::int64_t id, std::string const& role, std::string const& what, json data,
                           IdempotencyKey const& key, ReplyFn reply, Origin origin) {
    // While stopping, every act is refused alike (post_to_shard would say so
    // only after the name is checked).
    if (auto const* no = impl_->refusal()) return reply(*no);
    if (std::find(std::begin(signer_events), std::end(signer_events), what) == std::end(signer_events))
        return reply(make_reply(Outcome::not_found, {{"error", "unknown signer event `" + what + "`"},
                                                     {"known", {"signed", "declined", "verified", "verification_failed"}}}));
    auto shared = std::make_shared<json const>(std::move(data));
    std::string event = what + "(" + role + ")";
    impl_->post_to_shard(id, key, std::move(reply),
                         [id, event, shared, origin = std::move(origin)](Shard& sh, auto ticket, auto part) {
                             sh.apply_signer_event(id, event, shared, origin, ticket, part);
                         });
}

void Runtime::signer_record(std::int64_t id, std::string const& role, std::string const& kind, json detail,
                            Origin origin, ReplyFn reply) {
    AuditFact fact{kind, role, detail.is_object() ? std::move(detail) : json::object(), std::move(origin)};
    impl_->post_to_shard(id, {}, std::move(reply), [id, role, fact = std::move(fact)](Shard& sh, auto ticket,
                                                                                      auto part) mutable {
        sh.record_fact(id, role, std::move(fact), ticket, part);
    });
}

void Runtime::submit_code(std::int64_t id, std::string const& role, std::string const& code, Origin origin,
                          ReplyFn reply) {
    impl_->post_to_shard(id, {}, std::move(reply),
                         [id, role, code, origin = std::move(origin)](Shard& sh, auto ticket, auto part) {
                             sh.check_code(id, role, code, origin, ticket, part);
                         });
}

void Runtime::resend_code(std::int64_t id, std::string const& role, Origin origin, ReplyFn reply) {
    impl_->post_to_shard(id, {}, std::move(reply), [id, role, origin = std::move(origin)](Shard& sh, auto ticket,
                                                                                          auto part) {
        sh.resend_code(id, role, origin, ticket, part);
    });
}

void Runtime::upload_attachment(AttachmentRecord file, Origin origin, ReplyFn reply) {
    std::int64_t id = file.envelope;
    impl_->post_to_shard(id, {}, std::move(reply), [file = std::move(file), origin = std::move(origin)](
                                                       Shard& sh, auto ticket, auto part) mutable {
        sh.attachment(std::move(file), origin, ticket, part);
    });
}

Result<std::vector<AuditRecord>> Runtime::audit(std::int64_t id) {
    Impl& m = *impl_;
    auto records = m.store.audit(id);
    if (records.empty() && !m.store.find_instance(id)) return {Outcome::not_found, {}, {}};
    return {Outcome::ok, std::move(records), {}};
}

std::optional<DocumentRecord> Runtime::document(std::int64_t id, std::int64_t revision) {
    return impl_->store.document(id, revision);
}

Result<std::vector<DocumentRecord>> Runtime::documents(std::int64_t id) {
    Impl& m = *impl_;
    auto docs = m.store.documents(id);
    if (docs.empty() && !m.store.find_instance(id)) return {Outcome::not_found, {}, {}};
    return {Outcome::ok, std::move(docs), {}};
}

void Runtime::cancel(std::int64_t id, std::string const& reason, IdempotencyKey const& key, ReplyFn reply,
                     Origin origin) {
    impl_->post_to_shard(id, key, std::move(reply), [id, reason, origin = std::move(origin)](Shard& sh, auto ticket, auto part) {
        sh.cancel(id, reason, origin, ticket, part);
    });
}

void Runtime::correct_signer(std::int64_t id, std::string const& role, json changes, Origin origin,
                             IdempotencyKey const& key, ReplyFn reply) {
    impl_->post_to_shard(id, key, std::move(reply),
                         [id, role, changes = std::move(changes), origin = std::move(origin)](Shard& sh, auto ticket,
                                                                                              auto part) {
                             sh.correct_signer(id, role, changes, origin, ticket, part);
                         });
}

void Runtime::delegate_signer(std::int64_t id, std::string const& role, json to, Origin origin, ReplyFn reply) {
    // No idempotency key: a form sent twice finds the link replaced (410) or
    // the role handed over already (conflict), and a refused delegate may
    // be corrected and sent again.
    impl_->post_to_shard(id, IdempotencyKey{}, std::move(reply),
                         [id, role, to = std::move(to), origin = std::move(origin)](Shard& sh, auto ticket, auto part) {
                             sh.delegate_signer(id, role, to, origin, ticket, part);
                         });
}

void Runtime::resend_request(std::int64_t id, std::string const& role, Origin origin, IdempotencyKey const& key,
                             ReplyFn reply) {
    impl_->post_to_shard(id, key, std::move(reply), [id, role, origin = std::move(origin)](Shard& sh, auto ticket,
                                                                                           auto part) {
        sh.resend_request(id, role, origin, ticket, part);
    });
}

Result<SignerView> Runtime::signer(std::int64_t id, std::string const& role) {
    Impl& m = *impl_;
    auto r = m.store.find_instance(id);
    if (!r) return {Outcome::not_found, {}, {}};
    auto definition = m.rules.version(r->version);
    if (!definition) return {Outcome::failed, {}, "the envelope's workflow version is not loaded"};
    return {Outcome::ok, detail::signer_view(*definition, *r, m.store.audit(id), role, now_instant()), {}};
}

Result<InstanceDetail> Runtime::instance(std::int64_t id) {
    Impl& m = *impl_;
    auto r = m.store.find_instance(id);
    if (!r) return {Outcome::not_found, {}, {}};
    return {Outcome::ok, {std::move(*r), m.store.journal(id)}, {}};
}

InstancePage Runtime::instances(InstanceFilter const& filter) {
    InstancePage page;
    page.instances = impl_->store.list_instances(filter);
    if (static_cast<int>(page.instances.size()) == filter.limit && !page.instances.empty())
        page.next_after_id = page.instances.back().id;
    return page;
}

std::vector<std::string> Runtime::known_events() const { return impl_->rules.known_events(); }

std::vector<QuotaUsage> Runtime::quotas() {
    Impl& m = *impl_;
    auto snap = m.rules.snapshot();
    auto now = now_instant();
    std::vector<std::string> names;  // by name: the answer does not change order between calls
    for (auto const& [name, def] : snap->current) names.push_back(name);
    std::sort(names.begin(), names.end());
    std::vector<QuotaUsage> out;
    for (auto const& name : names)
        for (auto& q : m.quotas.usage(*snap->current.at(name), now, m.options.default_zone)) out.push_back(std::move(q));
    return out;
}

Result<ReloadReport> Runtime::reload() {
    Impl& m = *impl_;
    try {
        auto report = m.rules.reload(to_millis(now_instant()));
        ++m.metrics.reloads;
        if (report.failed) ++m.metrics.reload_failures;
        for (auto const& f : report.failures)
            m.log(LogLevel::error, "rule file " + f.path + " failed to load" +
                                       (f.version.empty() ? "" : " (the previous version keeps serving)") + ":\n" +
                                       f.diagnostics);
        for (auto const& v : report.new_versions) m.log(LogLevel::info, "loaded " + v);
        Outcome outcome = report.failed ? Outcome::invalid : Outcome::ok;
        return {outcome, std::move(report), {}};
    } catch (std::exception const& e) {
        ++m.metrics.reload_failures;
        m.log(LogLevel::error, std::string("reload failed: ") + e.what());
        return {Outcome::failed, {}, e.what()};
    }
}

std::vector<OutboxRecord> Runtime::outbox(std::string const& status, int limit, std::string const& connector) {
    return impl_->store.list_outbox(status, limit, connector);
}

Result<OutboxRecord> Runtime::retry_delivery(std::string const& key) {
    Impl& m = *impl_;
    auto row = m.store.revive_outbox(key, to_millis(now_instant()));
    if (!row) return {Outcome::not_found, {}, {}};
    m.dispatcher.enqueue(*row);
    m.log(LogLevel::info, "outbox " + key + " (" + row->kind + " " + row->target + ") retried by the operator");
    return {Outcome::accepted, std::move(*row), {}};
}

std::string Runtime::metrics() {
    Impl& m = *impl_;
    auto& x = m.metrics;
    std::ostringstream o;
    auto counter = [&](char const* name, char const* help, std::uint64_t v) {
        o << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n" << name << " " << v << "\n";
    };
    auto gauge = [&](char const* name, char const* help, std::int64_t v) {
        o << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n" << name << " " << v << "\n";
    };
    counter("signflow_events_total", "Events delivered to envelopes (external, signer, timer, internal).", x.events);
    counter("signflow_events_ignored_total", "Events that matched no transition.", x.events_ignored);
    counter("signflow_transitions_total", "Events that changed an envelope.", x.transitions);
    counter("signflow_envelopes_started_total", "Envelopes started.", x.started);
    counter("signflow_envelopes_finished_total", "Envelopes that reached a final state or were cancelled.",
            x.finished);
    counter("signflow_start_refused_total", "Starts refused because the event could not make an envelope.",
            x.start_refused);
    counter("signflow_quota_refused_total", "Starts refused by a quota.", x.quota_refused);
    gauge("signflow_envelopes_running", "Envelopes running (in memory).", x.running);
    counter("signflow_timers_fired_total", "Timers fired.", x.timers_fired);
    counter("signflow_timers_late_total", "Timers that fired more than a minute after they were due.", x.timers_late);
    gauge("signflow_timers_pending", "Timers armed (including those due and not yet fired).", x.timers_pending);
    gauge("signflow_timers_overdue", "Timers due and not yet fired (a backlog after an outage).",
          x.timers_overdue);
    gauge("signflow_outbox_backlog", "Deliveries waiting in the outbox (including retries).",
          static_cast<std::int64_t>(m.dispatcher.backlog()));
    o << "# HELP signflow_connector_backlog Deliveries waiting in a connector's lane.\n"
         "# TYPE signflow_connector_backlog gauge\n";
    for (auto const& [name, n] : m.dispatcher.backlogs())
        o << "signflow_connector_backlog{connector=\"" << name << "\"} " << n << "\n";
    counter("signflow_outbox_delivered_total", "Deliveries a connector accepted.", x.delivered);
    counter("signflow_outbox_failures_total", "Delivery attempts that failed and will be retried.",
            x.delivery_failures);
    counter("signflow_outbox_dead_total", "Deliveries given up (dead letters).", x.dead);
    counter("signflow_reloads_total", "Rule reloads.", x.reloads);
    counter("signflow_reload_failures_total", "Rule reloads in which a file failed to compile.", x.reload_failures);
    counter("signflow_commits_total", "Store transactions (group commits).", m.committer.commits());
    counter("signflow_committed_changes_total", "Changes committed (one per event or delivery round).",
            m.committer.committed_changes());
    gauge("signflow_commit_queue", "Changes waiting for the committer.", static_cast<std::int64_t>(m.committer.queued()));
    auto h = m.committer.batch_histogram();
    char const* bounds[] = {"1", "4", "16", "64", "256", "1024", "+Inf"};
    o << "# HELP signflow_commit_batch_size Changes per store transaction.\n# TYPE signflow_commit_batch_size histogram\n";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.size(); ++i) {
        cumulative += h[i];
        o << "signflow_commit_batch_size_bucket{le=\"" << bounds[i] << "\"} " << cumulative << "\n";
    }
    o << "signflow_commit_batch_size_sum " << m.committer.committed_changes() << "\n";
    o << "signflow_commit_batch_size_count " << cumulative << "\n";
    return o.str();
}

}  // namespace signflow::engine
