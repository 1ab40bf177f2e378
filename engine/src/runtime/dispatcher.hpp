#pragma once
// Delivers the outbox: every effect a committed transition requested, at
// least once, each with its stable idempotency key. A delivery that fails is
// tried again after a random wait in [0, min(cap, base·2^attempt)]
// (exponential backoff with full jitter, so that receivers coming back up are
// not hit by every sender at once) and becomes a dead letter after the last
// attempt. Outcomes are recorded through the committer, after the connector
// has made its deliveries durable (Connector::flush).
//
// One thread, deliveries in due order. Until connectors get a queue each
// (the integrations work), a connector that blocks holds the others up; the
// log connector never blocks for long.
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
struct Outcome {
    OutboxUpdate update;
    std::string kind, target, operation, connector;
    nlohmann::json payload;  // the row's payload (parsed)
    nlohmann::json detail;   // DeliveryResult::detail; for send_code: {method, record}
};

class Dispatcher {
public:
    using Answer = std::function<void(std::int64_t instance, Outcome outcome)>;

    Dispatcher(Context& ctx, Answer answer);
    ~Dispatcher();

    void add_connector(std::unique_ptr<Connector> c);
    void set_default(std::unique_ptr<Connector> c);

    void start();
    void stop();  // finishes the delivery in progress, then stops
    void enqueue(OutboxRecord const& r);
    std::size_t backlog() const;

private:
    void run();
    Connector* connector_for(OutboxRecord const& r);
    // send_code: makes the code (its record goes to the shard, the code
    // itself only to the connector).
    void issue_code(OutboxRecord const& r, Delivery& d, nlohmann::json& detail);
    std::int64_t backoff(std::int64_t attempts);

    Context& ctx_;
    Answer answer_;
    std::unordered_map<std::string, std::unique_ptr<Connector>> connectors_;
    std::unique_ptr<Connector> default_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::multimap<std::int64_t, OutboxRecord> queue_;  // by next attempt
    bool stopping_ = false;
    std::thread thread_;
    std::mt19937_64 random_{std::random_device{}()};
    std::string code_secret_;  // read from the store on first use
};

}  // namespace signflow::engine::detail
