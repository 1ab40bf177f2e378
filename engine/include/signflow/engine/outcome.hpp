#pragma once
// What the engine answers a request with: an outcome that says what
// happened, in the engine's terms, and a body. The daemon maps outcomes to
// HTTP statuses in one table (app/src/serve/outcomes.cpp); the signing page
// switches on them. The engine itself knows no HTTP.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace signflow::engine {

enum class Outcome : std::uint8_t {
    ok,            // a read: the body is the answer
    created,       // something new was stored (an attachment)
    accepted,      // recorded and committed; what it causes follows through the outbox
    not_found,     // no such envelope, workflow, event, role, attachment request or delivery
    ended,         // the envelope has ended: nothing more happens to it
    conflict,      // not now: the envelope is not where this act applies
    wrong_code,    // a one-time code that does not match (body: attempts_left)
    code_expired,  // a one-time code past its lifetime
    code_used,     // a one-time code that has verified once already
    invalid,       // the data cannot start or move an envelope (a role missing, no trigger holds)
    over_limit,    // a quota is used up, or no more new codes may be sent
    unavailable,   // the daemon is stopping, or could not store the change
    failed,        // something the engine cannot do now (a version not loaded, a reload that threw)
};

// "ok", "not_found", …: what an idempotency record keeps, and what each
// entry of an event's `refused` list says (the daemon turns it into a status).
std::string_view outcome_name(Outcome);
std::optional<Outcome> outcome_from_name(std::string_view);

struct Reply {
    Outcome outcome = Outcome::ok;
    nlohmann::json body;
};
using ReplyFn = std::function<void(Reply)>;

// A typed answer: `value` is meaningful when `outcome` is ok.
template <class T>
struct Result {
    Outcome outcome = Outcome::ok;
    T value{};
    std::string error;  // failed: why
};

}  // namespace signflow::engine
