#include "client_address.hpp"

#include "signflow/base/text.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>

namespace signflow::app {
namespace ip = boost::asio::ip;

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::optional<ip::address> parse_address(std::string_view text) {
    boost::system::error_code ec;
    auto a = ip::make_address(std::string(text), ec);
    if (ec) return std::nullopt;
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
    return a;
}

// "1.2.3.4:5678", "[::1]:5678", "::1" (no port) → the address.
std::optional<ip::address> peer_of(std::string_view remote) {
    if (!remote.empty() && remote.front() == '[') {
        auto end = remote.find(']');
        if (end == std::string_view::npos) return std::nullopt;
        return parse_address(remote.substr(1, end - 1));
    }
    if (auto a = parse_address(remote)) return a;
    auto colon = remote.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    return parse_address(remote.substr(0, colon));
}

// A Forwarded or X-Forwarded-For node: "192.0.2.60", "\"[2001:db8::1]:4711\"",
// "192.0.2.60:4711", "[2001:db8::1]".
std::optional<ip::address> node_address(std::string_view node) {
    node = trim(node);
    if (node.size() >= 2 && node.front() == '"' && node.back() == '"') node = node.substr(1, node.size() - 2);
    if (!node.empty() && node.front() == '[') return peer_of(node);
    if (auto a = parse_address(node)) return a;
    auto colon = node.find(':');
    if (colon != std::string_view::npos && node.find(':', colon + 1) == std::string_view::npos)
        return parse_address(node.substr(0, colon));  // IPv4 with a port
    return std::nullopt;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    while (true) {
        auto at = s.find(sep);
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) break;
        s.remove_prefix(at + 1);
    }
    return out;
}

using signflow::base::iequals;

std::string text_of(ip::address const& a) {
    return a.is_v6() ? "[" + a.to_string() + "]:0" : a.to_string() + ":0";
}

}  // namespace

void TrustedProxies::add(std::string_view cidr) {
    auto slash = cidr.find('/');
    auto base = parse_address(trim(cidr.substr(0, slash)));
    if (!base) throw std::invalid_argument("--trusted-proxy " + std::string(cidr) + ": not an IP address or CIDR");
    unsigned max = base->is_v4() ? 32 : 128, bits = max;
    if (slash != std::string_view::npos) {
        auto b = cidr.substr(slash + 1);
        if (b.empty() || b.size() > 3 || !std::all_of(b.begin(), b.end(), [](unsigned char c) { return std::isdigit(c); }) ||
            std::stoul(std::string(b)) > max)
            throw std::invalid_argument("--trusted-proxy " + std::string(cidr) + ": the prefix length must be 0 to " +
                                        std::to_string(max));
        bits = static_cast<unsigned>(std::stoul(std::string(b)));
    }
    nets_.push_back({*base, bits});
}

bool TrustedProxies::trusts(ip::address const& given) const {
    ip::address a = given;
    if (a.is_v6() && a.to_v6().is_v4_mapped()) a = ip::make_address_v4(ip::v4_mapped, a.to_v6());
    for (auto const& n : nets_) {
        if (n.base.is_v4() != a.is_v4()) continue;
        auto match = [&](auto const& x, auto const& y) {
            unsigned bits = n.bits;
            for (std::size_t i = 0; i < x.size() && bits > 0; ++i) {
                unsigned take = std::min(bits, 8u);
                unsigned mask = (0xffu << (8 - take)) & 0xffu;
                if ((x[i] & mask) != (y[i] & mask)) return false;
                bits -= take;
            }
            return true;
        };
        if (a.is_v4() ? match(a.to_v4().to_bytes(), n.base.to_v4().to_bytes())
                      : match(a.to_v6().to_bytes(), n.base.to_v6().to_bytes()))
            return true;
    }
    return false;
}

bool TrustedProxies::trusts(std::string_view address) const {
    auto a = parse_address(address);
    return a && trusts(*a);
}

ClientAddress client_address(http::Request const& req, TrustedProxies const& proxies) {
    ClientAddress out{req.remote, false};
    std::vector<std::string_view> xff, forwarded;
    for (auto const& [name, value] : req.headers) {
        if (iequals(name, "x-forwarded-for"))
            for (auto part : split(value, ',')) xff.push_back(part);
        else if (iequals(name, "forwarded"))
            for (auto element : split(value, ','))
                for (auto pair : split(element, ';')) {
                    pair = trim(pair);
                    if (pair.size() > 4 && iequals(pair.substr(0, 4), "for=")) forwarded.push_back(pair.substr(4));
                }
    }
    if (xff.empty() && forwarded.empty()) return out;
    auto peer = peer_of(req.remote);
    if (!peer || !proxies.trusts(*peer)) {
        out.forwarded_ignored = true;
        return out;
    }
    auto const& nodes = !xff.empty() ? xff : forwarded;
    ip::address client = *peer;
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
        auto a = node_address(*it);
        if (!a) break;  // "unknown", an obfuscated node, garbage: keep the last good one
        client = *a;
        if (!proxies.trusts(*a)) break;
    }
    out.remote = text_of(client);
    return out;
}

}  // namespace signflow::app
