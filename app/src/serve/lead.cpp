#include "lead.hpp"

#include "signflow/base/digest.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace signflow::app {

namespace {
std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "host";
    return name;
}
// HOST:PID:… of a process of this machine that no longer runs.
bool dead_here(std::string const& holder) {
    std::string const prefix = host_name() + ":";
    if (!holder.starts_with(prefix)) return false;
    auto end = holder.find(':', prefix.size());
    if (end == std::string::npos) return false;
    pid_t pid = 0;
    for (char c : holder.substr(prefix.size(), end - prefix.size())) {
        if (c < '0' || c > '9') return false;
        pid = pid * 10 + (c - '0');
    }
    return pid > 0 && pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

Lead::Lead(storage::DaemonStore& store, std::chrono::milliseconds ttl, engine::LogFn log)
    : store_(store),
      ttl_(ttl),
      log_(std::move(log)),
      holder_(host_name() + ":" + std::to_string(::getpid()) + ":" + base::random_hex(4)) {}

Lead::~Lead() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (keeper_.joinable()) keeper_.join();
    if (beater_.joinable()) beater_.join();
}

void Lead::set_beat(std::function<void(bool)> beat) {
    // Its own thread: a slow announcement (a new connection to a database
    // that is slow to answer) never delays a renewal or a takeover.
    beater_ = std::thread([this, beat = std::move(beat)] {
        std::unique_lock lock(mutex_);
        do {
            bool const leading = leading_;
            lock.unlock();
            beat(leading);
            lock.lock();
        } while (!wake_.wait_for(lock, leading_ ? ttl_ / 3 : std::min<std::chrono::milliseconds>(std::chrono::seconds(1), ttl_ / 4),
                                 [&] { return stopping_; }));
    });
}

void Lead::cancel() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
}

bool Lead::attempt() {
    std::string held_by;
    try {
        epoch_ = store_.take_lead(holder_, ttl_.count(), held_by, {});
        // A leader of this machine whose process is gone (a kill -9, a
        // crash: this daemon restarted) cannot commit any more: its
        // lease need not run out first.
        if (epoch_ == 0 && dead_here(held_by)) {
            log_(engine::LogLevel::info, "the daemon that led the database, " + held_by +
                                             ", is no longer running on this machine: taking over");
            epoch_ = store_.take_lead(holder_, ttl_.count(), held_by, held_by);
        }
    } catch (std::exception const& e) {
        held_by = std::string("(the database cannot be reached: ") + e.what() + ")";
        epoch_ = 0;
    }
    if (epoch_ == 0) {
        held_by_ = held_by;
        return false;
    }
    store_.fence(holder_, epoch_);
    {
        std::lock_guard lock(mutex_);
        leading_ = true;
    }
    log_(engine::LogLevel::info, "leading the database as " + holder_ + " (epoch " + std::to_string(epoch_) + ")");
    return true;
}

bool Lead::take() {
    auto const poll = std::min<std::chrono::milliseconds>(std::chrono::seconds(1), ttl_ / 4);
    bool said = false;
    while (!attempt()) {
        if (!said)
            log_(engine::LogLevel::info, "standing by as " + holder_ + ": the database is led by " + held_by_ +
                                             "; forwarding requests to it, taking over when its lease runs out");
        said = true;
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, poll, [&] { return stopping_; })) return false;
    }
    return true;
}

void Lead::keep(std::function<void(std::string const&)> lost) {
    keeper_ = std::thread([this, lost = std::move(lost)] {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, ttl_ / 3, [&] { return stopping_; })) {
            lock.unlock();
            std::string why;
            try {
                if (!store_.renew_lead(holder_, epoch_, ttl_.count()))
                    why = "another daemon took the lead (this one's lease had run out)";
            } catch (std::exception const&) {
                // The database away: tried again in a third of the lease.
                // Meanwhile a standby that reaches it may take over; this
                // daemon's commits are fenced, and its next renewal says so.
            }
            if (!why.empty()) return lost(why);
            lock.lock();
        }
    });
}

void Lead::release() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (keeper_.joinable()) keeper_.join();
    if (beater_.joinable()) beater_.join();
    if (epoch_ == 0) return;  // (never led)
    try {
        store_.release_lead(holder_, epoch_);
    } catch (std::exception const&) {
        // (the lease then runs out by itself)
    }
}

}  // namespace signflow::app
