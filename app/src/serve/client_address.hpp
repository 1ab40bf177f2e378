#pragma once
// The client behind a trusted reverse proxy (`serve --trusted-proxy`): from
// those proxies only, the client's address is taken from X-Forwarded-For or
// Forwarded, so that the audit trail and the rate limits see the signer,
// not the proxy. Anyone else's forwarding headers are ignored (and
// reported): a client cannot choose the address it is recorded under.
#include "signflow/http/server.hpp"

#include <boost/asio/ip/address.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace signflow::app {

class TrustedProxies {
public:
    // "10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::1". Throws
    // std::invalid_argument naming what is wrong.
    void add(std::string_view cidr);
    bool empty() const { return nets_.empty(); }
    bool trusts(boost::asio::ip::address const& a) const;
    bool trusts(std::string_view address) const;  // false for text that is not an address

private:
    struct Net {
        boost::asio::ip::address base;
        unsigned bits = 0;
    };
    std::vector<Net> nets_;
};

struct ClientAddress {
    std::string remote;              // "ip:port" or "[ip]:port" (port 0 when it came from a header)
    bool forwarded_ignored = false;  // forwarding headers from a peer that is not a trusted proxy
};

// The request's client: its TCP peer, unless the peer is a trusted proxy and
// says who it forwards for. X-Forwarded-For (every such header, in order)
// is read from the right: proxies append, so the first address that is not
// a trusted proxy is the client (a client can prepend anything it likes).
// Without it, the Forwarded header's for= (RFC 7239), read the same way.
// An entry that is not an address ends the walk at the last good one.
ClientAddress client_address(http::Request const& req, TrustedProxies const& proxies);

}  // namespace signflow::app
