#include "guard.hpp"

#include "signflow/base/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace signflow::app::signing {

bool Limiter::allow(std::string const& key, bool count) {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    if (windows_.size() > 100000) {  // forget old windows rather than grow without end
        for (auto it = windows_.begin(); it != windows_.end();)
            it = now - it->second.start > std::chrono::minutes(1) ? windows_.erase(it) : std::next(it);
        // Still full (a flood from very many addresses): start over rather
        // than scan the whole map on every call.
        if (windows_.size() > 50000) windows_.clear();
    }
    Window& w = windows_[key];
    if (now - w.start > std::chrono::minutes(1)) w = {now, 0};
    if (w.used >= per_minute_) return false;
    if (count) ++w.used;
    return true;
}

std::string csrf_cookie(http::Request const& req) {
    for (auto const& [name, value] : req.headers) {
        if (name != "cookie") continue;
        std::string_view rest = value;
        while (!rest.empty()) {
            auto semi = rest.find(';');
            std::string_view pair = rest.substr(0, semi);
            while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
            if (pair.starts_with("sf_csrf=")) return std::string(pair.substr(8));
            if (semi == std::string_view::npos) break;
            rest.remove_prefix(semi + 1);
        }
    }
    return {};
}

std::string new_csrf_token() {
    return base::random_hex(16);
}

std::string csrf_set_cookie(std::string const& token) {
    return "sf_csrf=" + token + "; Path=/sign/; HttpOnly; SameSite=Strict";
}

bool same_secret(std::string const& a, std::string const& b) {
    return !a.empty() && base::equal_constant_time(a, b);
}

bool same_origin(http::Request const& req, std::string const& link_base) {
    std::string const* origin = req.header("origin");
    if (!origin) return true;  // not a browser's cross-site form (the CSRF token still is checked)
    // scheme://host[:port] of the link base, without a path.
    auto scheme = link_base.find("://");
    if (scheme != std::string::npos) {
        auto path = link_base.find('/', scheme + 3);
        if (*origin == link_base.substr(0, path)) return true;
    }
    std::string const* host = req.header("host");
    if (!host) return false;
    return *origin == "http://" + *host || *origin == "https://" + *host;
}

}  // namespace signflow::app::signing
