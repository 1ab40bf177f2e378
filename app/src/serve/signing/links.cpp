#include "links.hpp"

#include "signflow/base/digest.hpp"
#include "signflow/base/text.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace signflow::app::signing {

namespace {

constexpr std::size_t token_bytes = 32;  // 256 bits
constexpr std::size_t token_chars = 43;  // base64url without padding

std::string base64url(unsigned char const* data, std::size_t n) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < n; ++i) {
        acc = (acc << 8) | data[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += alphabet[(acc >> bits) & 63];
        }
    }
    if (bits > 0) out += alphabet[(acc << (6 - bits)) & 63];
    return out;
}

}  // namespace

bool token_shaped(std::string_view token) {
    if (token.size() != token_chars) return false;
    for (char c : token)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    return true;
}

Links::Links(storage::AccessStore& store, std::string base, LinkLifetimes lifetimes)
    : store_(store), lifetimes_(lifetimes) {
    set_base(std::move(base));
}

bool Links::expired(storage::SigningTokenRecord const& link, std::int64_t now_ms) const {
    // Links that only read (a signed copy, a `cc` copy) live as long as a download.
    if (link.expires_ms > 0) return now_ms >= link.expires_ms;  // an embed link or session: its own lifetime
    std::int64_t days = link.purpose == "sign" ? lifetimes_.sign_days : lifetimes_.download_days;
    return now_ms - link.created_ms > days * std::int64_t{86'400'000};
}

void Links::set_base(std::string base) {
    while (!base.empty() && base.back() == '/') base.pop_back();
    {
        std::lock_guard lock(mutex_);
        base_ = std::move(base);
    }
    known_.notify_all();
}

std::string Links::base() const {
    std::lock_guard lock(mutex_);
    return base_;
}

std::string origin_of_url(std::string const& url) {
    std::string_view u = url;
    std::size_t scheme = u.starts_with("https://") ? 8 : u.starts_with("http://") ? 7 : 0;
    if (!scheme) return {};
    std::size_t end = u.find_first_of("/?#", scheme);
    std::string origin(u.substr(0, end));
    return origin_problem(origin).empty() ? origin : std::string();
}

std::string origin_problem(std::string const& origin) {
    std::string_view o = origin;
    std::size_t scheme = o.starts_with("https://") ? 8 : o.starts_with("http://") ? 7 : 0;
    if (!scheme) return "an origin starts with https:// or http://";
    std::string_view rest = o.substr(scheme);
    if (rest.empty()) return "an origin names a host";
    if (rest.size() > 253) return "the host is too long";
    std::size_t colon = rest.rfind(':');
    std::string_view host = colon == std::string_view::npos ? rest : rest.substr(0, colon);
    if (host.empty()) return "an origin names a host";
    for (char c : host)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return "the host may hold lower-case letters, digits, '-' and '.' only (no path, no user, no '*')";
    if (colon != std::string_view::npos) {
        std::string_view port = rest.substr(colon + 1);
        if (port.empty() || port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535)
            return "the port is a number from 1 to 65535";
    }
    return {};
}

std::string Links::mint(std::int64_t envelope, std::string const& role, std::string const& purpose) {
    return mint(envelope, role, purpose, 0, {});
}

bool Links::use(storage::SigningTokenRecord const& link) { return store_.use_signing_token(link.hash, base::now_ms()); }

std::string Links::mint(std::int64_t envelope, std::string const& role, std::string const& purpose,
                        std::int64_t expires_ms, std::string const& detail) {
    unsigned char random[token_bytes];
    if (RAND_bytes(random, sizeof random) != 1) throw std::runtime_error("no random bytes for a signing link");
    std::string token = base64url(random, sizeof random);
    storage::SigningTokenRecord record;
    record.hash = signflow::base::sha256_hex(token);  // only the hash is stored
    record.envelope = envelope;
    record.role = role;
    record.purpose = purpose;
    record.created_ms = base::now_ms();
    record.expires_ms = expires_ms;
    record.detail = detail;
    std::string base;
    {
        // Messages may be sent before the daemon listens (it resumes its
        // outbox first): they wait for its address.
        std::unique_lock lock(mutex_);
        if (!known_.wait_for(lock, std::chrono::seconds(30), [&] { return !base_.empty(); }))
            throw std::runtime_error("the daemon's address for signing links is not known yet");
        base = base_;
    }
    store_.add_signing_token(record);
    return base + "/sign/" + token;
}

std::optional<storage::SigningTokenRecord> Links::resolve(std::string const& token) {
    if (!token_shaped(token)) return std::nullopt;
    return store_.find_signing_token(signflow::base::sha256_hex(token));
}

}  // namespace signflow::app::signing
