#pragma once
// Signing links: https://HOST/sign/TOKEN. A token is 32 random bytes
// (base64url, 43 characters), bound to one signer of one envelope. Only its
// SHA-256 is stored, so a copy of the database opens no envelope; what a
// token may do is decided on every use from the envelope's state
// (Runtime::signer), so it expires with the envelope and cannot act after
// its signer has signed or declined.
#include "signflow/engine/store.hpp"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace signflow::app::signing {

class Links {
public:
    // `base`: where signers reach the daemon, e.g. "https://sign.acme.example"
    // (no trailing slash needed). Empty: set later with set_base (the
    // daemon's own address, once it listens); mint waits for it.
    Links(engine::Store& store, std::string base);
    void set_base(std::string base);

    // A new token for `role` of envelope `envelope`; purpose "sign" or
    // "download". Returns the whole URL.
    std::string mint(std::int64_t envelope, std::string const& role, std::string const& purpose);
    // The token's record; nullopt for a token that was never minted (or is
    // not even shaped like one).
    std::optional<engine::SigningTokenRecord> resolve(std::string const& token);

    std::string base() const;

private:
    engine::Store& store_;
    mutable std::mutex mutex_;
    std::condition_variable known_;
    std::string base_;
};

// Hex SHA-256 of a token, as stored.
std::string token_hash(std::string const& token);
// 43 characters of base64url.
bool token_shaped(std::string_view token);

}  // namespace signflow::app::signing
