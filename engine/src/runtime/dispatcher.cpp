#include "dispatcher.hpp"

#include "signflow/evidence/otp.hpp"

#include <algorithm>

namespace signflow::engine::detail {

namespace {
constexpr std::size_t deliveries_per_round = 256;
}

Dispatcher::Dispatcher(Context& ctx, Answer answer) : ctx_(ctx), answer_(std::move(answer)) {}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::add_connector(std::unique_ptr<Connector> c) {
    std::string name = c->name();
    connectors_[name] = std::move(c);
}

void Dispatcher::set_default(std::unique_ptr<Connector> c) { default_ = std::move(c); }

void Dispatcher::make_lanes() {
    auto make = [&](Connector* c) {
        auto lane = std::make_unique<Lane>();
        lane->connector = c;
        lane->policy = {ctx_.options.max_attempts, ctx_.options.retry_base, ctx_.options.retry_cap};
        if (c)
            if (auto p = c->retry()) lane->policy = *p;
        lanes_.emplace(c, std::move(lane));
    };
    make(nullptr);
    if (default_) make(default_.get());
    for (auto& [name, c] : connectors_) make(c.get());
}

void Dispatcher::start() {
    std::call_once(lanes_once_, [this] { make_lanes(); });
    for (auto& [c, lane] : lanes_) {
        Lane& l = *lane;
        l.thread = std::thread([this, &l] { run(l); });
    }
}

void Dispatcher::stop() {
    for (auto& [c, lane] : lanes_) {
        std::lock_guard lock(lane->mutex);
        lane->stopping = true;
        lane->wake.notify_one();
    }
    for (auto& [c, lane] : lanes_)
        if (lane->thread.joinable()) lane->thread.join();
}

void Dispatcher::enqueue(OutboxRecord const& r) {
    if (r.status != "pending") return;
    std::call_once(lanes_once_, [this] { make_lanes(); });
    Lane& lane = lane_for(r);
    {
        std::lock_guard lock(lane.mutex);
        lane.queue.emplace(r.next_attempt_ms, r);
    }
    lane.wake.notify_one();
}

std::size_t Dispatcher::backlog() const {
    std::size_t n = 0;
    for (auto const& [c, lane] : lanes_) {
        std::lock_guard lock(lane->mutex);
        n += lane->queue.size();
    }
    return n;
}

std::vector<std::pair<std::string, std::size_t>> Dispatcher::backlogs() const {
    std::vector<std::pair<std::string, std::size_t>> out;
    for (auto const& [c, lane] : lanes_) {
        if (!c) continue;
        std::lock_guard lock(lane->mutex);
        out.emplace_back(c->name(), lane->queue.size());
    }
    std::sort(out.begin(), out.end());
    return out;
}

Dispatcher::Lane& Dispatcher::lane_for(OutboxRecord const& r) {
    // The row names who delivers it (ir::route_of, when it was written).
    // Without a `documents` connector a fill is answered at once and the
    // envelope has no document; any other name not configured goes to the
    // default connector.
    auto it = connectors_.find(r.connector);
    if (it != connectors_.end()) return *lanes_.at(it->second.get());
    return *lanes_.at(r.connector == "documents" ? nullptr : default_.get());
}

void Dispatcher::issue_code(OutboxRecord const& r, Delivery& d, nlohmann::json& detail) {
    std::call_once(secret_once_, [&] {
        code_secret_ = ctx_.options.code_secret.empty() ? ctx_.store.secret("one-time-codes") : ctx_.options.code_secret;
    });
    std::string role = d.data.contains("to") && d.data["to"].is_object() ? d.data["to"].value("role", "") : "";
    evidence::CodePolicy policy;
    if (auto n = d.data.value("attempts", 0); n > 0) policy.max_attempts = static_cast<int>(n);
    // A new counter for every issue (a retry issues a new code, and only the
    // last code sent works): the key's hash, then the attempt number.
    std::uint64_t counter = std::hash<std::string>{}(r.key) * 64 + static_cast<std::uint64_t>(r.attempts);
    auto issued = evidence::issue_code(code_secret_, std::to_string(r.instance) + "/" + role, counter,
                                       to_millis(now_instant()), policy);
    d.data["code"] = issued.code;
    d.data["expires_at"] = utc_text(from_millis(issued.record.expires_ms));
    detail = {{"role", role}, {"method", d.data.value("method", "sms")}, {"record", evidence::to_json(issued.record)}};
}

std::int64_t Dispatcher::backoff(Lane& lane, std::int64_t attempts) {
    auto base = lane.policy.base.count();
    auto cap = lane.policy.cap.count();
    // min(cap, base·2^attempts), without overflowing the shift.
    std::int64_t ceiling = cap;
    if (base > 0 && attempts >= 0 && attempts < 62 && base <= (cap >> attempts)) ceiling = base << attempts;
    std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(ceiling, 1));
    return pick(lane.random);
}

