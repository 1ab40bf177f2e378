#include "sign/http_post.hpp"

#include "signflow/documents/error.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>

namespace signflow::documents::sign_detail {

namespace {

using Clock = std::chrono::steady_clock;

// Answers larger than this are not timestamp replies: stop reading.
constexpr std::size_t max_answer = 1 << 20;

struct Url {
    std::string host, port = "80", path = "/";
};

Url parse_url(std::string const& url) {
    constexpr std::string_view scheme = "http://";
    if (url.rfind("https://", 0) == 0)
        throw DocumentError("TSA " + url + ": https is not supported; use the TSA's http:// address (tokens are "
                            "signed, so plain HTTP is safe)");
    if (url.rfind(scheme, 0) != 0) throw DocumentError("TSA URL " + url + " does not start with http://");
    std::string rest = url.substr(scheme.size());
    Url out;
    auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    if (slash != std::string::npos) out.path = rest.substr(slash);
    auto colon = authority.rfind(':');
    if (colon != std::string::npos && authority.find(']') == std::string::npos) {
        out.port = authority.substr(colon + 1);
        authority.resize(colon);
    }
    if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']')
        authority = authority.substr(1, authority.size() - 2);
    out.host = authority;
    if (out.host.empty() || out.port.empty()) throw DocumentError("TSA URL " + url + " has no host");
    return out;
}

struct Socket {
    int fd = -1;
    ~Socket() {
        if (fd >= 0) ::close(fd);
    }
};

int remaining_ms(Clock::time_point end) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Waits until `fd` is ready for `events` or the deadline passes.
void wait_for(int fd, short events, Clock::time_point end, std::string const& url, char const* doing) {
    for (;;) {
        pollfd p{fd, events, 0};
        int left = remaining_ms(end);
        if (left == 0) throw DocumentError("TSA " + url + ": no answer in time (" + doing + ")");
        int n = ::poll(&p, 1, left);
        if (n > 0) return;
        if (n == 0) throw DocumentError("TSA " + url + ": no answer in time (" + doing + ")");
        if (errno != EINTR) throw DocumentError("TSA " + url + ": " + std::strerror(errno));
    }
}

void connect_to(Socket& socket, Url const& target, std::string const& url, Clock::time_point end) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &found); rc != 0)
        throw DocumentError("TSA " + url + ": cannot resolve " + target.host + ": " + ::gai_strerror(rc));
    std::string last_error = "no address";
    for (addrinfo* a = found; a; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
            try {
                wait_for(fd, POLLOUT, end, url, "connecting");
            } catch (...) {
                ::close(fd);
                ::freeaddrinfo(found);
                throw;
            }
            int error = 0;
            socklen_t length = sizeof error;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
            if (error == 0) {
                socket.fd = fd;
                ::freeaddrinfo(found);
                return;
            }
            last_error = std::strerror(error);
        } else {
            last_error = std::strerror(errno);
        }
        ::close(fd);
    }
    ::freeaddrinfo(found);
    throw DocumentError("TSA " + url + " is not reachable: " + last_error);
}

// Decodes a chunked body; false when it is malformed or incomplete.
bool dechunk(std::string_view in, std::string& out) {
    std::size_t at = 0;
    for (;;) {
        auto line_end = in.find("\r\n", at);
        if (line_end == std::string_view::npos) return false;
        std::size_t size = 0;
        auto [p, ec] = std::from_chars(in.data() + at, in.data() + line_end, size, 16);
        if (ec != std::errc{} || p == in.data() + at) return false;
        at = line_end + 2;
        if (size == 0) return true;
        if (in.size() - at < size + 2) return false;
        out.append(in.substr(at, size));
        at += size + 2;
    }
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

HttpAnswer http_post(std::string const& url, std::string_view content_type, std::string_view body,
                     std::chrono::milliseconds deadline) {
    Url target = parse_url(url);
    auto end = Clock::now() + deadline;
    Socket socket;
    connect_to(socket, target, url, end);

    std::string request = "POST " + target.path + " HTTP/1.1\r\nHost: " + target.host +
                          (target.port == "80" ? "" : ":" + target.port) + "\r\nContent-Type: " +
                          std::string(content_type) + "\r\nContent-Length: " + std::to_string(body.size()) +
                          "\r\nConnection: close\r\nUser-Agent: signflow\r\n\r\n";
    request.append(body);
    for (std::size_t sent = 0; sent < request.size();) {
        wait_for(socket.fd, POLLOUT, end, url, "sending");
        ssize_t n = ::send(socket.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            throw DocumentError("TSA " + url + ": sending failed: " + std::strerror(errno));
        if (n > 0) sent += static_cast<std::size_t>(n);
    }

    std::string raw;
    char buffer[16384];
    for (;;) {
        wait_for(socket.fd, POLLIN, end, url, "reading the answer");
        ssize_t n = ::recv(socket.fd, buffer, sizeof buffer, 0);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            throw DocumentError("TSA " + url + ": reading failed: " + std::strerror(errno));
        }
        raw.append(buffer, static_cast<std::size_t>(n));
        if (raw.size() > max_answer) throw DocumentError("TSA " + url + ": the answer is larger than 1 MB");
        // Stop as soon as a Content-Length body is complete (some servers keep the connection).
        if (auto head_end = raw.find("\r\n\r\n"); head_end != std::string::npos) {
            auto head = lower(std::string_view(raw).substr(0, head_end));
            if (auto cl = head.find("\r\ncontent-length:"); cl != std::string::npos) {
                std::size_t length = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
                if (raw.size() >= head_end + 4 + length) break;
            }
        }
    }

    auto head_end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos || raw.size() < 12)
        throw DocumentError("TSA " + url + ": the answer is not HTTP");
    HttpAnswer answer;
    answer.status = std::atoi(raw.c_str() + 9);
    std::string head = lower(std::string_view(raw).substr(0, head_end));
    std::string_view rest = std::string_view(raw).substr(head_end + 4);
    if (auto ct = head.find("\r\ncontent-type:"); ct != std::string::npos) {
        auto value_end = head.find("\r\n", ct + 2);
        answer.content_type = head.substr(ct + 15, value_end == std::string::npos ? std::string::npos : value_end - ct - 15);
        answer.content_type.erase(0, answer.content_type.find_first_not_of(' '));
    }
    if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
        if (!dechunk(rest, answer.body)) throw DocumentError("TSA " + url + ": a malformed chunked answer");
    } else if (auto cl = head.find("\r\ncontent-length:"); cl != std::string::npos) {
        std::size_t length = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
        if (rest.size() < length) throw DocumentError("TSA " + url + ": the answer was cut short");
        answer.body = rest.substr(0, length);
    } else {
        answer.body = rest;
    }
    return answer;
}

}  // namespace signflow::documents::sign_detail
