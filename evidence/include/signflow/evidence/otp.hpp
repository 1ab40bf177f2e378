#pragma once
// One-time codes for `verify client by sms|email`: HOTP (RFC 4226) and TOTP
// (RFC 6238) over OpenSSL's HMAC, and the life of a code issued to a signer:
// stored only as a keyed hash, valid for a while, locked after a few wrong
// tries, good for one success.
//
// Why HOTP with a counter rather than TOTP for signers: a code goes out by
// SMS or email and may take minutes to arrive, so its validity is an explicit
// expiry (CodePolicy::ttl_ms) instead of a 30-second window; the counter
// (one per code issued for the binding, kept by the caller) makes every
// code different. totp() is here for authenticator apps and for the RFC's
// own test vectors.
//
// Why the stored hash is an HMAC under the server secret and not a plain
// SHA-256: a code has only 10^6 values, so a plain hash leaked with the
// database gives the code back in milliseconds. An HMAC needs the secret
// too, which lives outside the database.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace signflow::evidence {

enum class HashAlgorithm { sha1, sha256, sha512 };

// RFC 4226: HMAC(key, counter as 8 bytes big-endian), dynamic truncation,
// modulo 10^digits, zero-padded. digits: 1..9 (throws std::invalid_argument).
std::string hotp(std::string_view key, std::uint64_t counter, int digits = 6,
                 HashAlgorithm algorithm = HashAlgorithm::sha1);

// RFC 6238: hotp(key, floor((unix_seconds - t0) / step)). step > 0; a time
// before t0 throws std::invalid_argument (the counter would be negative).
std::string totp(std::string_view key, std::int64_t unix_seconds, int step = 30, int digits = 8,
                 HashAlgorithm algorithm = HashAlgorithm::sha1, std::int64_t t0 = 0);

struct CodePolicy {
    int digits = 6;                       // 6..9: fewer is guessable within max_attempts too often
    std::int64_t ttl_ms = 10 * 60 * 1000; // an SMS can take minutes; longer helps an intercepted code
    int max_attempts = 3;                 // wrong tries before the code locks (>= 1)
};

// What is stored for an issued code: never the code itself.
struct CodeRecord {
    std::string hash;              // hex HMAC-SHA256 (docs/audit.md): needs the server secret to test a guess
    std::int64_t issued_ms = 0;
    std::int64_t expires_ms = 0;   // a try at or after this instant is `expired`
    int attempts = 0;              // tries counted so far (wrong ones and the right one)
    int max_attempts = 3;
    bool used = false;             // a verified code cannot verify again
    std::uint64_t counter = 0;     // the HOTP counter it was made with
};

struct IssuedCode {
    std::string code;     // goes to the signer (connector) and is then forgotten
    CodeRecord record;    // goes to the database
};

// The code for one signer of one envelope: HOTP-SHA256 under a key derived
// from the server secret and the binding ("envelope/role", e.g. "42/client"),
// so a code issued for one signer never verifies for another. `counter`
// must differ for each code issued for the same binding (the caller keeps
// it: e.g. the number of codes sent so far). Throws std::invalid_argument
// for an empty secret or binding, or a policy out of range.
IssuedCode issue_code(std::string_view server_secret, std::string_view binding, std::uint64_t counter,
                      std::int64_t now_ms, CodePolicy const& policy = {});

enum class CodeCheck {
    verified,  // right code, in time: the record is now used
    wrong,     // counted; the record locks when attempts reach max_attempts
    expired,   // too late; not counted
    locked,    // max_attempts wrong tries already; not counted
    used,      // verified before; not counted
};

// Checks one try: refuses a used, locked or expired record without counting;
// otherwise counts the attempt and compares, in constant time, an HMAC of
// the attempt (same binding and counter) with the stored hash.
CodeCheck check_code(CodeRecord& record, std::string_view server_secret, std::string_view binding,
                     std::string_view attempt, std::int64_t now_ms);

bool is_locked(CodeRecord const& record);     // max_attempts reached without success
int attempts_left(CodeRecord const& record);  // 0 when locked or used

std::string_view to_string(CodeCheck check);

nlohmann::json to_json(CodeRecord const& record);
// Throws std::invalid_argument naming the field that is missing or wrong.
CodeRecord code_record_from_json(nlohmann::json const& json);

}  // namespace signflow::evidence
