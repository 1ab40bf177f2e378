// The inbound webhook signature check (webhook_signature.hpp).
#include "webhook_signature.hpp"

#include "signflow/base/digest.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

namespace signflow::app {

namespace {

// HMAC-SHA256(key, t + "." + body) as lowercase hex.
std::string hmac_hex(std::string_view key, std::string_view t, std::string_view body) {
    std::string message;
    message.reserve(t.size() + 1 + body.size());
    message.append(t).append(".").append(body);
    return base::hmac_sha256_hex(key, message);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

SignatureCheck refused(std::string reason, std::string message) {
    SignatureCheck c;
    c.reason = std::move(reason);
    c.message = std::move(message);
    return c;
}

// What of a sender's text goes back in a message: printable ASCII, short.
std::string shown(std::string_view s) {
    std::string out;
    for (unsigned char c : s.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    return out;
}

}  // namespace

SignatureCheck verify_signature(std::string const* header, std::string_view body, std::string_view secret,
                                std::int64_t now_seconds, std::int64_t tolerance_seconds) {
    if (!header || trim(*header).empty())
        return refused("unsigned", "unsigned: the request carries no signature header (t=…,v1=…)");
    // "t=1714564800,v1=abc…,v1=def…": items separated by commas.
    std::string_view rest = *header, t_text;
    bool has_t = false;
    std::vector<std::string> candidates;
    while (true) {
        auto comma = rest.find(',');
        auto item = trim(rest.substr(0, comma));
        auto eq = item.find('=');
        if (eq == std::string_view::npos)
            return refused("malformed", "malformed signature header: `" + shown(item) +
                                            "` is not KEY=VALUE (expected t=UNIX_SECONDS,v1=HEX)");
        auto key = item.substr(0, eq), value = item.substr(eq + 1);
        if (key == "t") {
            if (has_t) return refused("malformed", "malformed signature header: t= appears twice");
            has_t = true;
            t_text = value;
        } else if (key == "v1") {
            if (candidates.size() == 16) return refused("malformed", "malformed signature header: more than 16 v1= entries");
            std::string v(value);
            std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            if (v.size() == 64 && v.find_first_not_of("0123456789abcdef") == std::string::npos) candidates.push_back(v);
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    std::int64_t t = 0;
    auto [end, ec] = std::from_chars(t_text.data(), t_text.data() + t_text.size(), t);
    if (!has_t || t_text.empty() || t_text.size() > 12 || ec != std::errc() || end != t_text.data() + t_text.size() ||
        t < 0)
        return refused("malformed", "malformed signature header: t= must be the Unix time in seconds");
    if (candidates.empty())
        return refused("malformed", "malformed signature header: no v1= entry of 64 hex digits (HMAC-SHA256)");

    auto expected = hmac_hex(secret, t_text, body);
    // Every candidate is compared, whatever matched before: the time taken
    // depends on how many were sent, not on what they hold.
    std::string const* match = nullptr;
    for (auto const& c : candidates)
        if (base::equal_constant_time(expected, c)) match = &c;
    if (!match)
        return refused("mismatch", "signature does not match: v1 must be HMAC-SHA256(secret, t + \".\" + body), "
                                   "computed over the body exactly as sent");
    // Checked after the signature: a stale refusal is about a genuine request
    // (a replay, or a sender whose clock is off), which is what an operator
    // reading the security events wants to tell apart from forgeries.
    std::int64_t skew = now_seconds > t ? now_seconds - t : t - now_seconds;
    if (skew > tolerance_seconds)
        return refused("stale", "stale: t=" + std::string(t_text) + " is " + std::to_string(skew) +
                                    " s from the daemon's clock; the window is " + std::to_string(tolerance_seconds) +
                                    " s");
    SignatureCheck ok;
    ok.ok = true;
    ok.signature = *match;
    ok.timestamp = t;
    return ok;
}

std::string sign_payload(std::string_view secret, std::int64_t t, std::string_view body) {
    auto t_text = std::to_string(t);
    return "t=" + t_text + ",v1=" + hmac_hex(secret, t_text, body);
}

}  // namespace signflow::app
