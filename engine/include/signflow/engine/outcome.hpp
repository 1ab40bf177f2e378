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
#include <vector>

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

// The answer to a request that changes something (an event, a start, a
// signer's act, a cancel). `body` is the answer's document: what the API
// shows, and what an idempotency record keeps and replays (so it stays one
// JSON document the engine writes). What the daemon acts on is typed beside
// it, filled in once by make_reply where the engine makes the answer, so
// that the daemon never decodes the body.
struct Reply {
    Outcome outcome = Outcome::ok;
    nlohmann::json body;
    std::string error;                 // why it was refused; empty when it was not
    bool replayed = false;             // answered from an idempotency record, not done again
    std::optional<int> attempts_left;  // wrong_code: how many tries are left
    // An event's refused starts, in the order of the body's `refused`; none
    // for an entry of a record kept before outcomes (it has its `status`).
    std::vector<std::optional<Outcome>> refused;
};
Reply make_reply(Outcome outcome, nlohmann::json body, bool replayed = false);
using ReplyFn = std::function<void(Reply)>;

// A typed answer: `value` is meaningful when `outcome` is ok.
template <class T>
struct Result {
    Outcome outcome = Outcome::ok;
    T value{};
    std::string error;  // failed: why
};

}  // namespace signflow::engine
