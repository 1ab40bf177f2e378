#pragma once
// Who may call the daemon, and who tried: API keys, signing links and
// requests refused for security reasons. The daemon's gate, its signing
// links and `signflow api-key` use it (app/src/serve/auth.hpp, links.hpp);
// the engine does not. Every write is its own transaction, outside the
// engine's group commit.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace signflow::storage {

// An operator's API key. Only the SHA-256 of the token is kept; `prefix` (the
// token's first characters) lets a person tell keys apart in a listing.
struct ApiKeyRecord {
    std::int64_t id = 0;     // assigned by add_api_key
    std::string name;
    std::string prefix;
    std::string hash;        // hex SHA-256 of the whole token
    std::string scopes;      // space-separated: "send", "admin", "act-for-signer"
    std::int64_t created_ms = 0;
    std::int64_t revoked_ms = 0;  // 0: in use
};

// A link a signer received: the token's SHA-256 (the token itself is only
// in the message), bound to one signer of one envelope. `purpose` is "sign"
// (the signing page) or "download" (the signed copy, sent on completion).
// The page checks the envelope's state on every use, and the link's age
// against its purpose's lifetime (app/src/serve/signing/links.hpp).
struct SigningTokenRecord {
    std::string hash;        // hex SHA-256 of the token
    std::int64_t envelope = 0;
    std::string role;
    std::string purpose;
    std::int64_t created_ms = 0;
    // An embedded-signing link (purpose "embed"): when it stops working
    // (0: the daemon's lifetime for its purpose applies), when it was used
    // (0: not yet; such a link works once), and what it carries ({return_url}).
    std::int64_t expires_ms = 0;
    std::int64_t used_ms = 0;
    std::string detail;
};

// A request refused for security reasons (a bad webhook signature, a stale
// timestamp, an unknown API key): kept so an operator can see who knocked.
struct SecurityEventRecord {
    std::int64_t at_ms = 0;
    std::string kind;    // webhook_rejected | api_key_rejected | …
    std::string source;  // the webhook source or the route
    std::string ip;
    std::string detail;  // JSON text
};

class AccessStore {
public:
    virtual ~AccessStore() = default;

    // API keys.
    virtual std::int64_t add_api_key(ApiKeyRecord const& k) = 0;
    virtual std::optional<ApiKeyRecord> find_api_key(std::string const& hash) = 0;
    virtual std::vector<ApiKeyRecord> api_keys() = 0;
    virtual bool revoke_api_key(std::int64_t id, std::int64_t at_ms) = 0;  // false: no such key in use

    // Signing links.
    virtual void add_signing_token(SigningTokenRecord const& t) = 0;
    virtual std::optional<SigningTokenRecord> find_signing_token(std::string const& hash) = 0;
    // Marks a link that works once as used; false when it was used already
    // (by another request, perhaps at the same moment).
    virtual bool use_signing_token(std::string const& hash, std::int64_t now_ms) = 0;

    // Refused requests.
    virtual void record_security_event(SecurityEventRecord const& e) = 0;
    virtual std::vector<SecurityEventRecord> security_events(int limit) = 0;  // newest first
};

}  // namespace signflow::storage
