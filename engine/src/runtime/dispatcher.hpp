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

class Dispatcher {
public:
    // A delivery that the engine answers itself (a fill's `done`). `delivered`
    // marks the outbox row done; it must be committed in the SAME change as
    // the event it answers (see Shard::internal): committed apart, a crash
    // between the two commits leaves the row delivered and the envelope
    // waiting forever for an event that will never come again.
    using Answer = std::function<void(std::int64_t instance, std::string const& event, OutboxUpdate delivered)>;

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
    Connector& connector_for(OutboxRecord const& r);
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
};

}  // namespace signflow::engine::detail
