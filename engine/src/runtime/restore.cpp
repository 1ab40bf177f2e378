#include "restore.hpp"

#include "signflow/engine/progress.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>

namespace signflow::engine::detail {
namespace {

using Batch = std::variant<std::vector<InstanceRecord>, std::vector<TimerRecord>>;
constexpr std::size_t batch_rows = 1024;  // rows handed over at once
constexpr std::size_t queued_batches = 8;  // per shard: the reader waits beyond this

// One shard's builder: takes batches of rows in the order they were read
// (every envelope before any timer) and adopts them into its shard.
class Filler {
public:
    Filler(Shard& shard, Rules const& rules) : shard_(shard), rules_(rules), thread_([this] { run(); }) {}
    ~Filler() { finish(); }

    void push(Batch b) {
        std::unique_lock lock(mutex_);
        room_.wait(lock, [&] { return queue_.size() < queued_batches; });
        queue_.push_back(std::move(b));
        ready_.notify_one();
    }
    void finish() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        ready_.notify_one();
        if (thread_.joinable()) thread_.join();
    }

    RestoreCount count;
    std::vector<std::string> errors;  // logged by the caller, in order, after the join
    std::exception_ptr failure;       // what stopped this shard's restore, rethrown by the caller

private:
    void run() {
        for (;;) {
            Batch b;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [&] { return closed_ || !queue_.empty(); });
                if (queue_.empty()) return;
                b = std::move(queue_.front());
                queue_.pop_front();
            }
            room_.notify_one();
            if (failure) continue;  // drained, so that the reader is never stuck
            try {
                if (auto* rows = std::get_if<std::vector<InstanceRecord>>(&b))
                    for (auto& r : *rows) adopt(std::move(r));
                else
                    for (auto const& t : std::get<std::vector<TimerRecord>>(b)) shard_.adopt_timer(t);
            } catch (...) {
                failure = std::current_exception();
            }
        }
    }

    void adopt(InstanceRecord&& r) {
        DefinitionPtr def = definition(r.version);
        if (!def) {
            ++count.lost;
            errors.push_back("envelope " + std::to_string(r.id) + ": its version " + r.version +
                             " is not in the store; it stays where it is");
            return;
        }
        auto state = def->find_state(r.state);
        if (!state) {
            ++count.lost;
            return;
        }
        Instance inst;
        inst.id = r.id;
        inst.definition = std::move(def);
        inst.state = *state;
        inst.status = Status::running;
        Progress p = Progress::parse(r.progress);
        inst.trigger = p.trigger;
        inst.entered_by = inst.definition->find_event(p.entered_by).value_or(0);
        inst.signed_mask = p.signed_mask;
        inst.seq = p.seq;
        inst.documents = p.documents;
        inst.sent = p.sent;
        inst.data = std::move(r.data);
        inst.created_ms = r.created_ms;
        inst.updated_ms = r.updated_ms;
        inst.batch = r.batch;
        shard_.adopt(std::move(inst));
        ++count.restored;
    }

    // The versions seen so far (a few per workflow): Rules::version takes a
    // lock the other fillers share.
    DefinitionPtr definition(std::string const& version) {
        auto it = versions_.find(version);
        if (it != versions_.end()) return it->second;
        return versions_.emplace(version, rules_.version(version)).first->second;
    }

    Shard& shard_;
    Rules const& rules_;
    std::unordered_map<std::string, DefinitionPtr> versions_;
    std::mutex mutex_;
    std::condition_variable ready_, room_;
    std::deque<Batch> queue_;
    bool closed_ = false;
    std::thread thread_;  // last: started once the members above exist
};

// Collects rows per shard and hands them over a batch at a time.
template <class Row>
class Dealer {
public:
    explicit Dealer(std::vector<std::unique_ptr<Filler>>& fillers) : fillers_(fillers), pending_(fillers.size()) {}

    void deal(std::int64_t id, Row&& row) {
        std::size_t i = static_cast<std::size_t>(id) % fillers_.size();
        pending_[i].push_back(std::move(row));
        if (pending_[i].size() == batch_rows) hand(i);
    }
    void flush() {
        for (std::size_t i = 0; i < fillers_.size(); ++i)
            if (!pending_[i].empty()) hand(i);
    }

private:
    void hand(std::size_t i) {
        fillers_[i]->push(Batch(std::move(pending_[i])));
        pending_[i] = {};
        pending_[i].reserve(batch_rows);
    }

    std::vector<std::unique_ptr<Filler>>& fillers_;
    std::vector<std::vector<Row>> pending_;
};

}  // namespace

RestoreCount restore_shards(Store& store, Rules const& rules, std::vector<std::unique_ptr<Shard>>& shards,
                            LogFn const& log) {
    std::vector<std::unique_ptr<Filler>> fillers;
    for (auto& s : shards) fillers.push_back(std::make_unique<Filler>(*s, rules));
    RestoreCount total;
    try {
        Dealer<InstanceRecord> envelopes(fillers);
        store.load_running_instances([&](InstanceRecord&& r) { envelopes.deal(r.id, std::move(r)); });
        envelopes.flush();
        Dealer<TimerRecord> timers(fillers);
        store.load_timers([&](TimerRecord&& t) {
            ++total.timers;
            timers.deal(t.instance, std::move(t));
        });
        timers.flush();
    } catch (...) {
        for (auto& f : fillers) f->finish();  // what was handed over is built; then the error goes on
        throw;
    }
    for (auto& f : fillers) {
        f->finish();
        total.restored += f->count.restored;
        total.lost += f->count.lost;
        for (auto const& e : f->errors) log(LogLevel::error, e);
    }
    for (auto& f : fillers)
        if (f->failure) std::rethrow_exception(f->failure);
    return total;
}

}  // namespace signflow::engine::detail
