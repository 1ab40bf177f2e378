#pragma once
// Where an envelope is in its run beyond its state: the `progress` column of
// its stored record (InstanceRecord::progress). One struct, one writer and
// one reader: the shard writes it with every change; the restore at start
// and the signer's view read it back.
#include <cstdint>
#include <string>
#include <string_view>

namespace signflow::engine {

struct Progress {
    std::int16_t trigger = -1;      // which trigger started the envelope
    std::string entered_by;         // the event by which the current state was entered
    std::uint64_t signed_mask = 0;  // signers of the current routing group who have signed (by role number)
    std::uint32_t seq = 1;          // events applied so far (numbers outbox keys)
    std::uint16_t documents = 0;    // versions of the envelope's document so far
    bool sent = false;              // the envelope has gone out to a first signer

    // {"trigger":…, "entered_by":…, "signed":…, "seq":…, "documents":…, "sent":…}
    std::string to_json() const;
    // Members missing from `text`, or text that is not a JSON object (a
    // record written before progress was stored), keep their defaults.
    static Progress parse(std::string_view text);
};

}  // namespace signflow::engine
