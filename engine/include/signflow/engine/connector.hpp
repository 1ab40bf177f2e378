#pragma once
// How the outbox hands a side effect to the world. A connector receives one
// delivery at a time on a dispatcher thread and says how it went; it is
// called at least once per delivery (again after a crash, a timeout or an
// error), always with the same idempotency key, so a receiver can
// deduplicate.
//
// This is the C++ side of the connector interface; shared-object plugins
// reach it through a small C ABI (connectors/include/signflow/connectors/plugin.h).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace signflow::engine {

struct Delivery {
    std::string key;         // idempotency key, stable across retries
    std::int64_t instance = 0;
    std::string workflow;
    // invoke, notify, archive, request_signature, remind, warn_expiry,
    // send_code (data.code holds the one-time code: the only place it is in
    // clear), and for the `documents` connector fill, sign, seal.
    std::string kind;
    std::string target;      // connector, role or template
    std::string operation;   // invoke: the operation, if named
    nlohmann::json data;     // the action's `with`, and for messages the recipient
    std::int64_t attempt = 1;
};

struct DeliveryResult {
    bool ok = false;
    bool permanent = false;  // a failure that retrying cannot fix (goes to the dead letters at once)
    std::string error;
    // What the audit trail records about a delivery that went through (a
    // document's hash and revision, a receipt id). An object or null.
    nlohmann::json detail;
};

// How a connector's failed deliveries are retried: attempt n waits a random
// time in [0, min(cap, base·2^n)] (exponential backoff with full jitter), and
// the delivery becomes a dead letter after `max_attempts`.
struct RetryPolicy {
    int max_attempts = 12;
    std::chrono::milliseconds base{1000};
    std::chrono::milliseconds cap{std::chrono::hours(6)};
};

// Every connector has its own dispatcher lane (a queue and a thread): one
// that blocks or fails holds up only its own deliveries.
class Connector {
public:
    virtual ~Connector() = default;
    virtual std::string const& name() const = 0;
    // Called on a dispatcher thread; may block (the dispatcher bounds it).
    virtual DeliveryResult deliver(Delivery const& d) = 0;
    // Makes the deliveries reported ok so far durable, when the connector
    // buffers them (the dispatcher calls it before it records a batch as
    // delivered). False, with `error` set, when it could not.
    virtual bool flush(std::string& /*error*/) { return true; }
    // Its own retry policy; none: the runtime's (RuntimeOptions).
    virtual std::optional<RetryPolicy> retry() const { return std::nullopt; }
};

// Records every delivery as one JSON line in a file (fsynced by flush()). The default for every connector name the configuration
// does not define, and what the crash tests read to check at-least-once.
std::unique_ptr<Connector> make_log_connector(std::string name, std::string path);

}  // namespace signflow::engine
