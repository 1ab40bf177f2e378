#pragma once
// Bulk sends (POST /v1/bulk/{workflow}, app/src/serve/bulk_api.hpp): one
// file of rows, each starting an envelope. The rows' envelopes are the
// engine's; the batch's own record is the bulk route's, written at once,
// outside the engine's group commit.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace signflow::storage {

// A bulk send: one file of rows, each starting an envelope of `workflow`.
struct BatchRecord {
    std::int64_t id = 0;     // assigned by create_batch
    std::string workflow;
    std::string status;      // receiving | accepted (every row read) | failed (the file could not be read)
    std::int64_t rows = 0;       // rows read so far
    std::int64_t accepted = 0;   // envelopes started (durable)
    std::int64_t rejected = 0;   // rows refused
    std::string rejections;  // JSON array text: [{"line": n, "error": "…"}], the first 1,000
    std::string note;        // e.g. what the quota allowed
    std::int64_t created_ms = 0;
    std::int64_t finished_ms = 0;
};

class BatchStore {
public:
    virtual ~BatchStore() = default;

    virtual std::int64_t create_batch(BatchRecord const& b) = 0;
    virtual void update_batch(BatchRecord const& b) = 0;
    virtual std::optional<BatchRecord> find_batch(std::int64_t id) = 0;
    // The batch's envelopes counted by (status, state).
    virtual std::vector<std::pair<std::string, std::int64_t>> batch_progress(std::int64_t batch) = 0;
};

}  // namespace signflow::storage
