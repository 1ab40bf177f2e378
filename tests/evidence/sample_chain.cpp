#include "sample_chain.hpp"

#include <cstdio>
#include <cstdlib>

namespace signflow::evidence::testing {

namespace {

constexpr std::int64_t start_ms = 1'795'770'843'120;  // 2026-11-27T09:14:03.120Z

// The local time for a fixed offset: enough for zones without a DST change
// in late November (Asia/Shanghai +08:00, Europe/Berlin +01:00).
std::string local_time(std::int64_t unix_ms, int offset_minutes) {
    auto text = format_utc(unix_ms + offset_minutes * 60'000LL);
    char offset[16];
    std::snprintf(offset, sizeof offset, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', std::abs(offset_minutes) / 60,
                  std::abs(offset_minutes) % 60);
    return text.substr(0, 23) + offset;
}

}  // namespace

std::vector<AuditEntry> sample_chain() {
    struct Step {
        std::int64_t after_ms;
        char const* kind;
        char const* actor;
        char const* zone;
        int offset;
        char const* ip;
        char const* user_agent;
        nlohmann::json detail;
    };
    char const* client_ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) \"微信\"/8.0";
    char const* manager_ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0";
    std::string const doc = "9f2c4e1a0b7d35c8e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";
    std::vector<Step> steps = {
        {0, "created", "system", "Asia/Shanghai", 480, "", "", {{"workflow", "client_nda"}, {"trigger", "form_submitted"}}},
        {140, "document_filled", "system", "Asia/Shanghai", 480, "", "", {{"template", "nda"}, {"document_sha256", doc}}},
        {310, "sent", "system", "Asia/Shanghai", 480, "", "", {{"to", "client"}}},
        {2'050, "delivered", "email", "Asia/Shanghai", 480, "", "", {{"to", "client"}, {"message_id", "<a1@mx>"}}},
        {95'000, "viewed", "client", "Asia/Shanghai", 480, "203.0.113.7", client_ua, nlohmann::json::object()},
        {101'500, "consent_given", "client", "Asia/Shanghai", 480, "203.0.113.7", client_ua,
         {{"text", "I agree to sign electronically.\n«同意»\t\u0001"}}},
        {101'800, "code_sent", "system", "Asia/Shanghai", 480, "", "", {{"method", "sms"}, {"to", "+86 ••• 1234"}, {"counter", 0}}},
        {140'200, "code_failed", "client", "Asia/Shanghai", 480, "203.0.113.7", client_ua,
         {{"method", "sms"}, {"attempt", 1}, {"result", "wrong"}}},
        {151'900, "code_verified", "client", "Asia/Shanghai", 480, "203.0.113.7", client_ua, {{"method", "sms"}, {"attempt", 2}}},
        {188'000, "attachment_uploaded", "client", "Asia/Shanghai", 480, "203.0.113.7", client_ua,
         {{"name", "id_scan"}, {"sha256", std::string(64, 'a')}, {"bytes", 482'113}, {"media_type", "image/jpeg"}}},
        {203'400, "signed", "client", "Asia/Shanghai", 480, "203.0.113.7", client_ua, {{"document_sha256", doc}}},
        {203'700, "sent", "system", "Europe/Berlin", 60, "", "", {{"to", "manager"}}},
        {7'200'000, "viewed", "manager", "Europe/Berlin", 60, "198.51.100.23", manager_ua, nlohmann::json::object()},
        {7'260'000, "signed", "manager", "Europe/Berlin", 60, "198.51.100.23", manager_ua,
         {{"method", "email code"}, {"document_sha256", doc}, {"signed", true}, {"note", nullptr}}},
        {7'260'400, "completed", "system", "Asia/Shanghai", 480, "", "", nlohmann::json::object()},
        {7'261'100, "sealed", "operator", "Asia/Shanghai", 480, "", "", {{"document_sha256", std::string(64, 'b')}, {"pages", {1, 2, 3}}}},
    };
    std::vector<AuditEntry> chain;
    std::string prev = genesis_hash();
    for (auto const& step : steps) {
        AuditEntry e;
        e.envelope = sample_envelope;
        e.seq = static_cast<std::int64_t>(chain.size()) + 1;
        e.at = format_utc(start_ms + step.after_ms);
        e.local = local_time(start_ms + step.after_ms, step.offset);
        e.zone = step.zone;
        e.kind = step.kind;
        e.actor = step.actor;
        e.ip = step.ip;
        e.user_agent = step.user_agent;
        e.detail = step.detail;
        prev = link(e, prev).hash;
        chain.push_back(std::move(e));
    }
    return chain;
}

nlohmann::json sample_signers() {
    return nlohmann::json::parse(R"([
        {"role": "client", "name": "Li Wei", "email": "li.wei@example.cn", "zone": "Asia/Shanghai", "auth": "sms code"},
        {"role": "manager", "name": "Anna Schmidt", "email": "anna@example.de", "zone": "Europe/Berlin", "auth": "email code"}
    ])");
}

}  // namespace signflow::evidence::testing
