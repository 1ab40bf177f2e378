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

namespace signflow::app::signing {

// How long a link works after it was made, by purpose.
struct LinkLifetimes {
    int sign_days = 30;      // the signing page
    int download_days = 30;  // the signed copy
};

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

// 43 characters of base64url.
bool token_shaped(std::string_view token);

}  // namespace signflow::app::signing
