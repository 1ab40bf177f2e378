// The HTTP client: Beast over a tcp_stream (and OpenSSL for https), driven
// one asynchronous step at a time on a private io_context so that every
// step honours the call's single deadline. The only translation unit of
// signflow's outgoing calls that includes Beast.
#include "signflow/net/client.hpp"

#include "signflow/base/text.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/x509.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>

#ifndef SIGNFLOW_VERSION
#define SIGNFLOW_VERSION "dev"
#endif

namespace signflow::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Runs one asynchronous operation to its end: the operation's own deadline
// (tcp_stream's expiry) ends it, so run() always returns.
template <class Start>
beast::error_code step(asio::io_context& ioc, Start&& start) {
    beast::error_code result = asio::error::would_block;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
}

// What a failed step means to an operator: "Connection refused", "timed
// out", or the TLS library's reason ("certificate verify failed").
std::string describe(beast::error_code const& ec) {
    if (ec == beast::error::timeout) return "timed out";
    return ec.message();
}

class Call {
public:
    Call(Request const& request, Url url)
        : request_(request), url_(std::move(url)), deadline_(Clock::now() + request.timeout) {}

    Response run() {
        tcp::resolver::results_type endpoints;
        if (!resolve(endpoints)) return std::move(out_);
        if (url_.https()) {
            asio::ssl::context tls(asio::ssl::context::tls_client);
            if (!configure(tls)) return std::move(out_);
            beast::ssl_stream<beast::tcp_stream> stream(ioc_, tls);
            if (!SSL_set_tlsext_host_name(stream.native_handle(), url_.host.c_str())) {
                fail("cannot set the TLS server name");
                return std::move(out_);
            }
            stream.set_verify_callback(asio::ssl::host_name_verification(url_.host));
            auto& lowest = beast::get_lowest_layer(stream);
            lowest.expires_at(deadline_);
            if (!connect(lowest, endpoints)) return std::move(out_);
            if (auto ec = step(ioc_, [&](auto h) { stream.async_handshake(asio::ssl::stream_base::client, h); })) {
                // Say why the certificate was refused ("self-signed
                // certificate", "hostname mismatch"), not only that it was.
                long verify = SSL_get_verify_result(stream.native_handle());
                fail(verify == X509_V_OK ? std::string("TLS handshake")
                                         : std::string("TLS handshake (") + X509_verify_cert_error_string(verify) + ")",
                     ec);
                return std::move(out_);
            }
            exchange(stream);
            // No close_notify: the answer is complete, and a peer that never
            // answers the shutdown would cost the deadline.
        } else {
            beast::tcp_stream stream(ioc_);
            stream.expires_at(deadline_);
            if (!connect(stream, endpoints)) return std::move(out_);
            exchange(stream);
        }
        return std::move(out_);
    }

private:
    void fail(std::string what, beast::error_code const& ec = {}) {
        out_.answered = false;
        out_.timed_out = ec == beast::error::timeout || ec == asio::error::operation_aborted;
        out_.error = what + (ec ? ": " + (out_.timed_out ? "timed out" : describe(ec)) : "");
    }

    bool resolve(tcp::resolver::results_type& endpoints) {
        // The resolver has no deadline of its own: a timer cancels it.
        tcp::resolver resolver(ioc_);
        asio::steady_timer timer(ioc_, deadline_);
        beast::error_code result = asio::error::would_block;
        timer.async_wait([&](beast::error_code ec) {
            if (!ec) resolver.cancel();
        });
        resolver.async_resolve(url_.host, url_.port, [&](beast::error_code ec, tcp::resolver::results_type r) {
            result = ec;
            endpoints = std::move(r);
            timer.cancel();
        });
        ioc_.run();
        if (result == asio::error::operation_aborted) result = beast::error::timeout;
        if (result) fail("cannot resolve " + url_.host, result);
        return !result;
    }

    bool configure(asio::ssl::context& tls) {
        beast::error_code ec;
        tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
        if (request_.ca_file.empty())
            tls.set_default_verify_paths(ec);
        else
            tls.load_verify_file(request_.ca_file, ec);
        if (ec) {
            fail(request_.ca_file.empty() ? "cannot read the system's trusted certificates"
                                          : "cannot read ca_file " + request_.ca_file,
                 ec);
            return false;
        }
        tls.set_verify_mode(asio::ssl::verify_peer);
        return true;
    }

    bool connect(beast::tcp_stream& stream, tcp::resolver::results_type const& endpoints) {
        auto ec = step(ioc_, [&](auto h) { stream.async_connect(endpoints, h); });
        if (ec) fail("cannot connect", ec);
        return !ec;
    }

    template <class Stream>
    void exchange(Stream& stream) {
        bhttp::request<bhttp::string_body> req;
        auto verb = bhttp::string_to_verb(request_.method);
        if (verb == bhttp::verb::unknown)
            req.method_string(request_.method);
        else
            req.method(verb);
        req.target(url_.target);
        req.version(11);
        req.set(bhttp::field::host, url_.host_header());
        req.set(bhttp::field::connection, "close");
        req.set(bhttp::field::user_agent, user_agent());
        for (auto const& [name, value] : request_.headers) req.set(name, value);
        req.body() = request_.body;
        req.prepare_payload();
        if (auto ec = step(ioc_, [&](auto h) { bhttp::async_write(stream, req, h); })) {
            fail("cannot send the request", ec);
            return;
        }

        beast::flat_buffer buffer;
        bhttp::response_parser<bhttp::string_body> parser;
        parser.header_limit(64 * 1024);
        parser.body_limit(request_.max_body);
        auto ec = step(ioc_, [&](auto h) { bhttp::async_read(stream, buffer, parser, h); });
        bool cut = ec == bhttp::error::body_limit && parser.is_header_done();
        if (ec && !cut) {
            fail(ec == bhttp::error::end_of_stream || ec == asio::error::eof ? "the connection closed without an answer"
                                                                            : "cannot read the answer",
                 ec == bhttp::error::end_of_stream ? beast::error_code{} : ec);
            return;
        }
        auto& res = parser.get();
        out_.answered = true;
        out_.status = static_cast<int>(res.result_int());
        for (auto const& field : res) out_.headers.emplace_back(field.name_string(), field.value());
        out_.truncated = cut;
        out_.body = std::move(res.body());
        if (out_.body.size() > request_.max_body) out_.body.resize(request_.max_body);
    }

    Request const& request_;
    Url url_;
    Clock::time_point deadline_;
    asio::io_context ioc_{1};
    Response out_;
};

}  // namespace

bool valid_header_value(std::string const& value) {
    return value.find_first_of(std::string("\r\n\0", 3)) == std::string::npos;
}

std::string user_agent() { return "signflow/" SIGNFLOW_VERSION; }

std::string const* Response::header(std::string const& name) const {
    for (auto const& [n, v] : headers)
        if (base::iequals(n, name)) return &v;
    return nullptr;
}

Response send(Request const& request) {
    std::string error;
    auto url = parse_url(request.url, error);
    if (!url) {
        Response out;
        out.error = "bad URL: " + error;
        return out;
    }
    return Call(request, std::move(*url)).run();
}

}  // namespace signflow::net
