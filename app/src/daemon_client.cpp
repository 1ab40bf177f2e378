#include "daemon_client.hpp"

#include "files.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace signflow::app {

void DaemonTarget::from_environment() {
    if (char const* u = std::getenv("SIGNFLOW_URL"); u && *u && url == "http://127.0.0.1:8080") url = u;
    if (char const* k = std::getenv("SIGNFLOW_API_KEY"); k && *k && key.empty()) key = k;
}

namespace {

struct Address {
    std::string host, port, base;  // base: what comes after the authority (a path prefix)
};

Address parse_url(std::string const& url) {
    std::string const scheme = "http://";
    if (url.rfind(scheme, 0) != 0)
        throw InputError("--url: `" + url + "` must start with http:// (put TLS in a proxy in front of the daemon)");
    std::string rest = url.substr(scheme.size());
    auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    Address a;
    a.base = slash == std::string::npos ? "" : rest.substr(slash);
    if (!a.base.empty() && a.base.back() == '/') a.base.pop_back();
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string::npos) throw InputError("--url: `" + url + "` has an unclosed [");
        a.host = authority.substr(1, close - 1);
        a.port = authority.size() > close + 2 ? authority.substr(close + 2) : "80";
    } else {
        auto colon = authority.rfind(':');
        a.host = authority.substr(0, colon);
        a.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
    }
    if (a.host.empty()) throw InputError("--url: `" + url + "` names no host");
    return a;
}

class Socket {
public:
    explicit Socket(int fd) : fd_(fd) {}
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    Socket(Socket const&) = delete;
    Socket& operator=(Socket const&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

}  // namespace

DaemonReply call_daemon(DaemonTarget const& target, std::string const& method, std::string const& path,
                        std::string const& body, std::string const& content_type) {
    Address a = parse_url(target.url);
    std::string where = a.host + ":" + a.port;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(a.host.c_str(), a.port.c_str(), &hints, &found); rc != 0)
        throw InputError("cannot reach the daemon at " + where + ": " + ::gai_strerror(rc));
    int fd = -1;
    std::string why = "no address";
    for (addrinfo* p = found; p && fd < 0; p = p->ai_next) {
        fd = ::socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
        if (fd < 0) continue;
        timeval timeout{60, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        if (::connect(fd, p->ai_addr, p->ai_addrlen) != 0) {
            why = std::strerror(errno);
            ::close(fd);
            fd = -1;
        }
    }
    ::freeaddrinfo(found);
    if (fd < 0) throw InputError("cannot reach the daemon at " + where + ": " + why + " (is `signflow serve` running?)");
    Socket socket(fd);

    std::string request = method + " " + a.base + path + " HTTP/1.1\r\nHost: " + where +
                          "\r\nConnection: close\r\nUser-Agent: signflow-cli\r\n";
    if (!target.key.empty()) request += "Authorization: Bearer " + target.key + "\r\n";
    if (!body.empty() || method == "POST")
        request += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n" + body;
    for (std::size_t sent = 0; sent < request.size();) {
        ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) throw InputError("the daemon at " + where + " closed the connection: " + std::strerror(errno));
        sent += static_cast<std::size_t>(n);
    }
    std::string response;
    char buffer[16384];
    for (;;) {
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n < 0) throw InputError("reading from the daemon at " + where + ": " + std::strerror(errno));
        if (n == 0) break;
        response.append(buffer, static_cast<std::size_t>(n));
    }
    // "HTTP/1.1 200 OK\r\n…\r\n\r\nbody" (the daemon sends Content-Length,
    // never chunks, and closes after Connection: close).
    auto end = response.find("\r\n\r\n");
    if (response.rfind("HTTP/1.", 0) != 0 || end == std::string::npos || response.size() < 12)
        throw InputError("the daemon at " + where + " did not answer in HTTP");
    DaemonReply reply;
    reply.status = std::atoi(response.c_str() + 9);
    reply.body = response.substr(end + 4);
    return reply;
}

}  // namespace signflow::app
