// The SMTP session, one step at a time on a private io_context: every step
// runs until it completes or the session's deadline passes, when the socket
// is closed and the step reports a timeout. The stream is the plain socket
// until STARTTLS (or from the start with implicit TLS), then an SSL stream
// over the same socket.
#include "email/smtp.hpp"
#include "messages/encoding.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <set>
#include <utility>

namespace signflow::connectors::email {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

// A reply longer than this is not an SMTP server talking.
constexpr std::size_t max_reply = 64 * 1024;

struct Reply {
    int code = 0;
    std::vector<std::string> lines;  // the text after "250-" / "250 "
    std::string text() const {
        std::string out = std::to_string(code);
        for (std::size_t i = 0; i < lines.size() && i < 3; ++i) out += (i ? " / " : " ") + lines[i];
        return out;
    }
};

// The body for DATA: CRLF line ends, a dot doubled at the start of a line
// (RFC 5321 §4.5.2), and the terminating "." line.
std::string dot_stuffed(std::string const& mime) {
    std::string out;
    out.reserve(mime.size() + 64);
    bool line_start = true;
    for (char c : mime) {
        if (line_start && c == '.') out += '.';
        out += c;
        line_start = c == '\n';
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out + ".\r\n";
}

class Session {
public:
    Session(SmtpSettings const& settings) : s_(settings), deadline_(Clock::now() + settings.timeout) {}

    SendOutcome run(MailMessage const& message) {
        if (!connect()) return out_;
        if (s_.tls == Tls::implicit && !handshake()) return out_;
        Reply r;
        if (!expect("greeting", r, 2)) return out_;
        if (!hello()) return out_;
        bool const offered = caps_.count("STARTTLS") > 0;
        if (!tls_ && (s_.tls == Tls::starttls || (s_.tls == Tls::opportunistic && offered))) {
            if (!offered) return fail("the server does not offer STARTTLS (starttls = true requires it)", true);
            if (!command("STARTTLS", "STARTTLS", r, 2) || !handshake() || !hello()) return out_;
        }
        if (!s_.username.empty() && !authenticate()) return out_;
        std::string mime;
        try {
            mime = to_mime(message, MimeOptions{caps_.count("8BITMIME") > 0});
        } catch (std::exception const& e) {
            return fail(e.what(), true);
        }
        std::string from = "MAIL FROM:<" + message.from.address + ">";
        if (caps_.count("8BITMIME")) from += " BODY=8BITMIME";
        if (!command(from, "MAIL FROM", r, 2)) return out_;
        for (auto const& to : message.to)
            if (!command("RCPT TO:<" + to.address + ">", "RCPT TO <" + to.address + ">", r, 2)) return out_;
        if (!command("DATA", "DATA", r, 3)) return out_;
        if (!write(dot_stuffed(mime), "the message")) return out_;
        if (!expect("the end of DATA", r, 2)) return out_;
        out_.ok = true;
        out_.receipt = r.text();
        // QUIT is a courtesy: the message is accepted whatever happens next.
        if (write("QUIT\r\n", "QUIT")) read_reply(r);
        out_.error.clear();
        return out_;
    }

private:
    std::string where() const { return "smtp " + s_.host + ":" + s_.port; }

    SendOutcome& fail(std::string const& what, bool permanent, error_code ec = {}) {
        out_.ok = false;
        out_.permanent = permanent;
        out_.error = where() + ": " + what;
        if (ec) out_.error += ": " + (ec == asio::error::timed_out ? std::string("timed out") : ec.message());
        return out_;
    }

    // Runs the started operation until it completes or the deadline passes;
    // then `cancel` ends it (by default closing the socket, which ends any
    // read, write, connect or handshake on it).
    template <class Start>
    error_code step(Start&& start) {
        return step(std::forward<Start>(start), [this] {
            error_code ignored;
            socket_.close(ignored);
        });
    }

    template <class Start, class Cancel>
    error_code step(Start&& start, Cancel&& cancel) {
        error_code result = asio::error::would_block;
        bool done = false;
        start([&](error_code ec, auto&&...) {
            result = ec;
            done = true;
        });
        ioc_.restart();
        ioc_.run_until(deadline_);
        if (!done) {
            cancel();
            ioc_.restart();
            ioc_.run();
            return asio::error::timed_out;
        }
        return result;
    }

    bool connect() {
        tcp::resolver resolver(ioc_);
        tcp::resolver::results_type endpoints;
        auto ec = step(
            [&](auto h) {
                resolver.async_resolve(s_.host, s_.port,
                                       [&endpoints, h](error_code e, tcp::resolver::results_type r) mutable {
                                           endpoints = std::move(r);
                                           h(e);
                                       });
            },
            [&] { resolver.cancel(); });
        if (ec) return fail("cannot resolve " + s_.host, false, ec), false;
        ec = step([&](auto h) { asio::async_connect(socket_, endpoints, h); });
        if (ec) return fail("cannot connect", false, ec), false;
        return true;
    }

    bool handshake() {
        tls_context_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
        auto& ctx = *tls_context_;
        error_code ec;
        ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
        if (s_.ca_file.empty())
            ctx.set_default_verify_paths(ec);
        else
            ctx.load_verify_file(s_.ca_file, ec);
        if (ec)
            return fail(s_.ca_file.empty() ? "cannot read the system's trusted certificates"
                                           : "cannot read ca_file " + s_.ca_file,
                        true, ec),
                   false;
        ctx.set_verify_mode(asio::ssl::verify_peer);
        tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, ctx);
        SSL_set_tlsext_host_name(tls_->native_handle(), s_.host.c_str());
        tls_->set_verify_callback(asio::ssl::host_name_verification(s_.host));
        ec = step([&](auto h) { tls_->async_handshake(asio::ssl::stream_base::client, h); });
        if (ec) {
            long verify = SSL_get_verify_result(tls_->native_handle());
            // A certificate problem will not mend itself by retrying soon,
            // but certificates get renewed: still worth the retries.
            return fail(verify == X509_V_OK ? std::string("TLS handshake")
                                            : std::string("TLS handshake (") + X509_verify_cert_error_string(verify) + ")",
                        false, ec),
                   false;
        }
        buffer_.consume(buffer_.size());  // nothing read before STARTTLS may count (RFC 3207 §4.2)
        return true;
    }

    bool write(std::string const& data, std::string const& what) {
        error_code ec = tls_ ? step([&](auto h) { asio::async_write(*tls_, asio::buffer(data), h); })
                             : step([&](auto h) { asio::async_write(socket_, asio::buffer(data), h); });
        if (ec) return fail("cannot send " + what, false, ec), false;
        return true;
    }

    // One reply: lines "250-…" up to the last "250 …".
    bool read_reply(Reply& r) {
        r = Reply{};
        for (;;) {
            error_code ec = tls_ ? step([&](auto h) { asio::async_read_until(*tls_, buffer_, "\r\n", h); })
                                 : step([&](auto h) { asio::async_read_until(socket_, buffer_, "\r\n", h); });
            if (ec) {
                bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
                fail(closed ? "the server closed the connection" : "cannot read the reply", false,
                     closed ? error_code{} : ec);
                return false;
            }
            std::string line;
            std::istream in(&buffer_);
            std::getline(in, line);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
                !std::isdigit(static_cast<unsigned char>(line[1])) || !std::isdigit(static_cast<unsigned char>(line[2])) ||
                (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
                fail("not an SMTP reply: `" + line.substr(0, 80) + "`", false);
                return false;
            }
            r.code = std::stoi(line.substr(0, 3));
            r.lines.push_back(line.size() > 4 ? line.substr(4) : "");
            if (r.lines.size() > 200) return fail("a reply of more than 200 lines", false), false;
            if (line.size() == 3 || line[3] == ' ') return true;
        }
    }

    // A reply whose first digit is `want`; anything else fails the session:
    // 5xx permanently, the rest (4xx, a surprise) for another attempt.
    bool expect(std::string const& what, Reply& r, int want) {
        if (!read_reply(r)) return false;
        if (r.code / 100 == want) return true;
        fail(what + ": " + r.text(), r.code >= 500 && r.code < 600);
        return false;
    }

    bool command(std::string const& line, std::string const& what, Reply& r, int want) {
        return write(line + "\r\n", what) && expect(what, r, want);
    }

    bool hello() {
        Reply r;
        if (!command("EHLO " + s_.helo, "EHLO", r, 2)) return false;
        caps_.clear();
        auth_.clear();
        for (std::size_t i = 1; i < r.lines.size(); ++i) {
            std::string word = r.lines[i].substr(0, r.lines[i].find(' '));
            std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::toupper(c); });
            caps_.insert(word);
            if (word == "AUTH") {
                std::string rest = r.lines[i].size() > 5 ? r.lines[i].substr(5) : "";
                std::transform(rest.begin(), rest.end(), rest.begin(), [](unsigned char c) { return std::toupper(c); });
                auth_ = " " + rest + " ";
            }
        }
        return true;
    }

    bool authenticate() {
        if (!tls_ && !loopback(s_.host))
            return fail("refusing to send the password to " + s_.host +
                            " without TLS (set starttls = true or tls = true, or use a relay on 127.0.0.1)",
                        true),
                   false;
        Reply r;
        if (auth_.empty()) {
            // A local relay that does not ask for a password: nothing to prove.
            if (loopback(s_.host)) return true;
            return fail("the server offers no AUTH but `username` is set", true), false;
        }
        using messages_detail::base64;
        if (auth_.find(" PLAIN ") != std::string::npos) {
            std::string token = base64(std::string(1, '\0') + s_.username + std::string(1, '\0') + s_.password, 0);
            if (!write("AUTH PLAIN " + token + "\r\n", "AUTH PLAIN")) return false;
        } else if (auth_.find(" LOGIN ") != std::string::npos) {
            if (!command("AUTH LOGIN", "AUTH LOGIN", r, 3)) return false;
            if (!command(base64(s_.username, 0), "AUTH LOGIN (user name)", r, 3)) return false;
            if (!write(base64(s_.password, 0) + "\r\n", "AUTH LOGIN")) return false;
        } else {
            return fail("the server offers neither AUTH PLAIN nor LOGIN (it offers" + auth_ + ")", true), false;
        }
        if (!read_reply(r)) return false;
        if (r.code / 100 == 2) return true;
        // 535: the credentials are wrong; 454: temporary.
        fail("AUTH: " + r.text(), r.code >= 500);
        return false;
    }

    SmtpSettings const& s_;
    Clock::time_point deadline_;
    asio::io_context ioc_{1};
    tcp::socket socket_{ioc_};
    std::unique_ptr<asio::ssl::context> tls_context_;
    std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;
    asio::streambuf buffer_{max_reply};
    std::set<std::string> caps_;
    std::string auth_;  // " PLAIN LOGIN " as the server lists them
    SendOutcome out_;
};

}  // namespace

bool loopback(std::string const& host) {
    if (host == "localhost") return true;
    error_code ec;
    auto address = asio::ip::make_address(host, ec);
    return !ec && address.is_loopback();
}

SendOutcome send_mail(SmtpSettings const& settings, MailMessage const& message) {
    return Session(settings).run(message);
}

}  // namespace signflow::connectors::email
