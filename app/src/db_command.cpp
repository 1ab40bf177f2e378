// The store every command opens from its `--db` (an SQLite file or a
// PostgreSQL target, signflow/storage/open.hpp), and `signflow db migrate`:
// the schema brought up to this build's version by hand, e.g. before
// starting several daemons on a new PostgreSQL database (each would do it at
// start anyway, one after the other, under an advisory lock).
#include "commands.hpp"
#include "files.hpp"

#include "signflow/storage/open.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

namespace signflow::app {

std::unique_ptr<storage::DaemonStore> open_db(std::string const& db, bool create) {
    if (!create && !storage::is_postgres(db) && !std::filesystem::exists(db))
        throw InputError(db + ": no such database");
    try {
        auto store = storage::open_store(db);
        store->migrate();
        return store;
    } catch (std::exception const& e) {
        throw InputError(e.what());
    }
}

void add_db_commands(CLI::App& app, Runner& run) {
    auto* cmd = app.add_subcommand("db", "The daemon's database: an SQLite file or a PostgreSQL database");
    cmd->require_subcommand(1);
    auto db = std::make_shared<std::string>("signflow.db");
    auto* migrate = cmd->add_subcommand("migrate", "Create or upgrade the schema (the daemon does it at start too)");
    migrate->add_option("--db", *db, "An SQLite file (created if missing) or a PostgreSQL URI (postgresql://…)")
        ->capture_default_str();
    migrate->callback([db, &run] {
        run = [db] {
            auto store = open_db(*db, true);
            std::cerr << storage::describe_target(*db) << ": schema version "
                      << storage::latest_schema_version(*db) << "\n";
            return exit_ok;
        };
    });
}

}  // namespace signflow::app
