#pragma once
// Hashing helpers shared by the audit chain, the one-time codes and the
// documents library (a document's hash is the one the trail records):
// SHA-256 of bytes as 64 lowercase hex digits, and a comparison in time that
// depends on the length only. Written once, in signflow/base/digest.hpp.
#include "signflow/base/digest.hpp"

namespace signflow::evidence {

using base::equal_constant_time;
using base::sha256_hex;

}  // namespace signflow::evidence
