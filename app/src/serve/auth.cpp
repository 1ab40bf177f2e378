// API keys, the gate in front of the API, security events and the first
// key of a fresh installation (auth.hpp).
#include "auth.hpp"
#include "api_util.hpp"
#include "../secret_files.hpp"
#include "log_text.hpp"

#include "signflow/base/digest.hpp"
#include "signflow/base/text.hpp"
#include "signflow/engine/time.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <unordered_map>

namespace signflow::app {
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

using base::now_ms;

// RFC 4648 §5, without padding.
std::string base64url(unsigned char const* data, std::size_t n) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((n * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (n - i == 1) {
        unsigned v = data[i] << 16;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        unsigned v = (data[i] << 16) | (data[i + 1] << 8);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
    }
    return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

using signflow::base::iequals;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

// ---- tokens

bool is_scope(std::string_view scope) { return scope == "send" || scope == "admin" || scope == "act-for-signer"; }

IssuedKey new_api_key(std::string name, std::vector<std::string> const& scopes, std::int64_t created_ms) {
    unsigned char random[32];
    if (RAND_bytes(random, sizeof random) != 1) throw std::runtime_error("no randomness for a new API key (RAND_bytes failed)");
    IssuedKey k;
    k.token = "sf_" + base64url(random, sizeof random);
    OPENSSL_cleanse(random, sizeof random);
    k.record.name = std::move(name);
    k.record.prefix = k.token.substr(0, 9);  // "sf_" and 6 characters: 36 of the 256 bits
    k.record.hash = token_hash(k.token);
    for (auto const& s : scopes) {
        if (!is_scope(s)) throw std::invalid_argument("unknown scope `" + s + "` (send, admin or act-for-signer)");
        if (grants(k.record.scopes, s)) continue;
        if (!k.record.scopes.empty()) k.record.scopes += ' ';
        k.record.scopes += s;
    }
    if (k.record.scopes.empty()) throw std::invalid_argument("an API key needs a scope (send, admin or act-for-signer)");
    k.record.created_ms = created_ms;
    return k;
}

std::string token_hash(std::string_view token) { return signflow::base::sha256_hex(token); }

// ---- what a request needs

char const* scope_name(Scope s) {
    switch (s) {
    case Scope::open: return "open";
    case Scope::send: return "send";
    case Scope::admin: return "admin";
    case Scope::act_for_signer: return "act-for-signer";
    }
    return "admin";
}

Scope scope_needed(std::string_view method, std::string_view path) {
    (void)method;  // the route decides; a wrong method on a send route is the route's 405
    if (path == "/healthz" || starts_with(path, "/sign/") || path == "/sign") return Scope::open;
    // The dashboard's page and the static files: code, no data (dashboard.hpp).
    if (path == "/" || starts_with(path, "/assets/")) return Scope::open;
    auto parts = segments(path);
    if (parts.size() >= 2 && parts[0] == "v1") {
        if (parts[1] == "hooks") return Scope::open;  // signed instead (inbound_webhooks.hpp)
        if (parts[1] == "events" || parts[1] == "bulk") return Scope::send;
        // A signing link opens the envelope's document: admin, like reading it.
        if (parts[1] == "instances" && parts.size() == 6 && parts[3] == "signers" && parts[5] == "link")
            return Scope::admin;
        // An operator's corrections: a signer's details (PATCH …/signers/{role},
        // admin as every path of five parts) and the request sent again.
        if (parts[1] == "instances" && parts.size() == 6 && parts[3] == "signers" && parts[5] == "resend")
            return Scope::admin;
        // A signer's acts (verify, consent, sign, decline, upload, codes) come
        // from that signer's link; through the API only an operator acting
        // for the signer, with its own scope and a reason (api.cpp).
        if (parts[1] == "instances" && parts.size() >= 6 && parts[3] == "signers") return Scope::act_for_signer;
        // Starting and moving envelopes: cancel.
        if (parts[1] == "instances" && parts.size() == 4 && parts[3] == "cancel") return Scope::send;
    }
    return Scope::admin;  // everything else, unknown paths included
}

bool grants(std::string_view scopes, std::string_view scope) {
    while (!scopes.empty()) {
        auto end = scopes.find(' ');
        if (scopes.substr(0, end) == scope) return true;
        if (end == std::string_view::npos) break;
        scopes.remove_prefix(end + 1);
    }
    return false;
}

bool grants(std::string_view scopes, Scope need) {
    switch (need) {
    case Scope::open: return true;
    case Scope::send: return grants(scopes, "send") || grants(scopes, "admin");
    case Scope::admin: return grants(scopes, "admin");
    // Not part of admin: signing in someone's name is a decision made per key.
    case Scope::act_for_signer: return grants(scopes, "act-for-signer");
    }
    return false;
}

// ---- security events

SecurityEvents::SecurityEvents(storage::AccessStore& store, engine::LogFn log, double per_second, double burst)
    : store_(store), log_(std::move(log)), per_second_(per_second), burst_(burst), tokens_(burst),
      refilled_(std::chrono::steady_clock::now()) {}

void SecurityEvents::record(std::string kind, std::string source, std::string ip, json detail) {
    std::int64_t suppressed = 0, addresses = 0;
    {
        std::lock_guard lock(mutex_);
        auto now = std::chrono::steady_clock::now();
        tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - refilled_).count() * per_second_);
        refilled_ = now;
        if (tokens_ < 1) {
            ++suppressed_;
            if (suppressed_from_.size() < 10'000) suppressed_from_.insert(ip);
            return;
        }
        tokens_ -= 1;
        suppressed = std::exchange(suppressed_, 0);
        addresses = static_cast<std::int64_t>(suppressed_from_.size());
        suppressed_from_.clear();
    }
    if (suppressed) {
        detail["suppressed_before"] = suppressed;
        detail["suppressed_addresses"] = addresses;
    }
    if (source.size() > 200) source.resize(200);
    storage::SecurityEventRecord e{now_ms(), std::move(kind), std::move(source), std::move(ip),
                                  detail.dump(-1, ' ', false, json::error_handler_t::replace)};
    // The source is a path or name from the request, percent-decoded: its
    // control characters are escaped so that it cannot forge log lines.
    std::string shown = log_escape(e.source);
    if (log_)
        log_(engine::LogLevel::warn, "refused: " + e.kind + " " + shown + " from " + e.ip + " " + e.detail +
                                         (suppressed ? " (and " + std::to_string(suppressed) + " more from " +
                                                           std::to_string(addresses) + " addresses before it)"
                                                     : std::string()));
    try {
        store_.record_security_event(e);
    } catch (std::exception const& ex) {
        if (log_) log_(engine::LogLevel::error, std::string("cannot record a security event: ") + ex.what());
    }
}

// ---- the gate

namespace {

// Keys looked up lately, by hash; unknown hashes too (a client retrying a
// bad token costs no read). Bounded: a spray of random tokens clears it.
class KeyCache {
public:
    KeyCache(storage::AccessStore& store, std::chrono::seconds ttl) : store_(store), ttl_(ttl) {}

    std::optional<storage::ApiKeyRecord> find(std::string const& hash) {
        auto now = std::chrono::steady_clock::now();
        {
            std::lock_guard lock(mutex_);
            if (auto it = entries_.find(hash); it != entries_.end() && it->second.until > now) return it->second.key;
        }
        auto key = store_.find_api_key(hash);  // outside the lock: a read from the pool
        // The lookup is by equality in SQLite; compare again in constant
        // time, so no timing of ours depends on how much of a hash matched.
        if (key && !signflow::base::equal_constant_time(key->hash, hash))
            key.reset();
        std::lock_guard lock(mutex_);
        if (entries_.size() >= max_entries) {
            std::erase_if(entries_, [&](auto const& e) { return e.second.until <= now; });
            if (entries_.size() >= max_entries) entries_.clear();
        }
        entries_[hash] = {key, now + ttl_};
        return key;
    }

private:
    static constexpr std::size_t max_entries = 4096;
    struct Entry {
        std::optional<storage::ApiKeyRecord> key;
        std::chrono::steady_clock::time_point until;
    };
    storage::AccessStore& store_;
    std::chrono::seconds ttl_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

constexpr char const* realm = "Bearer realm=\"signflow\"";

http::Response unauthorized(std::string reason, std::string message, bool invalid_token) {
    auto r = error(401, std::move(message), {{"reason", std::move(reason)}, {"see", "docs/security.md"}});
    r.headers.emplace_back("WWW-Authenticate",
                           std::string(realm) + (invalid_token ? ", error=\"invalid_token\"" : ""));
    return r;
}

}  // namespace

Gate make_api_gate(storage::AccessStore& store, GateOptions options) {
    if (options.open)
        return [](http::Request const&, Caller*) -> std::optional<http::Response> { return std::nullopt; };
    auto cache = std::make_shared<KeyCache>(store, options.cache_for);
    auto events = options.events ? options.events : std::make_shared<SecurityEvents>(store, options.log);
    return [cache, events](http::Request const& req, Caller* caller) -> std::optional<http::Response> {
        Scope need = scope_needed(req.method, req.path);
        if (need == Scope::open) return std::nullopt;
        auto refuse = [&](std::string reason, std::string message, bool invalid_token, json detail = json::object()) {
            detail["reason"] = reason;
            detail["method"] = req.method;
            events->record("api_key_rejected", req.path, origin_of(req).ip, std::move(detail));
            return unauthorized(std::move(reason), std::move(message), invalid_token);
        };
        auto const* header = req.header("authorization");
        if (!header)
            return refuse("missing", "this API needs a key: send `Authorization: Bearer <token>` "
                                     "(create one with `signflow api-key create`)", false);
        std::string_view h = trim(*header);
        auto space = h.find(' ');
        if (space == std::string_view::npos || !iequals(h.substr(0, space), "Bearer"))
            return refuse("malformed", "the Authorization header must be `Bearer <token>`", true);
        std::string_view token = trim(h.substr(space + 1));
        if (token.empty() || token.size() > 256)
            return refuse("malformed", "the Authorization header must be `Bearer <token>`", true);
        std::optional<storage::ApiKeyRecord> key;
        try {
            key = cache->find(token_hash(token));
        } catch (std::exception const&) {
            return error(503, "the API key cannot be checked now (the database did not answer); try again");
        }
        if (!key) return refuse("unknown", "unknown API key", true);
        if (key->revoked_ms)
            return refuse("revoked", "this API key was revoked", true,
                          {{"key", key->id}, {"name", key->name}, {"prefix", key->prefix}});
        if (!grants(key->scopes, need)) {
            std::string scope = scope_name(need);
            events->record("api_key_forbidden", req.path, origin_of(req).ip,
                           {{"method", req.method}, {"key", key->id}, {"name", key->name}, {"scope_needed", scope}});
            auto r = error(403, "this API key (`" + key->name + "`, scopes: " + key->scopes + ") lacks the `" + scope +
                                    "` scope, which " + req.method + " " + req.path + " needs",
                           {{"scope_needed", scope}, {"see", "docs/security.md"}});
            r.headers.emplace_back("WWW-Authenticate",
                                   std::string(realm) + ", error=\"insufficient_scope\", scope=\"" + scope + "\"");
            return r;
        }
        if (caller) *caller = {key->id, key->name};
        return std::nullopt;
    };
}

Routes make_security_event_routes(storage::AccessStore& store) {
    return [&store](http::Request& req, http::Respond& respond) {
        if (req.path != "/v1/security-events") return false;
        if (req.method != "GET") {
            respond(method_not_allowed("GET"));
            return true;
        }
        int limit = 100;
        if (auto const* l = req.param("limit")) {
            std::int64_t v = 0;
            if (!parse_id(*l, v) || v > 1000) {
                respond(error(400, "limit must be 1 to 1000"));
                return true;
            }
            limit = static_cast<int>(v);
        }
        json list = json::array();
        for (auto& e : store.security_events(limit)) {
            json detail = json::parse(e.detail, nullptr, false);
            list.push_back({{"at", engine::utc_text(engine::from_millis(e.at_ms))},
                            {"kind", e.kind},
                            {"source", e.source},
                            {"ip", e.ip},
                            {"detail", detail.is_discarded() ? json(e.detail) : detail}});
        }
        respond(reply_json(200, {{"events", std::move(list)}}));
        return true;
    };
}

// ---- the first key

fs::path first_key_path(fs::path const& db) {
    std::string stem = db.stem().string();
    if (stem.empty() || stem == ":memory:") stem = "signflow";
    return db.parent_path() / (stem + "-admin.key");
}

fs::path ensure_first_key(storage::AccessStore& store, fs::path const& db, engine::LogFn const& log) {
    if (!store.api_keys().empty()) return {};
    auto path = first_key_path(db);
    auto key = new_api_key("first admin key", {"admin"}, now_ms());

    // Written whole to a fresh temporary file (O_EXCL, mode 0600 from the
    // start), then linked to its name and the folder synced
    // (write_secret_file): the token is never readable by others, a
    // symlink planted at the name is not followed, and the name is on disk
    // before the key is (after a power loss the database could otherwise
    // hold a key whose token is nowhere, and no first key would be made
    // again). A file left from an earlier database has a token no key
    // matches: it goes first.
    std::string text = key.token + "\n";
    try {
        ::unlink(path.c_str());
        write_secret_file(path, text);
    } catch (std::exception const& e) {
        OPENSSL_cleanse(text.data(), text.size());
        throw std::runtime_error(std::string("cannot write the first API key: ") + e.what());
    }
    OPENSSL_cleanse(text.data(), text.size());
    try {
        store.add_api_key(key.record);
    } catch (...) {
        ::unlink(path.c_str());
        throw;
    }
    if (log)
        log(engine::LogLevel::info, "no API key yet: created an admin key (" + key.record.prefix +
                                        "…); its token is in " + path.string() +
                                        " (readable by this user only). Send it as `Authorization: Bearer $(cat " +
                                        path.string() + ")`; manage keys with `signflow api-key`");
    return path;
}

}  // namespace signflow::app