void Dispatcher::run(Lane& lane) {
    std::vector<OutboxRecord> round;
    auto& queue = lane.queue;
    for (;;) {
        {
            std::unique_lock lock(lane.mutex);
            for (;;) {
                if (lane.stopping) return;
                if (!queue.empty()) {
                    auto now = to_millis(now_instant());
                    auto first = queue.begin()->first;
                    if (first <= now) break;
                    lane.wake.wait_for(lock, std::chrono::milliseconds(first - now));
                } else {
                    lane.wake.wait(lock);
                }
            }
            auto now = to_millis(now_instant());
            round.clear();
            while (!queue.empty() && queue.begin()->first <= now && round.size() < deliveries_per_round) {
                round.push_back(std::move(queue.begin()->second));
                queue.erase(queue.begin());
            }
        }

        Entry entry;
        std::vector<DeliveryEnd> outcomes(round.size());
        std::vector<Connector*> used;
        std::vector<std::pair<std::size_t, Connector*>> oks;  // (index in round, connector)
        std::vector<OutboxRecord> retry;
        for (std::size_t i = 0; i < round.size(); ++i) {
            auto& r = round[i];
            OutboxUpdate u;
            u.key = r.key;
            u.attempts = ++r.attempts;
            DeliveryResult result;
            DeliveryEnd& out = outcomes[i];
            out.kind = r.kind;
            out.target = r.target;
            out.payload = nlohmann::json::parse(r.payload, nullptr, false);
            if (!out.payload.is_object()) out.payload = nlohmann::json::object();
            out.operation = out.payload.value("operation", std::string());
            Connector* c = lane.connector;
            if (!c) {
                // No documents connector: the fill is answered at once, and
                // the state machine moves on without a document.
                result.ok = true;
            } else {
                Delivery d;
                d.key = r.key;
                d.instance = r.instance;
                d.kind = r.kind;
                d.target = r.target;
                d.attempt = r.attempts;
                d.data = out.payload;
                d.operation = out.operation;
                d.workflow = out.payload.value("workflow", std::string());
                out.connector = c->name();
                nlohmann::json code;
                try {
                    if (r.kind == "send_code") issue_code(r, d, code);
                    result = c->deliver(d);
                } catch (std::exception const& e) {
                    result = {false, false, std::string("the connector threw: ") + e.what(), {}};
                }
                out.detail = r.kind == "send_code" ? std::move(code) : std::move(result.detail);
                if (result.ok) oks.emplace_back(i, c);
                if (result.ok && std::find(used.begin(), used.end(), c) == used.end()) used.push_back(c);
            }
            if (result.ok) {
                u.status = "delivered";
                ++ctx_.metrics.delivered;
            } else if (result.permanent || r.attempts >= lane.policy.max_attempts) {
                u.status = "dead";
                u.last_error = result.error;
                ++ctx_.metrics.dead;
                ctx_.log(LogLevel::warn, "outbox " + r.key + " (" + r.kind + " " + r.target +
                                             ") is a dead letter after " + std::to_string(r.attempts) +
                                             " attempts: " + result.error);
            } else {
                u.status = "pending";
                u.last_error = result.error;
                u.next_attempt_ms = to_millis(now_instant()) + backoff(lane, r.attempts);
                ++ctx_.metrics.delivery_failures;
                r.next_attempt_ms = u.next_attempt_ms;
                r.last_error = result.error;
                retry.push_back(r);
            }
            entry.change.outbox_updated.push_back(std::move(u));
        }
        // The deliveries must be durable before they are recorded as done.
        for (Connector* c : used) {
            std::string error;
            if (c->flush(error)) continue;
            ctx_.log(LogLevel::error, "connector " + c->name() + " could not flush: " + error);
            for (auto [i, owner] : oks) {
                if (owner != c) continue;
                OutboxUpdate& u = entry.change.outbox_updated[i];
                u.status = "pending";
                u.last_error = error;
                u.next_attempt_ms = to_millis(now_instant()) + backoff(lane, u.attempts);
                round[i].next_attempt_ms = u.next_attempt_ms;
                retry.push_back(round[i]);
            }
        }
        // Ended deliveries go to their envelope's shard (see DeliveryEnd); retries
        // are recorded here.
        {
            std::vector<OutboxUpdate> pending;
            auto& updates = entry.change.outbox_updated;
            for (std::size_t i = 0; i < updates.size(); ++i) {
                if (updates[i].status == "pending") {
                    pending.push_back(std::move(updates[i]));
                    continue;
                }
                outcomes[i].update = std::move(updates[i]);
                answer_(round[i].instance, std::move(outcomes[i]));
            }
            updates = std::move(pending);
        }
        if (!entry.change.outbox_updated.empty()) ctx_.committer.submit(std::move(entry));
        if (!retry.empty()) {
            std::lock_guard lock(lane.mutex);
            for (auto& r : retry) queue.emplace(r.next_attempt_ms, std::move(r));
        }
    }
}

}  // namespace signflow::engine::detail
