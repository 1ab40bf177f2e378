// `signflow api-key create|list|revoke`: the operator's API keys, managed
// offline on the daemon's database, SQLite or PostgreSQL (the daemon may be
// running: both let the two write). A token is printed once, at creation; the database keeps
// only its hash. A revoked key is refused by a running daemon within its
// key cache's lifetime (30 s, docs/security.md).
#include "commands.hpp"
#include "files.hpp"
#include "serve/auth.hpp"

#include "signflow/base/text.hpp"
#include "signflow/engine/time.hpp"
#include "signflow/storage/daemon_store.hpp"
#include "signflow/storage/open.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>

namespace signflow::app {

namespace {

struct ApiKeyOptions {
    std::string db = "signflow.db";
    std::string name;
    std::vector<std::string> scopes;
    std::int64_t id = 0;
    std::string format = "human";
};

// `create` may make the database (keys can be provisioned before the first
// `serve`); `list` and `revoke` need one that exists.
std::unique_ptr<storage::DaemonStore> open_store(std::string const& db, bool create) { return open_db(db, create); }

std::string when(std::int64_t ms) { return ms ? engine::utc_text(engine::from_millis(ms)) : std::string("-"); }

using base::now_ms;

int create_key(ApiKeyOptions const& o) {
    if (o.name.empty()) throw InputError("api-key create: --name must not be empty");
    auto store = open_store(o.db, true);
    IssuedKey key;
    try {
        key = new_api_key(o.name, o.scopes, now_ms());
    } catch (std::invalid_argument const& e) {
        throw InputError(std::string("api-key create: ") + e.what());
    }
    auto id = store->add_api_key(key.record);
    std::cerr << "created API key " << id << " `" << key.record.name << "` (" << key.record.scopes
              << "); the token below is shown this once — the database keeps only its hash\n";
    std::cout << key.token << "\n";
    return exit_ok;
}

int list_keys(ApiKeyOptions const& o) {
    auto store = open_store(o.db, false);
    auto keys = store->api_keys();
    if (o.format == "json") {
        nlohmann::json out = nlohmann::json::array();
        for (auto const& k : keys)
            out.push_back({{"id", k.id},
                           {"name", k.name},
                           {"prefix", k.prefix},
                           {"scopes", k.scopes},
                           {"created", when(k.created_ms)},
                           {"revoked", k.revoked_ms ? nlohmann::json(when(k.revoked_ms)) : nlohmann::json()}});
        std::cout << out.dump(2) << "\n";
        return exit_ok;
    }
    if (keys.empty()) {
        std::cout << "no API keys in " << storage::describe_target(o.db) << " (`signflow api-key create`, or start `signflow serve` once)\n";
        return exit_ok;
    }
    std::size_t name_width = 4;
    for (auto const& k : keys) name_width = std::max(name_width, k.name.size());
    auto row = [&](std::string const& id, std::string const& name, std::string const& prefix,
                   std::string const& scopes, std::string const& created, std::string const& revoked) {
        std::cout << std::left << std::setw(5) << id << " " << std::setw(static_cast<int>(name_width)) << name << "  "
                  << std::setw(12) << prefix << " " << std::setw(11) << scopes << " " << std::setw(21) << created
                  << " " << revoked << "\n";
    };
    row("ID", "NAME", "PREFIX", "SCOPES", "CREATED", "REVOKED");
    for (auto const& k : keys)
        row(std::to_string(k.id), k.name, k.prefix + "…", k.scopes, when(k.created_ms), when(k.revoked_ms));
    return exit_ok;
}

int revoke_key(ApiKeyOptions const& o) {
    auto store = open_store(o.db, false);
    auto keys = store->api_keys();
    auto it = std::find_if(keys.begin(), keys.end(), [&](auto const& k) { return k.id == o.id; });
    if (it == keys.end()) throw InputError("api-key revoke: no API key " + std::to_string(o.id) + " in " + storage::describe_target(o.db));
    if (it->revoked_ms) {
        std::cerr << "API key " << o.id << " `" << it->name << "` was already revoked at " << when(it->revoked_ms)
                  << "\n";
        return exit_ok;
    }
    store->revoke_api_key(o.id, now_ms());
    std::cerr << "revoked API key " << o.id << " `" << it->name << "`; a running daemon refuses it within 30 s\n";
    return exit_ok;
}

}  // namespace

void add_api_key_commands(CLI::App& app, Runner& run) {
    auto* cmd = app.add_subcommand("api-key", "API keys for the daemon's HTTP API (docs/security.md)");
    cmd->require_subcommand(1);

    auto created = std::make_shared<ApiKeyOptions>();
    auto* create = cmd->add_subcommand("create", "Make a key; prints its token once");
    create->add_option("--db", created->db, "The daemon's database (created if missing)")->capture_default_str();
    create->add_option("--name", created->name, "What the key is for, e.g. \"crm-sync\"")->required();
    create->add_option("--scope", created->scopes,
                       "send (start and cancel envelopes), admin (everything but a signer's acts) or "
                       "act-for-signer (act in a signer's name, with a reason); repeatable")
        ->required()
        ->check(CLI::IsMember({"send", "admin", "act-for-signer"}));
    create->callback([created, &run] { run = [created] { return create_key(*created); }; });

    auto listed = std::make_shared<ApiKeyOptions>();
    auto* list = cmd->add_subcommand("list", "Show every key: id, name, prefix, scopes, created, revoked");
    list->add_option("--db", listed->db, "The daemon's database")->capture_default_str();
    list->add_option("--format", listed->format, "human (default) or json")->check(CLI::IsMember({"human", "json"}));
    list->callback([listed, &run] { run = [listed] { return list_keys(*listed); }; });

    auto revoked = std::make_shared<ApiKeyOptions>();
    auto* revoke = cmd->add_subcommand("revoke", "Refuse a key from now on");
    revoke->add_option("id", revoked->id, "The key's id (see `api-key list`)")->required();
    revoke->add_option("--db", revoked->db, "The daemon's database")->capture_default_str();
    revoke->callback([revoked, &run] { run = [revoked] { return revoke_key(*revoked); }; });
}

}  // namespace signflow::app
