// HOTP/TOTP and the life of an issued code (otp.hpp says why it is built
// this way; docs/audit.md gives the derivations byte for byte).
#include "signflow/base/text.hpp"
#include "signflow/evidence/otp.hpp"

#include "signflow/evidence/digest.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <stdexcept>

namespace signflow::evidence {

namespace {

EVP_MD const* digest_of(HashAlgorithm algorithm) {
    switch (algorithm) {
        case HashAlgorithm::sha1: return EVP_sha1();
        case HashAlgorithm::sha256: return EVP_sha256();
        case HashAlgorithm::sha512: return EVP_sha512();
    }
    throw std::invalid_argument("unknown HMAC hash algorithm");
}

std::string hmac(HashAlgorithm algorithm, std::string_view key, std::string_view message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int length = 0;
    // An empty string_view may hold a null pointer, which OpenSSL 3's
    // HMAC() reads as "no key set" and fails on: pass "" instead.
    if (HMAC(digest_of(algorithm), key.empty() ? "" : key.data(), static_cast<int>(key.size()),
             reinterpret_cast<unsigned char const*>(message.data()), message.size(), out.data(), &length) == nullptr)
        throw std::runtime_error("HMAC failed (OpenSSL)");
    return {reinterpret_cast<char const*>(out.data()), length};
}

std::string to_hex(std::string_view bytes) { return base::hex(bytes); }

// The per-signer HOTP key: HMAC-SHA256(secret, "signflow-otp-key/1\n" + binding).
std::string code_key(std::string_view secret, std::string_view binding) {
    std::string message = "signflow-otp-key/1\n";
    message += binding;
    return hmac(HashAlgorithm::sha256, secret, message);
}

// What is stored: hex HMAC-SHA256(secret, "signflow-otp-check/1\n" + binding
// + "\n" + counter + "\n" + code). The counter is inside, so a record cannot
// be copied onto another issue of the same binding.
std::string code_hash(std::string_view secret, std::string_view binding, std::uint64_t counter,
                      std::string_view code) {
    std::string message = "signflow-otp-check/1\n";
    message += binding;
    message += '\n';
    message += std::to_string(counter);
    message += '\n';
    message += code;
    return to_hex(hmac(HashAlgorithm::sha256, secret, message));
}

// The binding goes into HMAC messages with '\n' as separator: it must not
// hold one, or two bindings could give the same message.
void check_binding(std::string_view binding) {
    if (binding.empty()) throw std::invalid_argument("one-time code: the binding (\"envelope/role\") is empty");
    if (binding.find('\n') != std::string_view::npos)
        throw std::invalid_argument("one-time code: the binding holds a line break");
}

}  // namespace

std::string hotp(std::string_view key, std::uint64_t counter, int digits, HashAlgorithm algorithm) {
    if (digits < 1 || digits > 9)
        throw std::invalid_argument("HOTP digits: " + std::to_string(digits) + " (1 to 9; 31 bits hold 9 digits)");
    std::string moving_factor(8, '\0');
    for (int i = 7; i >= 0; --i, counter >>= 8) moving_factor[static_cast<std::size_t>(i)] = static_cast<char>(counter & 0xff);
    auto const mac = hmac(algorithm, key, moving_factor);
    // Dynamic truncation (RFC 4226 5.3): the low 4 bits of the last byte pick
    // where 4 bytes are read; the top bit is dropped so the number is the
    // same signed or unsigned.
    auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(mac[i])); };
    std::size_t const offset = byte(mac.size() - 1) & 0x0f;
    std::uint32_t const binary = ((byte(offset) & 0x7f) << 24) | (byte(offset + 1) << 16) | (byte(offset + 2) << 8) |
                                 byte(offset + 3);
    std::uint32_t modulus = 1;
    for (int i = 0; i < digits; ++i) modulus *= 10;
    auto code = std::to_string(binary % modulus);
    return std::string(static_cast<std::size_t>(digits) - code.size(), '0') + code;
}

std::string totp(std::string_view key, std::int64_t unix_seconds, int step, int digits, HashAlgorithm algorithm,
                 std::int64_t t0) {
    if (step <= 0) throw std::invalid_argument("TOTP step: " + std::to_string(step) + " (must be positive)");
    if (unix_seconds < t0) throw std::invalid_argument("TOTP time is before T0");
    return hotp(key, static_cast<std::uint64_t>((unix_seconds - t0) / step), digits, algorithm);
}

