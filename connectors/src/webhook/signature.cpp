#include "webhook/signature.hpp"

#include <string>

namespace signflow::connectors::webhook {

std::string signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
    std::string t = std::to_string(unix_seconds);
    std::string message;
    message.reserve(t.size() + 1 + body.size());
    message.append(t).append(".").append(body);
    return "t=" + t + ",v1=" + hmac_sha256_hex(secret, message);
}

}  // namespace signflow::connectors::webhook
