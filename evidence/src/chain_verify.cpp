// verify_chain: finds the first place where a chain stops being the one
// link() built, and names what most likely happened there.
//
// Each entry is checked in order: its own hash first (a changed field shows
// there), then its link to the entry before. A broken link is told apart by
// where `prev` points: at an entry further on (entries were reordered), at
// an earlier entry that another entry also follows (one was inserted), at
// nothing in the chain with a gap in seq (some were removed), or at nothing
// with seq continuing (the previous entry was changed and re-hashed). This
// is a diagnosis, not a proof: someone who rewrites every hash from some
// entry on makes a chain that is intact in itself, which only an expected
// head from outside (the certificate of completion) reveals.
#include "signflow/evidence/audit.hpp"

#include <string>
#include <unordered_map>

namespace signflow::evidence {

namespace {

ChainVerdict broken(ChainVerdict verdict, std::int64_t position, std::string problem, std::string explanation) {
    verdict.ok = false;
    verdict.first_bad = position;
    verdict.problem = std::move(problem);
    verdict.explanation = std::move(explanation);
    return verdict;
}

std::string entry_name(std::int64_t position, AuditEntry const& e) {
    return "entry " + std::to_string(position) + " (seq " + std::to_string(e.seq) + ", " + e.kind + ")";
}

std::string short_hash(std::string const& hash) { return hash.substr(0, 12) + "…"; }

}  // namespace

ChainVerdict verify_chain(std::span<AuditEntry const> entries, std::string const& expected_head) {
    ChainVerdict verdict;
    verdict.entries = static_cast<std::int64_t>(entries.size());
    verdict.head = entries.empty() ? genesis_hash() : entries.back().hash;

    // hash -> 1-based position; built on the first broken link only.
    std::unordered_map<std::string, std::int64_t> positions;
    auto position_of = [&](std::string const& hash) -> std::int64_t {
        if (positions.empty())
            for (std::size_t i = 0; i < entries.size(); ++i)
                positions.emplace(entries[i].hash, static_cast<std::int64_t>(i) + 1);
        auto it = positions.find(hash);
        return it == positions.end() ? 0 : it->second;
    };

    std::string const genesis = genesis_hash();
    for (std::size_t i = 0; i < entries.size(); ++i) {
        auto const& e = entries[i];
        auto const position = static_cast<std::int64_t>(i) + 1;
        auto const& before = i == 0 ? genesis : entries[i - 1].hash;
        auto const expected_seq = i == 0 ? 1 : entries[i - 1].seq + 1;
        auto const name = entry_name(position, e);

        if (e.envelope != entries.front().envelope)
            return broken(verdict, position, "wrong envelope",
                          name + " belongs to envelope " + std::to_string(e.envelope) + ", the chain to envelope " +
                              std::to_string(entries.front().envelope));

        std::string recomputed;
        try {
            recomputed = entry_hash(e);
        } catch (nlohmann::json::exception const&) {
            return broken(verdict, position, "altered", name + " holds text that is not UTF-8, which link() never stores");
        }
        if (recomputed != e.hash)
            return broken(verdict, position, "altered",
                          name + " does not match its hash: a field was changed after it was recorded");

        if (e.prev == before) {
            if (e.seq != expected_seq)
                return broken(verdict, position, "misnumbered",
                              name + " is linked correctly but numbered " + std::to_string(e.seq) + " instead of " +
                                  std::to_string(expected_seq) + ": the chain was written wrong");
            continue;
        }

        // A broken link: where does this entry's prev point?
        if (i > 0 && e.hash == entries[i - 1].hash)
            return broken(verdict, position, "inserted",
                          name + " was inserted: it is a copy of entry " + std::to_string(position - 1));
        auto const target = position_of(e.prev);
        if (target > position)
            return broken(verdict, position, "reordered",
                          name + " is out of order: it follows entry " + std::to_string(target) + " (seq " +
                              std::to_string(entries[static_cast<std::size_t>(target) - 1].seq) +
                              "), which comes later in the chain");
        if (target > 0 && target < position - 1)
            return broken(verdict, position - 1, "inserted",
                          entry_name(position - 1, entries[i - 1]) + " was inserted: " + name + " follows entry " +
                              std::to_string(target) + " directly");
        if (i + 1 < entries.size() && entries[i + 1].prev == before)
            return broken(verdict, position, "inserted",
                          name + " was inserted: it does not follow " +
                              (i == 0 ? std::string("the start of the chain") : "entry " + std::to_string(position - 1)) +
                              ", and entry " + std::to_string(position + 1) + " does");
        if (e.seq > expected_seq) {
            auto missing = e.seq - expected_seq;
            return broken(verdict, position, "removed",
                          missing == 1 ? "entry " + std::to_string(expected_seq) + " is missing: " + name +
                                             " follows a hash (" + short_hash(e.prev) + ") no entry has"
                                       : "entries " + std::to_string(expected_seq) + " to " +
                                             std::to_string(e.seq - 1) + " are missing: " + name +
                                             " follows a hash (" + short_hash(e.prev) + ") no entry has");
        }
        if (i == 0)
            return broken(verdict, position, "altered",
                          name + " does not start from the genesis hash (64 zeros): it follows " + short_hash(e.prev));
        return broken(verdict, position - 1, "altered",
                      entry_name(position - 1, entries[i - 1]) + " was changed and its hash recomputed: " + name +
                          " follows a different hash (" + short_hash(e.prev) + ")");
    }

    if (!expected_head.empty()) {
        if (expected_head == genesis && entries.empty()) return verdict;
        auto const at = position_of(expected_head);
        if (at == 0 && entries.empty())
            return broken(verdict, 1, "removed",
                          "the chain is empty but the expected head is " + short_hash(expected_head) +
                              ": its entries were removed");
        if (at == 0)
            return broken(verdict, verdict.entries + 1, "removed",
                          "the expected head " + short_hash(expected_head) + " is no entry's hash: the chain ends at entry " +
                              std::to_string(verdict.entries) +
                              " and the entries after it were removed (or the chain was rewritten)");
        verdict.expected_head_at = at;
    }
    return verdict;
}

}  // namespace signflow::evidence
