#include "webhook/signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <stdexcept>

namespace signflow::connectors::webhook {

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    // OpenSSL 3 reads a null key pointer as "no key": pass "" for an empty one.
    if (HMAC(EVP_sha256(), key.empty() ? "" : key.data(), static_cast<int>(key.size()),
             reinterpret_cast<unsigned char const*>(message.data()), message.size(), mac.data(), &length) == nullptr)
        throw std::runtime_error("HMAC-SHA256 failed (OpenSSL)");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(hex[mac[i] >> 4]);
        out.push_back(hex[mac[i] & 15]);
    }
    return out;
}

std::string signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
    std::string t = std::to_string(unix_seconds);
    std::string message;
    message.reserve(t.size() + 1 + body.size());
    message.append(t).append(".").append(body);
    return "t=" + t + ",v1=" + hmac_sha256_hex(secret, message);
}

}  // namespace signflow::connectors::webhook
