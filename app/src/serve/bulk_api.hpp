#pragma once
// Bulk send (docs/http-api.md, "Bulk send"): one file, one envelope per row.
//
//   POST /v1/bulk/{workflow}   CSV (text/csv) or JSON lines (application/x-ndjson)
//   GET  /v1/bulk/{id}         the batch's progress
//
// The server spools the upload to a temporary file (Limits::spool in
// serve_command.cpp). A feeder thread per upload counts its rows, asks the
// runtime how many the workflow's quotas allow, records the batch, answers
// 202 with its id, then starts one envelope per row through
// Runtime::start_envelope with a window of several thousand in flight (the
// group commit makes many concurrent starts cheap). A row's envelope is
// accepted once its start is committed; a row that cannot start is
// rejected with its line number and the reason, and the others go on. The
// batch record is written every few hundred rows, not per row.
#include "api.hpp"

#include "signflow/engine/runtime.hpp"
#include "signflow/storage/batch_store.hpp"

namespace signflow::app {

// The bulk routes. `join_feeders` (optional) receives a function that waits
// for the feeder threads still running: call it after Runtime::stop and
// before the runtime is destroyed (a stopping runtime refuses the remaining
// rows at once, and a feeder gives up on unanswered starts after 15 s).
KeyedRoutes make_bulk_routes(engine::Runtime& runtime, storage::BatchStore& store,
                             std::function<void()>* join_feeders = nullptr);

}  // namespace signflow::app
