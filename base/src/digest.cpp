#include "signflow/base/digest.hpp"

#include "signflow/base/text.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace signflow::base {

namespace {

std::string as_text(unsigned char const* bytes, unsigned int length) {
    return hex(std::string_view(reinterpret_cast<char const*>(bytes), length));
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed (OpenSSL)");
    return as_text(digest, length);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    // OpenSSL 3 reads a null key pointer as "no key": pass "" for an empty one.
    if (HMAC(EVP_sha256(), key.empty() ? "" : key.data(), static_cast<int>(key.size()),
             reinterpret_cast<unsigned char const*>(message.data()), message.size(), mac, &length) == nullptr)
        throw std::runtime_error("HMAC-SHA256 failed (OpenSSL)");
    return as_text(mac, length);
}

std::string random_hex(std::size_t bytes) {
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1)
        throw std::runtime_error("no random bytes (OpenSSL RAND_bytes)");
    return hex(raw);
}

bool equal_constant_time(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace signflow::base
