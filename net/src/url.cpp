// The one URL parser of outgoing calls (url.hpp).
#include "signflow/net/url.hpp"

#include <algorithm>
#include <cctype>

namespace signflow::net {

namespace {

std::string bracketed(std::string const& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

std::string Url::authority() const { return bracketed(host) + ":" + port; }

std::string Url::host_header() const {
    bool default_port = port == (https() ? "443" : "80");
    return default_port ? bracketed(host) : bracketed(host) + ":" + port;
}

std::optional<Url> parse_url(std::string const& text, std::string& error) {
    Url url;
    auto colon = text.find("://");
    if (colon == std::string::npos) {
        error = "not an absolute URL (expected http:// or https://)";
        return std::nullopt;
    }
    url.scheme = text.substr(0, colon);
    std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (url.scheme != "http" && url.scheme != "https") {
        error = "unsupported scheme `" + url.scheme + "` (expected http or https)";
        return std::nullopt;
    }
    auto rest = text.substr(colon + 3);
    auto slash = rest.find_first_of("/?#");
    std::string authority = rest.substr(0, slash);
    std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
    if (auto hash = target.find('#'); hash != std::string::npos) target.resize(hash);
    if (target.empty() || target[0] == '?') target = "/" + target;
    if (authority.find('@') != std::string::npos) {
        error = "credentials in the URL are not supported (use `token` or `headers`)";
        return std::nullopt;
    }
    if (!authority.empty() && authority[0] == '[') {
        auto close = authority.find(']');
        if (close == std::string::npos) {
            error = "unclosed `[` in the host";
            return std::nullopt;
        }
        url.host = authority.substr(1, close - 1);
        auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') {
                error = "unexpected text after the host";
                return std::nullopt;
            }
            url.port = after.substr(1);
        }
    } else {
        auto c = authority.rfind(':');
        url.host = authority.substr(0, c);
        if (c != std::string::npos) url.port = authority.substr(c + 1);
    }
    if (url.host.empty()) {
        error = "no host";
        return std::nullopt;
    }
    for (char c : url.host + target)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            error = "spaces or control characters (percent-encode them)";
            return std::nullopt;
        }
    if (url.port.empty()) url.port = url.https() ? "443" : "80";
    if (url.port.size() > 5 || !std::all_of(url.port.begin(), url.port.end(), [](unsigned char c) {
            return std::isdigit(c);
        }) || std::stoi(url.port) == 0 || std::stoi(url.port) > 65535) {
        error = "bad port `" + url.port + "`";
        return std::nullopt;
    }
    url.target = target;
    return url;
}

}  // namespace signflow::net
