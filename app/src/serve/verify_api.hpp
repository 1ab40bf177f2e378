#pragma once
// POST /v1/verify (docs/http-api.md): the signatures of a PDF the caller
// sends, checked as `signflow verify` checks them. The PDF is read in a
// signflow-parse child with limits (isolated.hpp), on the file threads
// (file_work.hpp). Scope: admin.
#include "api.hpp"
#include "file_work.hpp"

#include "signflow/documents/isolated.hpp"

namespace signflow::app {

Routes make_verify_routes(documents::IsolatedParser const& files, FileWork& work);

}  // namespace signflow::app
