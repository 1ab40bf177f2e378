# The isolate part of signflow_documents: untrusted files parsed in a
# `signflow-parse` child with resource limits (isolated.hpp). parse_job.cpp
# is the child's side (and the fuzzers'), child_process.cpp the parent's.
target_sources(signflow_documents PRIVATE
  src/isolate/parse_job.cpp
  src/isolate/child_process.cpp)
