#pragma once
// Leading the database (signflow/storage/daemon_store.hpp): on PostgreSQL one
// daemon at a time runs the envelopes; another started on the same database
// stands by, without listening, and takes over when the leader's lease runs
// out (a crash, a kill -9, a pause, a cut network): within the lease's
// length, plus a poll and its own start. A leader whose lead another daemon
// took (while it was paused or cut off) stops as soon as it learns it, exit
// 75; its commits are fenced meanwhile. One whose lease ran out while nobody
// took it (the database itself away) goes on leading.
#include "signflow/engine/runtime.hpp"
#include "signflow/storage/daemon_store.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace signflow::app {

class Lead {
public:
    Lead(storage::DaemonStore& store, std::chrono::milliseconds ttl, engine::LogFn log);
    ~Lead();
    Lead(Lead const&) = delete;
    Lead& operator=(Lead const&) = delete;

    // Blocks until this daemon leads (saying once that it stands by, and
    // who leads), then fences the store's commits with the epoch it took;
    // true. False when cancel() came first.
    bool take();
    // One try of take(), at once: true when this daemon now leads (fenced).
    bool attempt();
    // Ends a take() waiting on another thread (a SIGTERM while standing by).
    void cancel();
    // Calls `beat` now and then, on a thread of its own, until release() or
    // cancel(): every poll while standing by (false), every third of the
    // lease while leading (true). Where the daemon says who it is
    // (storage::DaemonStore::announce). Call once.
    void set_beat(std::function<void(bool leading)> beat);
    // Renews the lease every third of its length, on a thread of its own;
    // calls `lost` when it is no longer this daemon's.
    void keep(std::function<void(std::string const&)> lost);
    // Gives the lead up now (a clean stop), so that a standby takes over at
    // once; stops the renewals and the beats. Call on the thread that took
    // the lead, or once it has (not while take() may still succeed).
    void release();

    std::string const& holder() const { return holder_; }
    std::chrono::milliseconds ttl() const { return ttl_; }

private:
    storage::DaemonStore& store_;
    std::chrono::milliseconds ttl_;
    engine::LogFn log_;
    std::string holder_;
    std::int64_t epoch_ = 0;
    std::string held_by_;  // who led at the last attempt that failed
    bool leading_ = false;  // guarded by mutex_
    std::thread beater_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread keeper_;
};

}  // namespace signflow::app
