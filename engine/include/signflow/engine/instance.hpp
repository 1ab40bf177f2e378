#pragma once
// One envelope's running state, as the machine sees it. Small on purpose: a
// daemon keeps every waiting envelope in memory (≤ 2 KB each), so the
// envelope's data stays JSON text, parsed only when an expression needs it.
#include "signflow/engine/definition.hpp"

#include <cstdint>
#include <string>

namespace signflow::engine {

enum class Status : std::uint8_t { running, finished, cancelled };

std::string_view status_name(Status s);

struct Instance {
    std::int64_t id = 0;
    DefinitionPtr definition;
    StateId state = 0;
    Status status = Status::running;
    std::int16_t trigger = -1;        // which trigger started it
    EventId entered_by = 0;           // the event by which the current state was entered
    std::uint64_t signed_mask = 0;    // signers of the current routing group who have signed (by role number)
    std::uint32_t seq = 0;            // events applied so far: numbers outbox keys
    // The audit trail's last entry (its number and hash), so that the next
    // entry can be chained without reading the store.
    std::uint32_t audit_seq = 0;
    std::string audit_head;
    // Versions of the envelope's document so far (0: no document: the
    // workflow fills none, or the fill has not been answered yet).
    std::uint16_t documents = 0;
    // Whether the envelope has gone out to a first signer (envelope.sent was
    // announced to webhook subscribers).
    bool sent = false;
    std::int64_t batch = 0;  // the bulk send that started it (0: none)
    std::int64_t created_ms = 0;
    std::int64_t updated_ms = 0;
    // A JSON object; the engine's keys in it are in data_keys.hpp.
    std::string data;
};

}  // namespace signflow::engine
