#pragma once
// The PostgreSQL store's numbered migrations (pg_schema.cpp).
#include "pg.hpp"

namespace signflow::storage::pg_schema {

// The schema version this build migrates to (the SQLite store's number).
int latest_version();

// Creates or upgrades the schema in one transaction, under an advisory lock
// so that daemons starting together apply each migration once. Refuses a
// database whose schema is newer than this build's.
void migrate(pg::Connection& db);

}  // namespace signflow::storage::pg_schema
