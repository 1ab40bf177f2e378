#pragma once
// The store a `--db` target names. Every command that takes `--db` opens it
// here, so each accepts both backends:
//   - a PostgreSQL connection URI (postgresql://USER@HOST:PORT/DBNAME?…, or
//     postgres://…) or libpq key=value string ("host=… dbname=…"): the
//     PostgreSQL store;
//   - anything else: an SQLite file (created if missing), the default.
#include "signflow/storage/daemon_store.hpp"

#include <memory>
#include <string>

namespace signflow::storage {

bool is_postgres(std::string const& target);

// Opens (connects to, for PostgreSQL) the store; does not migrate. Throws
// std::runtime_error naming the target (never a password) and the reason.
std::unique_ptr<DaemonStore> open_store(std::string const& target);

// The target as a log may show it: a file's path as given; a PostgreSQL
// target without its password.
std::string describe_target(std::string const& target);

// The database's name: a PostgreSQL target's dbname (libpq's default, the
// user's name, when the target names none), an SQLite file's stem.
std::string database_name(std::string const& target);

// The schema version this build's store for `target` migrates to.
int latest_schema_version(std::string const& target);

}  // namespace signflow::storage
