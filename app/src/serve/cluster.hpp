#pragma once
// Several daemons on one PostgreSQL database (docs/operations.md, "Running
// several daemons"): one leads and runs every envelope (lead.hpp); the
// others stand by AND answer: every request they take is forwarded to the
// leader (the Front below), so a load balancer may send anything anywhere.
// Each daemon announces itself in the database every few seconds (who, where,
// leading or not, which rule versions), which is how a standby finds the
// leader and what GET /v1/cluster shows.
#include "api.hpp"

#include "signflow/engine/rules.hpp"
#include "signflow/engine/runtime.hpp"
#include "signflow/http/forwarder.hpp"
#include "signflow/http/server.hpp"
#include "signflow/storage/daemon_store.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace signflow::app {

// Workflow name -> the version that starts its envelopes, as a JSON object.
std::string rule_versions(engine::Snapshot const& rules);

// The one-time-code key and the sealing certificate must be the same on
// every daemon of a database (a code sent by one is checked by another; a
// document sealed by any verifies with one certificate): the first daemon
// records their fingerprints; another holding different files refuses to
// start, naming the files to copy. No key leaves its file.
void check_shared_keys(storage::DaemonStore& store, std::string const& code_secret,
                       std::string const& certificate_fingerprint, std::filesystem::path const& files);

// GET /v1/cluster (admin): the members, who leads, lease and last-seen
// ages, the rule versions each serves, and a warning per workflow served in
// different versions.
// `refresh` first announces this daemon (its own row is then current).
Routes make_cluster_routes(storage::DaemonStore& store, std::function<void()> refresh);

// The handler the daemon listens with. While this daemon stands by, every
// request goes to the leader (its address from the database), with the
// client's address, signed: an HMAC over the time, the address, the method
// and the target, under a key derived from the shared one-time-code key, so
// that the leader believes the address from a daemon of its own database
// only, and a copy seen on the wire serves for nothing else and not for
// long (60 s). Once this daemon leads, requests go to `local`; the leader
// takes a forwarded request's client address as the request's own.
class Front {
public:
    Front(boost::asio::io_context& io, std::string const& code_secret, http::Handler local,
          engine::LogFn log);
    http::Handler handler();
    void taking_over();                             // forward nowhere (503) until lead()
    void lead();                                    // from now on, answer here
    bool leading() const { return leading_; }
    void leader_at(std::string const& address);     // http://HOST:PORT ("" none known)

private:
    void forward(http::Request&& req, http::Respond respond);
    bool from_our_standby(http::Request& req) const;  // strips our fields; true when the signature holds
    std::string signature(std::int64_t t, std::string const& client, std::string const& method,
                          std::string const& target) const;

    std::string key_;
    http::Handler local_;
    engine::LogFn log_;
    std::atomic<bool> leading_{false};
    http::Forwarder forwarder_;
    std::string leader_;  // guarded by mutex_ (logging its changes only)
    std::mutex mutex_;
};

}  // namespace signflow::app