IssuedCode issue_code(std::string_view server_secret, std::string_view binding, std::uint64_t counter,
                      std::int64_t now_ms, CodePolicy const& policy) {
    if (server_secret.empty()) throw std::invalid_argument("one-time code: the server secret is empty");
    check_binding(binding);
    if (policy.digits < 6 || policy.digits > 9)
        throw std::invalid_argument("one-time code: digits " + std::to_string(policy.digits) + " (6 to 9)");
    if (policy.ttl_ms <= 0) throw std::invalid_argument("one-time code: the time to live must be positive");
    if (policy.max_attempts < 1) throw std::invalid_argument("one-time code: max_attempts must be at least 1");

    IssuedCode issued;
    issued.code = hotp(code_key(server_secret, binding), counter, policy.digits, HashAlgorithm::sha256);
    issued.record.hash = code_hash(server_secret, binding, counter, issued.code);
    issued.record.issued_ms = now_ms;
    issued.record.expires_ms = now_ms + policy.ttl_ms;
    issued.record.max_attempts = policy.max_attempts;
    issued.record.counter = counter;
    return issued;
}

bool is_locked(CodeRecord const& record) { return !record.used && record.attempts >= record.max_attempts; }

int attempts_left(CodeRecord const& record) {
    if (record.used || record.attempts >= record.max_attempts) return 0;
    return record.max_attempts - record.attempts;
}

CodeCheck check_code(CodeRecord& record, std::string_view server_secret, std::string_view binding,
                     std::string_view attempt, std::int64_t now_ms) {
    check_binding(binding);
    if (record.used) return CodeCheck::used;
    if (is_locked(record)) return CodeCheck::locked;
    if (now_ms >= record.expires_ms) return CodeCheck::expired;
    ++record.attempts;
    if (!equal_constant_time(code_hash(server_secret, binding, record.counter, attempt), record.hash))
        return CodeCheck::wrong;
    record.used = true;
    return CodeCheck::verified;
}

std::string_view to_string(CodeCheck check) {
    switch (check) {
        case CodeCheck::verified: return "verified";
        case CodeCheck::wrong: return "wrong";
        case CodeCheck::expired: return "expired";
        case CodeCheck::locked: return "locked";
        case CodeCheck::used: return "used";
    }
    return "unknown";
}

nlohmann::json to_json(CodeRecord const& r) {
    return {{"hash", r.hash},         {"issued_ms", r.issued_ms}, {"expires_ms", r.expires_ms},
            {"attempts", r.attempts}, {"max_attempts", r.max_attempts}, {"used", r.used},
            {"counter", r.counter}};
}

CodeRecord code_record_from_json(nlohmann::json const& j) {
    if (!j.is_object()) throw std::invalid_argument("code record: not a JSON object");
    auto field = [&](char const* name) -> nlohmann::json const& {
        auto it = j.find(name);
        if (it == j.end()) throw std::invalid_argument(std::string("code record: ") + name + ": missing");
        return *it;
    };
    auto wrong = [](char const* name, char const* what) {
        return std::invalid_argument(std::string("code record: ") + name + ": " + what);
    };
    CodeRecord r;
    auto const& hash = field("hash");
    if (!hash.is_string() || hash.get_ref<std::string const&>().size() != 64) throw wrong("hash", "not 64 hex digits");
    r.hash = hash.get<std::string>();
    for (auto [name, target] : {std::pair{"issued_ms", &r.issued_ms}, std::pair{"expires_ms", &r.expires_ms}}) {
        auto const& v = field(name);
        if (!v.is_number_integer()) throw wrong(name, "not an integer");
        *target = v.get<std::int64_t>();
    }
    for (auto [name, target] : {std::pair{"attempts", &r.attempts}, std::pair{"max_attempts", &r.max_attempts}}) {
        auto const& v = field(name);
        if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 1'000'000)
            throw wrong(name, "not a small non-negative integer");
        *target = v.get<int>();
    }
    auto const& used = field("used");
    if (!used.is_boolean()) throw wrong("used", "not true or false");
    r.used = used.get<bool>();
    auto const& counter = field("counter");
    if (!counter.is_number_unsigned() && !(counter.is_number_integer() && counter.get<std::int64_t>() >= 0))
        throw wrong("counter", "not a non-negative integer");
    r.counter = counter.get<std::uint64_t>();
    return r;
}

}  // namespace signflow::evidence
