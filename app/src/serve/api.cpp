#include "api.hpp"

#include "certificate.hpp"

#include "signflow/documents/attachments.hpp"
#include "signflow/documents/error.hpp"

#include <nlohmann/json.hpp>

#include <chrono>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string_view>
#include <vector>

namespace signflow::app {
using nlohmann::json;

namespace {

http::Response reply_json(int status, json const& body) {
    http::Response r;
    r.status = status;
    // A name from the path may be any bytes (`%FF`): answers echo it, so
    // invalid UTF-8 is replaced rather than thrown on (on whatever thread
    // answers: the committer's, after a commit).
    r.body = body.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    return r;
}

http::Response error(int status, std::string message, json extra = json::object()) {
    extra["error"] = std::move(message);
    return reply_json(status, extra);
}

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        if (path.front() == '/') {
            path.remove_prefix(1);
            continue;
        }
        auto end = path.find('/');
        out.push_back(path.substr(0, end));
        if (end == std::string_view::npos) break;
        path.remove_prefix(end);
    }
    return out;
}

bool parse_id(std::string_view s, std::int64_t& id) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    return ec == std::errc() && p == s.data() + s.size() && id > 0;
}

// Where in the body a JSON syntax error is, as line:column.
std::string position(std::string const& body, std::size_t byte) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < byte && i < body.size(); ++i) {
        if (body[i] == '\n') ++line, col = 1;
        else ++col;
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

// Parses a JSON body; on failure fills `bad` with the 4xx to answer.
bool read_json(http::Request const& req, json& out, http::Response& bad, bool required) {
    if (req.body.empty() && !required) {
        out = json::object();
        return true;
    }
    auto const* type = req.header("content-type");
    std::string_view t = type ? std::string_view(*type) : std::string_view();
    if (t.substr(0, t.find(';')) != "application/json") {
        bad = error(415, "the body must be JSON, sent with Content-Type: application/json",
                    {{"content_type", type ? *type : std::string("(none)")}});
        return false;
    }
    if (req.body.empty()) {
        bad = error(400, "the body is empty; send a JSON object");
        return false;
    }
    try {
        out = json::parse(req.body);
    } catch (json::parse_error const& e) {
        std::string what = e.what();
        if (auto p = what.find("parse error"); p != std::string::npos) what = what.substr(p);
        bad = error(400, "the body is not valid JSON at " + position(req.body, e.byte), {{"detail", what}});
        return false;
    }
    if (!out.is_object()) {
        bad = error(400, "the body must be a JSON object ({…}), not " + std::string(out.type_name()));
        return false;
    }
    return true;
}

bool idempotency_key(http::Request const& req, std::string& key, http::Response& bad) {
    auto const* k = req.header("idempotency-key");
    if (!k) return true;
    if (k->empty() || k->size() > 255) {
        bad = error(400, "Idempotency-Key must be 1 to 255 characters");
        return false;
    }
    for (unsigned char c : *k)
        if (c < 0x21 || c > 0x7e) {
            bad = error(400, "Idempotency-Key must be printable ASCII without spaces");
            return false;
        }
    key = *k;
    return true;
}

// Who sent a request, for the audit trail: the peer's address (without the
// port) and its User-Agent.
engine::Origin origin_of(http::Request const& req) {
    engine::Origin o;
    std::string_view r = req.remote;
    if (!r.empty() && r.front() == '[') {
        o.ip = std::string(r.substr(1, r.find(']') - 1));
    } else {
        o.ip = std::string(r.substr(0, r.rfind(':')));
    }
    if (auto const* ua = req.header("user-agent")) o.user_agent = ua->substr(0, 512);
    return o;
}

http::Response method_not_allowed(char const* allow) {
    auto r = error(405, std::string("method not allowed here; use ") + allow);
    r.headers.emplace_back("Allow", allow);
    return r;
}

}  // namespace

