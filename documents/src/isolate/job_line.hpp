#pragma once
// The job line the parent writes before a file's bytes, and its reading in
// the child: the job's kind, the file's name and every limit, as JSON.
#include "signflow/documents/isolated.hpp"

#include <string>
#include <string_view>

namespace signflow::documents {

std::string job_line(ParseJob const& job);       // ends with '\n'
char const* kind_name(ParseJob::Kind kind);      // "upload", "signature_image", "verify"
ParseJob parse_job_line(std::string_view line);  // DocumentError when it is not one

}  // namespace signflow::documents
