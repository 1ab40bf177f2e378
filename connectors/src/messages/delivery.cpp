// Small helpers the email, sms and messages connectors share.
#include "messages/encoding.hpp"

#include <cctype>

namespace signflow::connectors::messages_detail {

std::string notify_text(nlohmann::json const& payload) {
    nlohmann::json const data = payload.is_object() ? payload.value("data", nlohmann::json()) : payload;
    if (data.is_string()) return data.get<std::string>();
    if (data.is_object())
        for (char const* key : {"text", "message", "body"})
            if (data.contains(key) && data[key].is_string()) return data[key].get<std::string>();
    if (data.is_null()) return "";
    return data.dump(2);
}

std::string sanitized(std::string const& key) {
    std::string out;
    for (unsigned char c : key) out += std::isalnum(c) || c == '-' || c == '_' || c == '.' ? static_cast<char>(c) : '_';
    while (!out.empty() && out.front() == '.') out.erase(0, 1);
    if (out.size() > 120) out.resize(120);
    return out.empty() ? "message" : out;
}

}  // namespace signflow::connectors::messages_detail
