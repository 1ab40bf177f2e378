#pragma once
// The store's schema as numbered migrations. A database records which it has
// applied in `schema_version`; migrate() applies the missing ones, in order,
// in one transaction, and refuses a database that a newer signflow has
// migrated further than this build knows.
#include "sqlite.hpp"

namespace signflow::storage::schema {

// The highest migration this build knows.
int latest_version();

// Brings the schema to latest_version(). Idempotent; safe against another
// process migrating the same file at the same time (BEGIN IMMEDIATE makes one
// of them wait, and it then finds nothing left to do).
void migrate(sqlite::Connection& db);

}  // namespace signflow::storage::schema
