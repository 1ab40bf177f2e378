#pragma once
// Delivers the outbox: every effect a committed transition requested, at
// least once, each with its stable idempotency key. A delivery that fails is
// tried again after a random wait in [0, min(cap, base·2^attempt)]
// (exponential backoff with full jitter, so that receivers coming back up are
// not hit by every sender at once) and becomes a dead letter after the last
// attempt. Outcomes are recorded through the committer, after the connector
// has made its deliveries durable (Connector::flush).
//
// One lane per connector: a queue in due order and a thread. A connector that
// hangs or fails holds up its own deliveries only; the others go on (the
// documents connector's seals do not wait behind a slow CRM, and one stuck
// webhook receiver does not slow another's).
#include "context.hpp"
#include "signflow/engine/connector.hpp"

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

namespace signflow::engine::detail {

// How a delivery ended (delivered, or a dead letter), handed to the
// envelope's shard: the row's update is committed there together with the
// audit entry that records it and, for a fill, the `done` event it answers.
// Committed apart, a crash between the two commits would leave the row
// delivered and the envelope waiting forever for an event that never comes
// again, or the trail missing a call that happened.
struct DeliveryEnd {
    OutboxUpdate update;
    std::string kind, target, operation, connector;
    nlohmann::json payload;  // the row's payload (parsed)
    nlohmann::json detail;   // DeliveryResult::detail; for send_code: {method, record}
};

class Dispatcher {
public:
    using Answer = std::function<void(std::int64_t instance, DeliveryEnd outcome)>;

    Dispatcher(Context& ctx, Answer answer);
    ~Dispatcher();

    void add_connector(std::unique_ptr<Connector> c);
    void set_default(std::unique_ptr<Connector> c);

    void start();
    void stop();  // finishes the deliveries in progress, then stops
    void enqueue(OutboxRecord const& r);
    std::size_t backlog() const;
    // Pending deliveries per connector name.
    std::vector<std::pair<std::string, std::size_t>> backlogs() const;

private:
    struct Lane {
        Connector* connector = nullptr;  // null: fills answered at once (no documents connector)
        RetryPolicy policy;
        std::mutex mutex;
        std::condition_variable wake;
        std::multimap<std::int64_t, OutboxRecord> queue;  // by next attempt
        bool stopping = false;
        std::thread thread;
        std::mt19937_64 random{std::random_device{}()};
    };

    void make_lanes();  // once, at the first enqueue or start (connectors are all added by then)
    void run(Lane& lane);
    Lane& lane_for(OutboxRecord const& r);
    // send_code: makes the code (its record goes to the shard, the code
    // itself only to the connector).
    void issue_code(OutboxRecord const& r, Delivery& d, nlohmann::json& detail);
    std::int64_t backoff(Lane& lane, std::int64_t attempts);

    Context& ctx_;
    Answer answer_;
    std::unordered_map<std::string, std::unique_ptr<Connector>> connectors_;
    std::unique_ptr<Connector> default_;
    // Made by start(), one per connector plus the default's and the
    // null lane; not changed afterwards (read without a lock).
    std::unordered_map<Connector const*, std::unique_ptr<Lane>> lanes_;
    std::once_flag lanes_once_;
    std::once_flag secret_once_;
    std::string code_secret_;  // read from the store on first use
};

}  // namespace signflow::engine::detail
