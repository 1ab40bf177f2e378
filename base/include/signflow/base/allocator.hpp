#pragma once
// Which malloc an executable that links signflow::allocator runs on:
// "mimalloc 2.0.9", or "glibc malloc" in a build without it (sanitizers,
// SIGNFLOW_MIMALLOC=OFF). The daemon logs it at start and the benchmarks
// print it: their figures depend on it.
#include <string>

namespace signflow::base {

std::string allocator_name();
bool allocator_is_glibc();

}  // namespace signflow::base