http::Handler make_api(engine::Runtime& runtime, engine::Store& store, ApiLog log) {
    return [&runtime, &store, log](http::Request&& req, http::Respond respond) {
        if (log.debug) log.debug(req.method + " " + req.target + " from " + req.remote);
        auto answer = [respond](engine::Reply r) { respond(reply_json(r.status, r.body)); };
        auto parts = segments(req.path);
        bool get = req.method == "GET", post = req.method == "POST";

        if (req.path == "/healthz") {
            if (!get) return respond(method_not_allowed("GET"));
            bool ok = runtime.accepting();
            return respond(reply_json(ok ? 200 : 503, {{"status", ok ? "ok" : "stopping"}}));
        }
        if (req.path == "/metrics") {
            if (!get) return respond(method_not_allowed("GET"));
            http::Response r;
            r.content_type = "text/plain; version=0.0.4";
            r.body = runtime.metrics();
            return respond(std::move(r));
        }
        if (parts.size() < 2 || parts[0] != "v1")
            return respond(error(404, "no such resource: " + req.path, {{"see", "docs/http-api.md"}}));

        http::Response bad;
        std::string key;
        if (!idempotency_key(req, key, bad)) return respond(std::move(bad));

        // /v1/events/{name}
        if (parts[1] == "events" && parts.size() == 3) {
            if (!post) return respond(method_not_allowed("POST"));
            json data;
            if (!read_json(req, data, bad, true)) return respond(std::move(bad));
            return runtime.post_event(std::string(parts[2]), std::move(data), key, answer);
        }
        // /v1/rules, /v1/rules/reload
        if (parts[1] == "rules") {
            if (parts.size() == 2) {
                if (!get) return respond(method_not_allowed("GET"));
                return answer(runtime.rules());
            }
            if (parts.size() == 3 && parts[2] == "reload") {
                if (!post) return respond(method_not_allowed("POST"));
                return answer(runtime.reload());
            }
        }
        // /v1/outbox?status=
        if (parts[1] == "outbox" && parts.size() == 2) {
            if (!get) return respond(method_not_allowed("GET"));
            std::string status = req.param("status") ? *req.param("status") : "pending";
            if (status != "pending" && status != "delivered" && status != "dead")
                return respond(error(400, "status must be pending, delivered or dead"));
            int limit = 100;
            if (auto const* l = req.param("limit")) {
                std::int64_t v = 0;
                if (!parse_id(*l, v) || v > 1000) return respond(error(400, "limit must be 1 to 1000"));
                limit = static_cast<int>(v);
            }
            return answer(runtime.outbox(status, limit));
        }
        // /v1/instances…
        if (parts[1] == "instances") {
            if (parts.size() == 2) {
                if (!get) return respond(method_not_allowed("GET"));
                engine::InstanceFilter f;
                if (auto const* w = req.param("workflow")) f.workflow = *w;
                if (auto const* s = req.param("state")) f.state = *s;
                if (auto const* s = req.param("status")) f.status = *s;
                if (auto const* a = req.param("after")) {
                    if (!parse_id(*a, f.after_id)) return respond(error(400, "after must be an envelope id"));
                }
                if (auto const* l = req.param("limit")) {
                    std::int64_t v = 0;
                    if (!parse_id(*l, v) || v > 1000) return respond(error(400, "limit must be 1 to 1000"));
                    f.limit = static_cast<int>(v);
                }
                return answer(runtime.instances(f));
            }
            std::int64_t id = 0;
            if (!parse_id(parts[2], id))
                return respond(error(404, "`" + std::string(parts[2]) + "` is not an envelope id (a positive number)"));
            if (parts.size() == 3) {
                if (!get) return respond(method_not_allowed("GET"));
                return answer(runtime.instance(id));
            }
            if (parts.size() == 4 && parts[3] == "cancel") {
                if (!post) return respond(method_not_allowed("POST"));
                json body;
                if (!read_json(req, body, bad, false)) return respond(std::move(bad));
                std::string reason = body.value("reason", std::string("cancelled through the API"));
                return runtime.cancel(id, reason, key, answer);
            }
            if (parts.size() == 4 && parts[3] == "audit") {
                if (!get) return respond(method_not_allowed("GET"));
                return answer(runtime.audit(id));
            }
            if (parts.size() == 4 && parts[3] == "certificate") {
                if (!get) return respond(method_not_allowed("GET"));
                auto record = store.find_instance(id);
                if (!record) return respond(error(404, "no envelope with this id", {{"id", id}}));
                if (record->state != "completed")
                    return respond(error(409, "the envelope has not completed: there is no certificate of completion",
                                         {{"id", id}, {"state", record->state}}));
                std::optional<json> certificate;
                try {
                    certificate = envelope_certificate(store, id);
                } catch (std::exception const& e) {
                    return respond(error(500, std::string("the audit trail cannot be read: ") + e.what(), {{"id", id}}));
                }
                if (!certificate) return respond(error(404, "this envelope has no audit trail", {{"id", id}}));
                return respond(reply_json(200, *certificate));
            }
            if (parts.size() == 4 && parts[3] == "documents") {
                if (!get) return respond(method_not_allowed("GET"));
                return answer(runtime.documents(id));
            }
            // /v1/instances/{id}/document[?revision=N]: the PDF (the latest by default)
            if (parts.size() == 4 && parts[3] == "document") {
                if (!get) return respond(method_not_allowed("GET"));
                std::int64_t revision = 0;
                if (auto const* r = req.param("revision"))
                    if (!parse_id(*r, revision)) return respond(error(400, "revision must be a positive number"));
                auto doc = runtime.document(id, revision);
                if (!doc) return respond(error(404, "this envelope has no such document (yet)", {{"id", id}}));
                http::Response r;
                r.content_type = "application/pdf";
                r.body = std::move(doc->pdf);
                r.headers.emplace_back("Content-Disposition", "attachment; filename=\"envelope-" + std::to_string(id) +
                                                                  "-r" + std::to_string(doc->revision) + ".pdf\"");
                r.headers.emplace_back("X-Document-SHA256", doc->sha256);
                return respond(std::move(r));
            }
            if (parts.size() >= 6 && parts[3] == "signers") {
                if (!post) return respond(method_not_allowed("POST"));
                std::string role(parts[4]), what(parts[5]);
                // Role and attachment names are identifiers in the language.
                auto identifier = [](std::string_view s) {
                    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
                        return std::isalnum(c) || c == '_';
                    });
                };
                if (!identifier(role) || (parts.size() == 7 && !identifier(parts[6])))
                    return respond(error(400, "role and attachment names are letters, digits and `_`"));
                // /…/signers/{role}/attachments/{name}: the file is the body
                if (parts.size() == 7 && what == "attachments") {
                    engine::AttachmentRecord file;
                    file.envelope = id;
                    file.role = role;
                    file.name = std::string(parts[6]);
                    if (auto const* n = req.param("filename")) file.file_name = *n;
                    try {
                        auto info = documents::inspect_upload(req.body, file.file_name);
                        file.media_type = info.media_type;
                        file.sha256 = info.sha256;
                    } catch (documents::DocumentError const& e) {
                        return respond(error(422, e.what()));
                    }
                    file.bytes = std::move(req.body);
                    file.created_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count();
                    return runtime.upload_attachment(std::move(file), origin_of(req), answer);
                }
                if (parts.size() == 7 && what == "code" && parts[6] == "resend")
                    return runtime.resend_code(id, role, origin_of(req), answer);
                if (parts.size() != 6) return respond(error(404, "no such resource: " + req.path));
                json body;
                if (!read_json(req, body, bad, false)) return respond(std::move(bad));
                if (what == "code") {
                    if (!body.value("code", json()).is_string())
                        return respond(error(400, "send {\"code\": \"123456\"}: the code the signer received"));
                    return runtime.submit_code(id, role, body["code"].get<std::string>(), origin_of(req), answer);
                }
                if (what == "viewed" || what == "consent") {
                    json detail = json::object();
                    if (what == "consent") {
                        if (body.value("agreed", json()) != json(true))
                            return respond(error(400, "send {\"agreed\": true, \"text\": \"…\"}: consent is given, "
                                                      "not assumed"));
                        if (body.contains("text") && !body["text"].is_string())
                            return respond(error(400, "`text` must be a string: the words the signer agreed to"));
                        detail["text"] = body.value("text", std::string());
                    }
                    return runtime.signer_record(id, role, what == "viewed" ? "viewed" : "consent_given",
                                                 std::move(detail), origin_of(req), answer);
                }
                return runtime.signer_event(id, role, what, std::move(body), key, answer, origin_of(req));
            }
        }
        return respond(error(404, "no such resource: " + req.path, {{"see", "docs/http-api.md"}}));
    };
}

}  // namespace signflow::app
