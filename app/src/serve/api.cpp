#include "api.hpp"
#include "api_util.hpp"
#include "outcomes.hpp"
#include "start_form.hpp"
#include "views.hpp"

#include "certificate.hpp"
#include "file_work.hpp"
#include "log_text.hpp"

#include "signflow/base/text.hpp"
#include "signflow/engine/store_errors.hpp"
#include "signflow/engine/time.hpp"
#include "signflow/documents/attachments.hpp"
#include "signflow/documents/isolated.hpp"
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

http::Handler make_api(engine::Runtime& runtime, engine::Store& store, ApiOptions options) {
    auto handle = [&runtime, &store, options](http::Request&& req, http::Respond respond) {
        // Behind a trusted proxy, the client it forwards for; anyone else's
        // forwarding headers are ignored (and reported).
        auto client = client_address(req, options.proxies);
        if (client.forwarded_ignored) {
            if (options.forwarded_ignored) options.forwarded_ignored(req.remote);
        } else {
            req.remote = std::move(client.remote);
        }
        auto const& log = options.log;
        if (log.debug) log.debug(req.method + " " + loggable_target(req.target) + " from " + req.remote);
        auto answer = [respond](engine::Reply const& r) { respond(reply_of(r)); };
        auto parts = segments(req.path);
        bool get = req.method == "GET", post = req.method == "POST";

        if (req.path == "/healthz") {
            if (!get) return respond(method_not_allowed("GET"));
            bool const up = runtime.accepting(), reachable = runtime.store_reachable();
            return respond(reply_json(up && reachable ? 200 : 503,
                                      {{"status", !up ? "stopping" : reachable ? "ok" : "database unreachable"}}));
        }
        Caller caller;
        if (options.gate)
            if (auto refused = options.gate(req, &caller)) return respond(std::move(*refused));
        for (auto const& routes : options.routes)
            if (routes(req, respond)) return;
        for (auto const& routes : options.keyed_routes)
            if (routes(req, respond, caller)) return;
        if (req.path == "/metrics") {
            if (!get) return respond(method_not_allowed("GET"));
            http::Response r;
            r.content_type = "text/plain; version=0.0.4";
            r.body = runtime.metrics();
            if (options.metrics) r.body += options.metrics();
            return respond(std::move(r));
        }
        if (parts.size() < 2 || parts[0] != "v1")
            return respond(error(404, "no such resource: " + req.path, {{"see", "docs/http-api.md"}}));

        http::Response bad;
        std::string client_key;
        if (!idempotency_key(req, client_key, bad)) return respond(std::move(bad));
        // Keys belong to the API key that sent them: two callers' keys never
        // meet, nor meet the daemon's own (`hook:`, `page:`, `bulk:`). The
        // request's route and body go with the key: a reuse for another
        // request is a 422 (runtime.hpp, IdempotencyKey).
        engine::IdempotencyKey key;
        if (!client_key.empty())
            key = {(caller.key_id ? "k" + std::to_string(caller.key_id) : std::string("open")) + ":" + client_key,
                   request_fingerprint(req)};

        // /v1/events/{name}
        if (parts[1] == "events" && parts.size() == 3) {
            if (!post) return respond(method_not_allowed("POST"));
            json data;
            if (!read_json(req, data, bad, true)) return respond(std::move(bad));
            return runtime.post_event(std::string(parts[2]), std::move(data), key, answer);
        }
        // /v1/workflows/{name}/start-form: what starting one asks for (admin)
        if (parts[1] == "workflows" && parts.size() == 4 && parts[3] == "start-form") {
            if (!get) return respond(method_not_allowed("GET"));
            auto snapshot = runtime.snapshot();
            auto it = snapshot->current.find(std::string(parts[2]));
            if (it == snapshot->current.end())
                return respond(error(404, "no loaded workflow is named `" + std::string(parts[2]) + "`"));
            return respond(reply_json(200, start_form(it->second->ir())));
        }
        // /v1/rules, /v1/rules/reload
        if (parts[1] == "rules") {
            if (parts.size() == 2) {
                if (!get) return respond(method_not_allowed("GET"));
                return respond(reply_json(200, rules_json(*runtime.snapshot(), runtime.known_events())));
            }
            if (parts.size() == 3 && parts[2] == "reload") {
                if (!post) return respond(method_not_allowed("POST"));
                auto reloaded = runtime.reload();
                if (reloaded.outcome == engine::Outcome::failed) return respond(error(500, reloaded.error));
                return respond(reply_json(http_status(reloaded.outcome), reload_json(reloaded.value)));
            }
        }
        // /v1/deliveries/{key}/retry: a dead letter delivered again
        if (parts[1] == "deliveries" && parts.size() == 4 && parts[3] == "retry") {
            if (!post) return respond(method_not_allowed("POST"));
            std::string delivery(parts[2]);
            auto retried = runtime.retry_delivery(delivery);
            if (retried.outcome != engine::Outcome::accepted)
                return respond(error(http_status(retried.outcome),
                                     "no dead delivery has the key `" + delivery +
                                         "` (delivered and pending ones are not retried; one-time codes are never "
                                         "sent again from the dead letters: the signer asks for a new one)"));
            return respond(reply_json(http_status(retried.outcome),
                                      {{"key", delivery}, {"status", "pending"}, {"target", retried.value.target}}));
        }
        // /v1/outbox?status=, /v1/deliveries?status=&connector= (the same list;
        // deliveries lists every status unless one is asked for)
        if ((parts[1] == "outbox" || parts[1] == "deliveries") && parts.size() == 2) {
            if (!get) return respond(method_not_allowed("GET"));
            bool all = parts[1] == "deliveries";
            std::string status = req.param("status") ? *req.param("status") : all ? "" : "pending";
            if (status != "pending" && status != "delivered" && status != "dead" && !(all && status.empty()))
                return respond(error(400, "status must be pending, delivered or dead"));
            std::string connector = req.param("connector") ? *req.param("connector") : "";
            int limit = 100;
            if (auto const* l = req.param("limit")) {
                std::int64_t v = 0;
                if (!parse_id(*l, v) || v > 1000) return respond(error(400, "limit must be 1 to 1000"));
                limit = static_cast<int>(v);
            }
            return respond(reply_json(200, outbox_json(runtime.outbox(status, limit, connector))));
        }
        // /v1/instances…
        if (parts[1] == "instances") {
            if (parts.size() == 2) {
                if (!get) return respond(method_not_allowed("GET"));
                engine::InstanceFilter f;
                if (auto const* w = req.param("workflow")) f.workflow = *w;
                if (auto const* s = req.param("state")) f.state = *s;
                if (auto const* s = req.param("status")) f.status = *s;
                // Search: a person's email or name by its start; a period of starts.
                if (auto const* q = req.param("q"); q && !q->empty()) {
                    std::string text = *q;
                    while (!text.empty() && text.back() == ' ') text.pop_back();
                    while (!text.empty() && text.front() == ' ') text.erase(text.begin());
                    if (text.size() < 3 || text.size() > 254)
                        return respond(error(400, "q is 3 to 254 bytes: the start of an email address or a name"));
                    for (auto& c : text)
                        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
                    f.q = std::move(text);
                }
                for (auto [name, field] : {std::pair{"from", &f.from_ms}, std::pair{"to", &f.to_ms}}) {
                    auto const* text = req.param(name);
                    if (!text || text->empty()) continue;
                    std::string t = text->size() == 10 ? *text + "T00:00:00Z" : *text;
                    auto at = engine::parse_utc(t);
                    if (!at || engine::to_millis(*at) <= 0)
                        return respond(error(400, std::string(name) + " is a date (2026-11-01) or a UTC time (2026-11-01T09:30:00Z) after 1970"));
                    *field = engine::to_millis(*at);
                }
                if (f.from_ms && f.to_ms && f.from_ms >= f.to_ms) return respond(error(400, "from must be before to"));
                if (auto const* a = req.param("after")) {
                    if (!parse_id(*a, f.after_id)) return respond(error(400, "after must be an envelope id"));
                }
                if (auto const* l = req.param("limit")) {
                    std::int64_t v = 0;
                    if (!parse_id(*l, v) || v > 1000) return respond(error(400, "limit must be 1 to 1000"));
                    f.limit = static_cast<int>(v);
                }
                return respond(reply_json(200, instances_json(runtime.instances(f))));
            }
            std::int64_t id = 0;
            if (!parse_id(parts[2], id))
                return respond(error(404, "`" + std::string(parts[2]) + "` is not an envelope id (a positive number)"));
            if (parts.size() == 3) {
                if (!get) return respond(method_not_allowed("GET"));
                auto found = runtime.instance(id);
                if (found.outcome != engine::Outcome::ok)
                    return respond(error(http_status(found.outcome), "no envelope with this id", {{"id", id}}));
                return respond(reply_json(200, instance_json(found.value)));
            }
            if (parts.size() == 4 && parts[3] == "cancel") {
                if (!post) return respond(method_not_allowed("POST"));
                json body;
                if (!read_json(req, body, bad, false)) return respond(std::move(bad));
                std::string reason = body.value("reason", std::string("cancelled through the API"));
                if (reason.size() > 1000) return respond(error(422, "`reason` is at most 1000 bytes"));
                engine::Origin by = origin_of(req);
                by.acting = engine::ActingKey{caller.key_id, caller.key_name, {}};
                return runtime.cancel(id, reason, key, answer, by);
            }
            if (parts.size() == 4 && parts[3] == "audit") {
                if (!get) return respond(method_not_allowed("GET"));
                auto trail = runtime.audit(id);
                if (trail.outcome != engine::Outcome::ok)
                    return respond(error(http_status(trail.outcome), "no envelope with this id", {{"id", id}}));
                return respond(reply_json(200, audit_json(trail.value)));
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
                auto docs = runtime.documents(id);
                if (docs.outcome != engine::Outcome::ok)
                    return respond(error(http_status(docs.outcome), "no envelope with this id", {{"id", id}}));
                return respond(reply_json(200, documents_json(id, docs.value, store.audit(id))));
            }
            // /v1/instances/{id}/document[?revision=N]: the PDF (the latest by default)
            if (parts.size() == 4 && parts[3] == "document") {
                if (!get) return respond(method_not_allowed("GET"));
                std::int64_t revision = 0;
                if (auto const* r = req.param("revision"))
                    if (!parse_id(*r, revision)) return respond(error(400, "revision must be a positive number"));
                // ?document=NAME: that document's latest revision (an envelope
                // of several documents: each is downloaded on its own).
                if (auto const* name = req.param("document")) {
                    if (revision) return respond(error(400, "give `revision` or `document`, not both"));
                    if (name->empty()) return respond(error(400, "`document` names a template"));
                    auto docs = runtime.documents(id);
                    if (docs.outcome != engine::Outcome::ok)
                        return respond(error(http_status(docs.outcome), "no envelope with this id", {{"id", id}}));
                    auto names = document_names(docs.value, store.audit(id));
                    for (std::size_t i = 0; i < docs.value.size(); ++i)
                        if (names[i] == *name) revision = std::max(revision, docs.value[i].revision);
                    if (!revision)
                        return respond(error(404, "this envelope has no document of that name (yet)", {{"id", id}}));
                }
                auto doc = runtime.document(id, revision);
                if (!doc) return respond(error(404, "this envelope has no such document (yet)", {{"id", id}}));
                http::Response r;
                r.content_type = "application/pdf";
                r.body = std::move(doc->pdf);
                r.headers.emplace_back("Content-Disposition",
                                       "attachment; filename=\"envelope-" + std::to_string(id) +
                                           (doc->document.empty() ? "" : "-" + doc->document) + "-r" +
                                           std::to_string(doc->revision) + ".pdf\"");
                r.headers.emplace_back("X-Document-SHA256", doc->sha256);
                return respond(std::move(r));
            }
            // PATCH /v1/instances/{id}/signers/{role}: an operator corrects a
            // signer (admin); POST …/signers/{role}/resend: the request again.
            if ((parts.size() == 5 && parts[3] == "signers") ||
                (parts.size() == 6 && parts[3] == "signers" && parts[5] == "resend")) {
                bool const correct = parts.size() == 5;
                if (correct && req.method != "PATCH") return respond(method_not_allowed("PATCH"));
                if (!correct && !post) return respond(method_not_allowed("POST"));
                std::string role(parts[4]);
                if (role.empty() || role.size() > 64 ||
                    !std::all_of(role.begin(), role.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; }))
                    return respond(error(400, "role names are letters, digits and `_`"));
                engine::Origin by = origin_of(req);
                by.acting = engine::ActingKey{caller.key_id, caller.key_name, {}};
                if (!correct) return runtime.resend_request(id, role, by, key, answer);
                json body;
                if (!read_json(req, body, bad, true)) return respond(std::move(bad));
                if (!body.is_object()) return respond(error(400, "the body is a JSON object: {\"email\": …}"));
                return runtime.correct_signer(id, role, std::move(body), by, key, answer);
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
                // An operator acting in the signer's name (scope
                // act-for-signer, checked by the gate) says why, in
                // `operator_reason` (the query, or the JSON body's field):
                // the reason and the key go into the audit entry.
                engine::Origin acting = origin_of(req);
                acting.acting = engine::ActingKey{caller.key_id, caller.key_name, {}};
                if (auto const* q = req.param("operator_reason")) acting.acting->reason = *q;
                auto reason_refused = [&acting]() -> std::optional<http::Response> {
                    auto const& why = acting.acting->reason;
                    if (why.empty())
                        return error(400, "acting for a signer needs a reason: `operator_reason` (the query, or a field "
                                          "of the JSON body), for example \"signed on paper, scan in the CRM\"",
                                     {{"see", "docs/security.md"}});
                    if (why.size() > 500) return error(400, "`operator_reason` is longer than 500 bytes");
                    if (std::any_of(why.begin(), why.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
                        return error(400, "`operator_reason` holds control characters");
                    return std::nullopt;
                };
                // /…/signers/{role}/attachments/{name}: the file is the body
                if (parts.size() == 7 && what == "attachments") {
                    engine::AttachmentRecord file;
                    file.envelope = id;
                    file.role = role;
                    file.name = std::string(parts[6]);
                    if (auto const* n = req.param("filename")) file.file_name = *n;
                    // The reason, the envelope, the role and the request for
                    // this file first: nothing parses a caller's bytes
                    // (PoDoFo on a PDF) for an upload that would be refused.
                    if (auto r = reason_refused()) return respond(std::move(*r));
                    auto view = runtime.signer(id, role);
                    if (view.outcome != engine::Outcome::ok)
                        return respond(error(http_status(view.outcome), view.outcome == engine::Outcome::not_found
                                                                            ? "no envelope with this id"
                                                                            : "the envelope's workflow version is not loaded",
                                             {{"id", id}}));
                    auto const& asked = view.value.attachments;
                    if (std::none_of(asked.begin(), asked.end(),
                                     [&](engine::AttachmentState const& a) { return a.name == file.name; }))
                        return respond(error(404, "the workflow asks " + role + " for no attachment `" + file.name +
                                                      "`",
                                             {{"id", id}}));
                    // Read in a signflow-parse child (isolated.hpp), on the
                    // file threads: no request thread waits for it.
                    file.bytes = std::move(req.body);
                    bool queued = options.work->post([&runtime, files = options.files, file = std::move(file),
                                                      acting, answer, respond]() mutable {
                        try {
                            auto info = files->inspect_upload(file.bytes, file.file_name);
                            file.media_type = info.media_type;
                            file.sha256 = info.sha256;
                        } catch (documents::DocumentError const& e) {
                            return respond(error(422, e.what()));
                        }
                        file.created_ms = base::now_ms();
                        runtime.upload_attachment(std::move(file), acting, answer);
                    });
                    if (!queued) respond(error(503, "the daemon is busy reading other files; try again in a minute", {{"retry_after_seconds", 60}}));
                    return;
                }
                if (parts.size() == 7 && what == "code" && parts[6] == "resend") {
                    if (auto r = reason_refused()) return respond(std::move(*r));
                    return runtime.resend_code(id, role, acting, answer);
                }
                if (parts.size() != 6) return respond(error(404, "no such resource: " + req.path));
                json body;
                if (!read_json(req, body, bad, false)) return respond(std::move(bad));
                if (auto it = body.find("operator_reason"); it != body.end()) {
                    if (!it->is_string()) return respond(error(400, "`operator_reason` must be a string"));
                    acting.acting->reason = it->get<std::string>();
                    body.erase(it);
                }
                if (auto r = reason_refused()) return respond(std::move(*r));
                if (what == "code") {
                    if (!body.value("code", json()).is_string())
                        return respond(error(400, "send {\"code\": \"123456\"}: the code the signer received"));
                    return runtime.submit_code(id, role, body["code"].get<std::string>(), acting, answer);
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
                                                 std::move(detail), acting, answer);
                }
                return runtime.signer_event(id, role, what, std::move(body), key, answer, acting);
            }
        }
        return respond(error(404, "no such resource: " + req.path, {{"see", "docs/http-api.md"}}));
    };
    // A read the database could not answer (it is restarting, the network
    // is cut): 503 and a retry hint, not an internal error.
    return [handle = std::move(handle)](http::Request&& req, http::Respond respond) {
        try {
            handle(std::move(req), respond);
        } catch (engine::StoreUnavailable const&) {
            // (which database, and why, is in the log: the committer's and
            // the store's messages; not for every caller to read)
            auto r = error(503, "the database cannot be reached: retry shortly");
            r.headers.emplace_back("Retry-After", "1");
            respond(std::move(r));
        }
    };
}

}  // namespace signflow::app
