#pragma once
// Group commit. Shards submit Changes in the order they made them; one
// thread writes everything that is waiting in one transaction (one fsync for
// the whole batch), then runs what must follow the commit: answering the
// senders, handing outbox rows to the dispatcher.
//
// An event that touches several shards (one that starts envelopes and moves
// others) is a Ticket with one part per shard: a batch never ends between two
// parts of a ticket, so the event, its idempotency record and all it changed
// land in the same transaction. Parts join the queue when their shard makes
// them, which keeps every envelope's changes in the order they happened.
#include "signflow/engine/runtime.hpp"
#include "signflow/engine/store.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace signflow::engine::detail {

struct Ticket {
    explicit Ticket(int parts) : parts(parts) {}
    int const parts;        // parts to expect
    int seen = 0;           // parts in the queue so far (committer's lock)
    std::string idempotency_key;
    std::string idempotency_request;  // IdempotencyKey::request, kept with the answer
    // False for a refusal that changed nothing and is not remembered under
    // the key (a signature whose fields do not pass: the corrected values
    // come with the same key, and a refused try leaves no row behind).
    bool keep_answer = true;
    // Builds the answer once every part is in; runs on the committer thread.
    std::function<Reply()> answer;
    ReplyFn reply;
    Reply result;
};

struct Entry {
    Change change;
    std::shared_ptr<Ticket> ticket;  // may be null (timers, outbox updates)
    std::function<void()> after;     // runs after the commit (may be empty)
};

class Committer {
public:
    using Committed = std::function<void(std::vector<Entry>&)>;
    using Failed = std::function<void(std::string const&, std::vector<Entry>&)>;

    Committer(Store& store, std::size_t max_batch, Committed committed, Failed failed);
    ~Committer();

    // Told when the store cannot be reached (true, with the store's words)
    // and when it can again (false). Meanwhile the batch in hand is
    // committed again and again, backing off up to a second; what follows
    // waits in the queue. Set before start().
    using Unavailable = std::function<void(bool, std::string const&)>;
    void on_unavailable(Unavailable f) { unavailable_ = std::move(f); }

    void start();
    void submit(Entry e);
    // Commits what is queued, then stops the thread.
    void stop();

    // For the metrics.
    std::uint64_t commits() const { return commits_; }
    std::uint64_t committed_changes() const { return changes_; }
    std::uint64_t largest_batch() const { return largest_; }
    std::size_t queued() const;
    // Counts of batches by size bucket: 1, ≤4, ≤16, ≤64, ≤256, ≤1024, more.
    std::vector<std::uint64_t> batch_histogram() const;

private:
    void run();
    std::size_t cut() const;  // how many queued entries can commit now

    Store& store_;
    std::size_t max_batch_;
    Committed committed_;
    Failed failed_;
    Unavailable unavailable_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Entry> queue_;
    bool stopping_ = false;
    std::thread thread_;
    std::uint64_t commits_ = 0, changes_ = 0, largest_ = 0;
    std::vector<std::uint64_t> histogram_ = std::vector<std::uint64_t>(7, 0);
};

}  // namespace signflow::engine::detail
