#pragma once
// Signing links: https://HOST/sign/TOKEN. A token is 32 random bytes
// (base64url, 43 characters), bound to one signer of one envelope. Only its
// SHA-256 is stored, so a copy of the database opens no envelope; what a
// token may do is decided on every use from the envelope's state
// (Runtime::signer), so it expires with the envelope and cannot act after
// its signer has signed or declined. Each link also has a lifetime of its
// own (serve --sign-link-days, --download-link-days): a link found in an
// old mailbox or a forwarded mail stops working. Every message (a request,
// each reminder, the signed copy) carries a new link, and an operator can
// make one (POST /v1/instances/{id}/signers/{role}/link).
#include "signflow/storage/access_store.hpp"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace signflow::app::signing {

// How long a link works after it was made, by purpose.
struct LinkLifetimes {
    int sign_days = 30;      // the signing page
    int download_days = 30;  // the signed copy
    // Embedded signing (serve --frame-ancestor): the origins that may frame
    // the page opened through an embed link ("https://portal.example").
    // Empty: no embed links, and no origin may frame any page.
    std::vector<std::string> frame_origins;
};

// An embed link (POST …/signers/{role}/link with "embed": true) works once,
// for its own lifetime: its first use opens an embedded session, a link of
// purpose "embedded" that the page then uses, for this long.
inline constexpr std::int64_t embedded_session_ms = 60 * 60 * 1000;

class Links {
public:
    // `base`: where signers reach the daemon, e.g. "https://sign.acme.example"
    // (no trailing slash needed). Empty: set later with set_base (the
    // daemon's own address, once it listens); mint waits for it.
    Links(storage::AccessStore& store, std::string base, LinkLifetimes lifetimes = {});
    void set_base(std::string base);

    // A new token for `role` of envelope `envelope`; purpose "sign" or
    // "download". Returns the whole URL.
    std::string mint(std::int64_t envelope, std::string const& role, std::string const& purpose);
    // A link with its own lifetime (`expires_ms`) and detail (embed links:
    // {"return_url": …}). Returns the whole URL.
    std::string mint(std::int64_t envelope, std::string const& role, std::string const& purpose,
                     std::int64_t expires_ms, std::string const& detail);
    // Marks a link that works once as used: false when it was used already.
    bool use(storage::SigningTokenRecord const& link);
    // The token's record; nullopt for a token that was never minted (or is
    // not even shaped like one).
    std::optional<storage::SigningTokenRecord> resolve(std::string const& token);
    // Whether `link` has outlived its purpose's lifetime at `now_ms`.
    bool expired(storage::SigningTokenRecord const& link, std::int64_t now_ms) const;
    LinkLifetimes const& lifetimes() const { return lifetimes_; }

    std::string base() const;

private:
    storage::AccessStore& store_;
    mutable std::mutex mutex_;
    std::condition_variable known_;
    std::string base_;
    LinkLifetimes lifetimes_;
};

// Why `origin` is not an origin a page may be framed by or return to
// (scheme http or https, a host, an optional port, nothing else); "" when it is.
std::string origin_problem(std::string const& origin);
// The origin (scheme://host[:port]) of an http(s) URL; "" when it has none.
std::string origin_of_url(std::string const& url);

// 43 characters of base64url.
bool token_shaped(std::string_view token);

}  // namespace signflow::app::signing
