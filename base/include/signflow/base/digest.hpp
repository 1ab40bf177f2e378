#pragma once
// Digests, MACs and secrets as the tree stores and compares them: lowercase
// hex text (OpenSSL underneath).
#include <cstddef>
#include <string>
#include <string_view>

namespace signflow::base {

// SHA-256 of bytes as 64 lowercase hex digits.
std::string sha256_hex(std::string_view bytes);

// HMAC-SHA256 of `message` under `key` as 64 lowercase hex digits (an empty
// key is a valid key).
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// `bytes` random bytes from OpenSSL's generator, as 2 × bytes hex digits:
// tokens, keys, boundaries. Throws when the generator fails.
std::string random_hex(std::size_t bytes);

// Compares two strings in time that depends on their length only, never on
// where they first differ (CRYPTO_memcmp).
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace signflow::base
