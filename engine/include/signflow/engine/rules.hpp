#pragma once
// The rules a daemon serves: every `*.flow` file of its rules folder,
// compiled, plus every version any envelope is pinned to.
//
// reload() compiles the folder and swaps the result in atomically: readers
// take a snapshot (a shared_ptr to an immutable Snapshot) and keep it for as
// long as they need it. A file that fails to compile leaves the version it
// had before serving (its diagnostics are kept for GET /v1/rules and the log);
// a deleted file's workflow stops starting envelopes, and the envelopes
// already running finish on the version they started with, which stays known
// by its hash.
#include "signflow/dsl/catalog.hpp"
#include "signflow/engine/definition.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace signflow::engine {

struct RuleFile {
    std::string path;          // relative to the rules folder
    std::string workflow;      // the workflow it declares (empty when it never compiled)
    std::string version;       // the version serving for it (may be older than the file when it failed)
    bool loaded = false;       // the file as it is now compiled
    std::string diagnostics;   // rendered errors and warnings, as `signflow check` prints them
    std::int64_t loaded_ms = 0;
};

struct Snapshot {
    std::uint64_t generation = 0;
    std::vector<RuleFile> files;                                 // sorted by path
    std::unordered_map<std::string, DefinitionPtr> current;      // workflow name -> version that starts envelopes
    std::unordered_map<std::string, std::vector<DefinitionPtr>> starters;  // event -> current versions it starts
};

struct ReloadReport {
    int files = 0, loaded = 0, failed = 0, unchanged = 0;
    std::vector<std::string> new_versions;  // "workflow@hash12"
    std::vector<RuleFile> failures;
};

class Rules {
public:
    // `accept` may refuse a compiled workflow (e.g. one naming a connector
    // the daemon's configuration lacks) by returning a message; empty = ok.
    using Acceptor = std::function<std::string(ir::Workflow const&)>;

    Rules(std::filesystem::path folder, dsl::Catalog const& catalog, Acceptor accept = {});

    // Compiles the folder and swaps atomically. Never throws for a bad file;
    // throws std::runtime_error when the folder itself cannot be read.
    ReloadReport reload(std::int64_t now_ms);

    std::shared_ptr<Snapshot const> snapshot() const;

    // Every version ever loaded or restored, by hash (pinned envelopes).
    DefinitionPtr version(std::string const& hash) const;
    // Adds a version read back from the store on start-up.
    DefinitionPtr restore(std::string const& hash, std::string const& ir_json);
    // Called with each version compiled for the first time (the runtime stores it).
    std::function<void(Definition const&)> on_new_version;

    std::filesystem::path const& folder() const { return folder_; }
    void set_acceptor(Acceptor a) { accept_ = std::move(a); }

    // Whether some version (current or pinned) has envelopes wait for `event`.
    bool awaited(std::string const& event) const;
    // Every event a loaded workflow starts with or waits for, sorted.
    std::vector<std::string> known_events() const;

private:
    std::filesystem::path folder_;
    dsl::Catalog const& catalog_;
    Acceptor accept_;
    mutable std::mutex mutex_;
    std::shared_ptr<Snapshot const> snapshot_;
    std::unordered_map<std::string, DefinitionPtr> versions_;
    std::mutex reload_mutex_;  // one reload at a time
};

}  // namespace signflow::engine
