#include "http/outcome.hpp"

#include <cctype>

namespace signflow::connectors::http {
namespace {

// The start of an error answer, on one line: enough to tell "invalid
// property dealstage" from "token expired" in the dead letters.
std::string excerpt(std::string const& body) {
    constexpr std::size_t limit = 300;
    std::string out;
    bool space = false;
    for (unsigned char c : body) {
        if (out.size() >= limit) {
            out += "…";
            break;
        }
        if (std::isspace(c) || std::iscntrl(c)) {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += static_cast<char>(c);
    }
    return out;
}

}  // namespace

bool worth_retrying(int status) {
    return status == 408 || status == 409 || status == 425 || status == 429 || status >= 500 || status < 200;
}

engine::DeliveryResult outcome(net::Response const& response, std::string const& what) {
    engine::DeliveryResult result;
    if (!response.answered) {
        result.error = what + ": " + response.error;
        return result;
    }
    int status = response.status;
    if (status >= 200 && status < 300) {
        result.ok = true;
        result.detail = {{"status", status}};
        auto body = nlohmann::json::parse(response.body, nullptr, false);
        if (body.is_object() && body.contains("id") && (body["id"].is_string() || body["id"].is_number()))
            result.detail["receipt"] = body["id"];
        return result;
    }
    result.permanent = !worth_retrying(status);
    result.error = what + " answered " + std::to_string(status);
    if (status >= 300 && status < 400) {
        if (auto location = response.header("Location")) result.error += " (moved to " + *location + ": update the url)";
    }
    auto text = excerpt(response.body);
    if (!text.empty()) result.error += ": " + text;
    return result;
}

}  // namespace signflow::connectors::http
