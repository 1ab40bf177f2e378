#pragma once
// The signing page's defences that are not in the engine: counting attempts
// per key (an IP guessing tokens, a link trying codes) in one-minute
// windows, and the CSRF token every form carries.
#include "signflow/http/server.hpp"

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace signflow::app::signing {

class Limiter {
public:
    explicit Limiter(int per_minute) : per_minute_(per_minute) {}
    // Whether `key` may try again now (it has tried fewer than the limit in
    // this minute); `count` also counts this try.
    bool allow(std::string const& key, bool count = true);

private:
    struct Window {
        std::chrono::steady_clock::time_point start;
        int used = 0;
    };
    int per_minute_;
    std::mutex mutex_;
    std::unordered_map<std::string, Window> windows_;
};

// The page's CSRF token: a random value in a cookie (HttpOnly, SameSite=Strict,
// Path=/sign/) that each form repeats in a hidden field (double submit).
// Empty when the request has none.
std::string csrf_cookie(http::Request const& req);
std::string new_csrf_token();
std::string csrf_set_cookie(std::string const& token);
// Compares in constant time; both must be non-empty.
bool same_secret(std::string const& a, std::string const& b);
// A browser's Origin header, when sent, must be this server: the Host it
// asked for, or the origin of `link_base` (what signers' links point at:
// behind a proxy that rewrites Host, that is the one that matches).
bool same_origin(http::Request const& req, std::string const& link_base);

}  // namespace signflow::app::signing
