// The dashboard's page and the embedded static files (dashboard.hpp).
#include "dashboard.hpp"

#include "api_util.hpp"
#include "views.hpp"

#include "signflow/web/assets.hpp"

#include <string_view>

namespace signflow::app {

namespace {

// Nothing from elsewhere, nothing inline: a script injected into a page
// through data (an envelope's name, a rule's diagnostic) cannot run, and the
// page cannot be framed (clickjacking) or post a form to another site.
constexpr std::string_view content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// If-None-Match (RFC 9110 §13.1.2): "*" or a list of entity tags, compared
// weakly (a W/ prefix does not matter for a GET).
bool matches(std::string const* if_none_match, std::string_view etag) {
    if (!if_none_match) return false;
    std::string_view list = *if_none_match;
    while (!list.empty()) {
        auto comma = list.find(',');
        auto tag = trim(list.substr(0, comma));
        if (tag == "*") return true;
        if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
        if (tag == etag) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

http::Response serve(http::Request const& req, web::Asset const& asset) {
    http::Response r;
    add_page_headers(r);
    r.headers.emplace_back("ETag", std::string(asset.etag));
    r.headers.emplace_back("Cache-Control", "no-cache");
    if (matches(req.header("if-none-match"), asset.etag)) {
        r.status = 304;
        r.content_type.clear();
        return r;
    }
    r.content_type = std::string(asset.content_type);
    r.body = std::string(asset.bytes);
    return r;
}

http::Response not_found_page(std::string_view what) {
    http::Response r;
    add_page_headers(r);
    r.status = 404;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::string(what) + "\n";
    return r;
}

}  // namespace

void add_page_headers(http::Response& r) {
    r.headers.emplace_back("Content-Security-Policy", std::string(content_security_policy));
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    r.headers.emplace_back("X-Frame-Options", "DENY");
}

Routes make_asset_routes() {
    return [](http::Request& req, http::Respond& respond) {
        constexpr std::string_view prefix = "/assets/";
        if (std::string_view(req.path).substr(0, prefix.size()) != prefix) return false;
        if (req.method != "GET") {
            respond(method_not_allowed("GET"));
            return true;
        }
        auto const* asset = web::find_asset(std::string_view(req.path).substr(prefix.size()));
        if (!asset) {
            respond(not_found_page("no such asset: " + req.path));
            return true;
        }
        respond(serve(req, *asset));
        return true;
    };
}

Routes make_dashboard_routes() {
    return [](http::Request& req, http::Respond& respond) {
        if (req.path != "/") return false;
        if (req.method != "GET") {
            respond(method_not_allowed("GET"));
            return true;
        }
        auto const* page = web::find_asset("dashboard.html");
        if (!page) {
            respond(not_found_page("this build has no dashboard (web/assets/dashboard.html)"));
            return true;
        }
        respond(serve(req, *page));
        return true;
    };
}

Routes make_quota_routes(engine::Runtime& runtime) {
    return [&runtime](http::Request& req, http::Respond& respond) {
        if (req.path != "/v1/quotas") return false;
        if (req.method != "GET") {
            respond(method_not_allowed("GET"));
            return true;
        }
        respond(reply_json(200, quotas_json(runtime.quotas())));
        return true;
    };
}

}  // namespace signflow::app
