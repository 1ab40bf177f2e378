#pragma once
// Hashing helpers shared by the audit chain, the one-time codes and the
// documents library (a document's hash is the one the trail records).
#include <string>
#include <string_view>

namespace signflow::evidence {

// SHA-256 of bytes as 64 lowercase hex digits.
std::string sha256_hex(std::string_view bytes);

// Compares two strings in time that depends on their length only, never on
// where they first differ (CRYPTO_memcmp).
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace signflow::evidence
