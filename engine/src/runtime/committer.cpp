#include "committer.hpp"

#include "signflow/base/text.hpp"
#include "signflow/engine/store_errors.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <unordered_map>

namespace signflow::engine::detail {

Committer::Committer(Store& store, std::size_t max_batch, Committed committed, Failed failed)
    : store_(store), max_batch_(max_batch), committed_(std::move(committed)), failed_(std::move(failed)) {}

Committer::~Committer() { stop(); }

void Committer::start() { thread_ = std::thread([this] { run(); }); }

void Committer::submit(Entry e) {
    {
        std::lock_guard lock(mutex_);
        if (e.ticket) ++e.ticket->seen;
        queue_.push_back(std::move(e));
    }
    wake_.notify_one();
}

void Committer::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

std::size_t Committer::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

std::vector<std::uint64_t> Committer::batch_histogram() const {
    std::lock_guard lock(mutex_);
    return histogram_;
}

std::size_t Committer::cut() const {
    // The longest prefix (up to max_batch, but never splitting a ticket)
    // in which every ticket has all its parts.
    std::unordered_map<Ticket const*, int> in_prefix;
    int incomplete = 0;
    std::size_t best = 0;
    std::size_t n = queue_.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (Ticket const* t = queue_[i].ticket.get()) {
            int& c = in_prefix[t];
            if (c == 0) ++incomplete;
            if (++c == t->parts) --incomplete;
        }
        if (incomplete == 0) {
            best = i + 1;
            if (best >= max_batch_) break;
        }
    }
    return best;
}

void Committer::run() {
    std::vector<Entry> batch;
    std::vector<Change> changes;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            std::size_t n = 0;
            wake_.wait(lock, [&] { return (n = cut()) > 0 || (stopping_ && queue_.empty()); });
            if (n == 0) return;
            batch.clear();
            for (std::size_t i = 0; i < n; ++i) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        changes.clear();
        changes.reserve(batch.size() + 1);
        for (auto& e : batch) changes.push_back(std::move(e.change));
        // Each ticket's answer is settled now that all its parts are in; a
        // retry with the same key will get exactly this answer.
        auto const now_ms = base::now_ms();
        for (auto& e : batch) {
            Ticket* t = e.ticket.get();
            if (!t || t->answer == nullptr) continue;
            t->result = t->answer();
            t->answer = nullptr;
            if (!t->idempotency_key.empty() && t->keep_answer) {
                Change c;
                c.idempotency = IdempotencyRecord{
                    t->idempotency_key, std::string(outcome_name(t->result.outcome)),
                    t->result.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), now_ms,
                    t->idempotency_request};
                changes.push_back(std::move(c));
            }
        }
        // The database out of reach (a restart, a cut network): nothing of
        // the batch was committed (the store made sure), so the same batch
        // goes again once it is back. Any other failure is fatal: the daemon
        // restarts from what is committed.
        bool retried = false;
        for (int attempt = 0;; ++attempt) {
            try {
                store_.commit(changes);
                break;
            } catch (StoreUnavailable const& x) {
                if (!retried && unavailable_) unavailable_(true, x.what());
                retried = true;
                std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1000, 50 << std::min(attempt, 5))));
            } catch (std::exception const& x) {
                failed_(x.what(), batch);
                std::lock_guard lock(mutex_);
                stopping_ = true;
                queue_.clear();
                return;
            }
        }
        if (retried && unavailable_) unavailable_(false, {});
        // Give the changes back to their entries for what follows the commit.
        for (std::size_t i = 0; i < batch.size(); ++i) batch[i].change = std::move(changes[i]);
        {
            std::lock_guard lock(mutex_);
            ++commits_;
            changes_ += batch.size();
            largest_ = std::max<std::uint64_t>(largest_, batch.size());
            std::size_t b = batch.size();
            std::size_t bucket = b <= 1 ? 0 : b <= 4 ? 1 : b <= 16 ? 2 : b <= 64 ? 3 : b <= 256 ? 4 : b <= 1024 ? 5 : 6;
            ++histogram_[bucket];
        }
        committed_(batch);
    }
}

}  // namespace signflow::engine::detail
