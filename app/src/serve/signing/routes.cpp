#include "routes.hpp"

#include "code_answer.hpp"
#include "../outcomes.hpp"

#include "../api_util.hpp"
#include "form.hpp"
#include "guard.hpp"
#include "html.hpp"

#include "signflow/base/digest.hpp"
#include "signflow/base/text.hpp"
#include "signflow/engine/time.hpp"
#include "signflow/base/utf8.hpp"
#include "signflow/documents/attachments.hpp"
#include "signflow/documents/bundle.hpp"
#include "signflow/documents/isolated.hpp"
#include "signflow/documents/error.hpp"

#include <chrono>
#include <memory>

namespace signflow::app::signing {
using nlohmann::json;

namespace {

constexpr char const* page_policy =
    "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

constexpr int token_misses_per_minute = 30;  // per IP: unknown tokens
constexpr int codes_per_minute = 10;         // per link: codes typed
constexpr std::size_t max_image_bytes = 512 * 1024;  // a drawn signature, as base64
constexpr int views_per_minute = 6;          // per link and page: `viewed` audit entries
constexpr int signatures_per_minute = 20;    // per link: signatures sent (each refused one is checked and drawn again)
constexpr std::size_t max_sign_form_fields = 256;  // the sign form: its own inputs and a workflow's fields

// "10m", "1h": an embed link's lifetime in ms, 1 to 60 minutes; 0: not one.
std::int64_t embed_ttl_ms(std::string const& text) {
    if (text.size() < 2 || text.size() > 4) return 0;
    std::int64_t n = 0;
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') return 0;
        n = n * 10 + (text[i] - '0');
    }
    std::int64_t minutes = text.back() == 'm' ? n : text.back() == 'h' ? n * 60 : 0;
    return minutes >= 1 && minutes <= 60 ? minutes * 60'000 : 0;
}

struct Shared {
    explicit Shared(PageServices services)
        : s(std::move(services)), embed_key(base::hmac_sha256_hex(s.code_secret, "embedded-sessions")) {}
    PageServices s;
    Limiter misses{token_misses_per_minute};
    Limiter codes{codes_per_minute};
    Limiter views{views_per_minute};
    Limiter signatures{signatures_per_minute};
    // An embedded session's forms carry a token derived from its link and
    // this key (a framed page gets no first-party cookie to double-submit):
    // derived from the installation's one-time-code key (a label keeps the
    // two uses apart), so that an open form still works after a restart.
    std::string const embed_key;
    std::string embed_csrf(storage::SigningTokenRecord const& link) const {
        return base::hmac_sha256_hex(embed_key, "embedded-csrf:" + link.hash).substr(0, 32);
    }
};

// A page of an embedded session may be framed by the allowed origins (and
// only there): its Content-Security-Policy names them, without
// X-Frame-Options (which cannot name origins).
http::Respond framed(http::Respond respond, std::vector<std::string> const& origins) {
    std::string allowed;
    for (auto const& o : origins) allowed += " " + o;
    return [respond = std::move(respond), allowed](http::Response r) {
        for (auto it = r.headers.begin(); it != r.headers.end();) {
            if (it->first == "X-Frame-Options") {
                it = r.headers.erase(it);
                continue;
            }
            if (it->first == "Content-Security-Policy")
                if (auto at = it->second.find("frame-ancestors 'none'"); at != std::string::npos)
                    it->second.replace(at, std::string("frame-ancestors 'none'").size(), "frame-ancestors" + allowed);
            ++it;
        }
        respond(std::move(r));
    };
}

// At most `chars` code points of valid UTF-8 (a byte cut could split one,
// and invalid UTF-8 must never reach the engine's JSON).
std::string clip(std::string const& s, std::size_t chars) {
    std::size_t i = 0, n = 0;
    while (i < s.size() && n < chars) {
        ++i;
        while (i < s.size() && base::utf8_continuation(static_cast<unsigned char>(s[i]))) ++i;
        ++n;
    }
    return s.substr(0, i);
}

std::size_t code_points(std::string const& s) { return base::utf8_count(s); }

void secure(http::Response& r) {
    r.headers.emplace_back("Content-Security-Policy", page_policy);
    // Not no-referrer: with it Chromium sends `Origin: null` on the page's
    // own forms. same-origin keeps the token (in the URL) from any other
    // site, and the page loads nothing from elsewhere.
    r.headers.emplace_back("Referrer-Policy", "same-origin");
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Cache-Control", "no-store");
}

http::Response html(int status, Frame const& f, std::string const& new_cookie = {}) {
    http::Response r;
    r.status = status;
    r.content_type = "text/html; charset=utf-8";
    r.body = render(f);
    secure(r);
    if (!new_cookie.empty()) r.headers.emplace_back("Set-Cookie", csrf_set_cookie(new_cookie));
    return r;
}

http::Response see_other(std::string const& location) {
    http::Response r;
    r.status = 303;
    r.content_type.clear();
    r.headers.emplace_back("Location", location);
    secure(r);
    return r;
}

http::Response plain_page(int status, Text const& t, char const* title, char const* body) {
    Frame f;
    f.text = &t;
    f.title = title;
    f.body = paragraph(body, "message");
    return html(status, f);
}

std::string accept_language(http::Request const& req) {
    auto const* a = req.header("accept-language");
    return a ? *a : std::string();
}

std::string notice_for(Text const& t, std::string const& n, http::Request const& req) {
    if (n == "wrong") {
        std::string text = t.code_wrong;
        if (auto const* left = req.param("left"); left && left->size() < 4) text += " (" + *left + ")";
        return text;
    }
    if (n == "code_expired") return t.code_expired;
    if (n == "code_used") return t.code_used;
    if (n == "resent") return t.code_sent_again;
    if (n == "many") return t.too_many;
    if (n == "expired") return t.form_expired;
    if (n == "notnow") return t.not_now;
    if (n == "name") return t.missing_name;
    if (n == "agree") return t.missing_agree;
    if (n == "files") return t.missing_attachments;
    if (n == "delegate") return t.delegate_problem;
    return {};
}

// The request as the page handles it: the link's signer and their view.
struct Visit {
    std::string token;
    std::string base;  // /sign/TOKEN
    storage::SigningTokenRecord link;
    engine::SignerView view;
    Text const* text = nullptr;
    std::string rest;  // the path after the token: "", "consent", "pages/1.png", …
    std::string document;  // ?document=NAME: which of the envelope's documents (its PDF, its pages)
};

// A link through which the signer acts: sent to them, or an embedded session.
bool acts(storage::SigningTokenRecord const& link) { return link.purpose == "sign" || link.purpose == "embedded"; }

// A `cc` link while the envelope runs: every document, as it is now, to read.
bool copy_reading(Visit const& v) { return v.link.purpose == "copy" && v.view.status == "running"; }

// The signer is on the signing step, has agreed to sign electronically,
// through a signing link: the document and its pages may be read.
bool reading_document(Visit const& v) {
    return (v.view.step == engine::SignerStep::sign && v.view.consented && acts(v.link)) || copy_reading(v);
}

// The engine took the act (recorded, or answered already for this key).
bool done(engine::Reply const& r) {
    return r.outcome == engine::Outcome::accepted || r.outcome == engine::Outcome::created ||
           r.outcome == engine::Outcome::ok;
}

// Each of the envelope's documents by name, at its latest revision (without
// its bytes), in the order they were filled. Empty for an envelope whose
// revisions do not name their document (made before they did).
std::vector<engine::DocumentRecord> latest_documents(engine::Runtime& runtime, std::int64_t id) {
    std::vector<engine::DocumentRecord> out;
    auto all = runtime.documents(id);
    if (all.outcome != engine::Outcome::ok) return out;
    for (auto& d : all.value) {
        if (d.document.empty()) continue;
        auto it = std::find_if(out.begin(), out.end(), [&](auto const& x) { return x.document == d.document; });
        if (it == out.end())
            out.push_back(std::move(d));
        else if (d.revision > it->revision)
            *it = std::move(d);
    }
    return out;
}

std::vector<std::string> names_of(std::vector<engine::DocumentRecord> const& documents) {
    std::vector<std::string> out;
    for (auto const& d : documents) out.push_back(d.document);
    return out;
}

// Document `name`'s latest revision, with its bytes ("" : the envelope's
// latest revision, as for an envelope of one document).
std::optional<engine::DocumentRecord> document_named(engine::Runtime& runtime, std::int64_t id,
                                                     std::string const& name) {
    if (name.empty()) return runtime.document(id, 0);
    auto const named = latest_documents(runtime, id);
    // An envelope whose revisions do not name their document (made before
    // they did): its one document, the latest revision.
    if (named.empty()) return runtime.document(id, 0);
    for (auto const& d : named)
        if (d.document == name) return runtime.document(id, d.revision);
    return std::nullopt;
}

// The signed copy is the sealed document (each of them, in an envelope of
// several): until the seals are applied (just after completion, on the
// documents lane) there is nothing to download.
bool sealed(engine::Runtime& runtime, std::int64_t id) {
    auto named = latest_documents(runtime, id);
    if (named.empty()) {
        auto doc = runtime.document(id, 0);
        return doc && doc->kind == "sealed";
    }
    return std::all_of(named.begin(), named.end(), [](auto const& d) { return d.kind == "sealed"; });
}

// Which document a request for the signer's pages or PDF reads: the one it
// names, or the only one this signature signs; "" for the envelope's latest.
// Nullopt: a name the signer may not read now (not one they sign).
std::optional<std::string> reading_which(engine::Runtime& runtime, Visit const& v) {
    if (copy_reading(v)) {
        // A copy reads any of the envelope's documents (the first by default).
        auto const named = names_of(latest_documents(runtime, v.link.envelope));
        if (v.document.empty()) return named.empty() ? std::string() : named.front();
        if (std::find(named.begin(), named.end(), v.document) == named.end()) return std::nullopt;
        return v.document;
    }
    auto const& signing = v.view.signing;
    if (v.document.empty()) return signing.size() == 1 ? signing.front() : std::string();
    if (std::find(signing.begin(), signing.end(), v.document) == signing.end()) return std::nullopt;
    return v.document;
}

http::Response ended_page(Text const& t, Frame f, engine::SignerView const& view) {
    std::string const& state = view.state;
    char const* title = t.failed_title;
    if (view.status == "cancelled") title = t.cancelled_title;
    else if (state == "completed") title = t.completed_title;
    else if (state == "declined") title = t.declined_envelope_title;
    else if (state == "expired") title = t.expired_title;
    f.title = title;
    f.body = paragraph(t.ended_body, "ended");
    return html(state == "completed" ? 200 : 410, f);
}

// A signature the engine refused for its fields: the page again, with each
// field's problem beside it and the values given kept.
struct SignInput {
    std::string name;
    json values = json::object();    // field name -> the text given
    json problems = json::object();  // field name -> {code, message}
};

void serve_page(Shared& sh, Visit const& v, http::Request const& req, http::Respond& respond,
                SignInput const* input = nullptr) {
    Text const& t = *v.text;
    engine::SignerView const& view = v.view;
    Frame f;
    f.text = &t;
    f.subtitle = std::string(t.envelope) + " " + std::to_string(view.envelope) + " · " + view.workflow;
    std::string cookie = csrf_cookie(req);
    std::string fresh;
    if (cookie.size() != 32) cookie = fresh = new_csrf_token();
    bool const embedded = v.link.purpose == "embedded";
    if (embedded) {
        // No cookie in a third-party frame: the session's own token.
        cookie = sh.embed_csrf(v.link);
        fresh.clear();
        json detail = json::parse(v.link.detail, nullptr, false);
        f.embed.origins = sh.s.links.lifetimes().frame_origins;
        f.embed.return_url = detail.is_object() ? detail.value("return_url", std::string()) : "";
        f.embed.envelope = v.link.envelope;
        f.embed.role = v.link.role;
        using S = engine::SignerStep;
        // (a refusal ends the envelope: the step is then `ended`, the trail says who declined)
        f.embed.outcome = view.declined                                                      ? "declined"
                          : view.step == S::sign || view.step == S::verify                  ? "viewed"
                          : view.step == S::signed_ || (view.step == S::ended && view.signed_) ? "signed"
                                                                                              : "";
    }
    f.csrf = cookie;
    if (auto const* n = req.param("n")) {
        f.notice = notice_for(t, *n, req);
        f.notice_is_error = *n != "resent";
    }
    auto record_view = [&](char const* page) {
        // A view is evidence, not a counter: HEAD requests, reloads past a
        // few a minute and views of an ended envelope are not recorded.
        if (req.method != "GET" || !sh.views.allow(v.link.hash + "/" + page)) return;
        sh.s.runtime.signer_record(v.link.envelope, v.link.role, "viewed", {{"page", page}}, origin_of(req),
                                   [](engine::Reply) {});
    };

    if (v.link.purpose == "copy" && view.status == "running") {
        // A `cc` copy while the envelope runs: its documents as they are
        // now, to read; no consent, no form, nothing to act on.
        f.title = t.copy_title;
        f.csrf.clear();
        std::string documents;
        auto const named = latest_documents(sh.s.runtime, v.link.envelope);
        for (std::size_t i = 0; i < named.size(); ++i) {
            auto doc = sh.s.runtime.document(v.link.envelope, named[i].revision);
            if (!doc) continue;
            std::string error;
            auto pngs = sh.s.images.pages(doc->sha256, doc->pdf, error);
            if (!pngs) sh.s.warn("copy page of envelope " + std::to_string(v.link.envelope) + ": " + error);
            documents += document_section(t, v.base, pngs ? pngs->size() : 0, doc->revision,
                                          named.size() > 1 ? named[i].document : "", i == 0);
        }
        f.body = paragraph(t.copy_body, "copy") + (documents.empty() ? paragraph(t.wait_preparing, "waiting") : documents);
        return respond(html(200, f, fresh));
    }
    if (v.link.purpose == "copy" && !view.completed()) return respond(ended_page(t, f, view));
    if (v.link.purpose == "download" || v.link.purpose == "copy") {
        if (!view.completed() || !sealed(sh.s.runtime, v.link.envelope)) {
            f.title = t.signed_title;
            f.body = paragraph(t.signed_pending, "signed");
            return respond(html(200, f, fresh));
        }
        f.title = t.completed_title;
        f.body = signed_section(t, v.base, true, names_of(latest_documents(sh.s.runtime, v.link.envelope)));
        return respond(html(200, f, fresh));
    }
    using Step = engine::SignerStep;
    switch (view.step) {
        case Step::unknown: return respond(plain_page(404, t, t.invalid_title, t.invalid_body));
        case Step::ended:
            // A signer of a completed envelope gets the signed copy (once
            // sealed); anyone else learns how it ended.
            if (!view.completed() || !view.signed_) return respond(ended_page(t, f, view));
            if (!sealed(sh.s.runtime, v.link.envelope)) {
                f.title = t.signed_title;
                f.body = paragraph(t.signed_pending, "signed");
                return respond(html(200, f, fresh));
            }
            f.title = t.completed_title;
            f.body = signed_section(t, v.base, true, names_of(latest_documents(sh.s.runtime, v.link.envelope)));
            return respond(html(200, f, fresh));
        case Step::signed_:
            record_view("signed");
            f.title = t.signed_title;
            f.body = signed_section(t, v.base, false);
            return respond(html(200, f, fresh));
        case Step::declined:
            f.title = t.you_declined_title;
            f.body = paragraph(t.you_declined_body, "declined");
            return respond(html(200, f, fresh));
        case Step::wait:
            record_view("waiting");
            f.title = t.wait_title;
            f.body = waiting_section(t, view.waiting_for);
            return respond(html(200, f, fresh));
        case Step::verify:
        case Step::sign: break;
    }

    if (!view.consented) {
        record_view("consent");
        f.title = t.consent_title;
        f.body = consent_section(t, v.base, cookie) + (view.step == Step::sign ? decline_section(t, v.base, cookie) : "");
        return respond(html(200, f, fresh));
    }
    if (view.step == Step::verify) {
        record_view("code");
        f.title = t.code_title;
        // A signer declines from the signing step: a workflow's verification
        // step has no decline (it ends by a code or by running out of tries).
        f.body = code_section(t, v.base, cookie, view.method.empty() ? "sms" : view.method);
        return respond(html(200, f, fresh));
    }
    // step == sign: the documents, the files asked for, the signature. The
    // documents this signature signs, one after another (one: as it always was).
    std::string documents;
    auto section = [&](std::string const& name, bool several, bool first) {
        auto doc = document_named(sh.s.runtime, v.link.envelope, name);
        if (!doc) return;
        std::string error;
        auto pngs = sh.s.images.pages(doc->sha256, doc->pdf, error);
        if (!pngs) sh.s.warn("signing page of envelope " + std::to_string(v.link.envelope) + ": " + error);
        documents += document_section(t, v.base, pngs ? pngs->size() : 0, doc->revision, several ? name : "", first);
    };
    if (view.signing.size() > 1) {
        for (std::size_t i = 0; i < view.signing.size(); ++i) section(view.signing[i], true, i == 0);
    } else {
        section(view.signing.empty() ? std::string() : view.signing.front(), false, true);
    }
    if (!input) record_view("document");
    f.title = t.sign_title;
    std::string fields = fields_section(t, view.fields, input ? input->values : json::object(),
                                        input ? input->problems : json::object());
    if (input) {
        f.notice = t.missing_fields;
        f.notice_is_error = true;
    }
    std::string behalf;
    if (view.on_behalf_of.is_object()) {
        auto const& b = view.on_behalf_of;
        std::string who = b.value("name", json()).is_string() ? b["name"].get<std::string>() : "";
        if (who.empty() && b.value("email", json()).is_string()) who = b["email"];
        behalf = behalf_section(t, who);
    }
    f.body = behalf + documents +
             attachments_section(t, v.base, view.attachments) +
             sign_section(t, v.base, cookie, input ? input->name : view.name(), fields) +
             (view.may_delegate ? delegate_section(t, v.base, cookie) : std::string()) +
             decline_section(t, v.base, cookie);
    return respond(html(input ? 422 : 200, f, fresh));
}

void serve_pdf(Shared& sh, Visit const& v, http::Respond& respond) {
    engine::SignerView const& view = v.view;
    bool reading = reading_document(v);
    bool final_copy = view.completed() && (v.link.purpose == "download" || v.link.purpose == "copy" || view.signed_);
    if (!reading && !final_copy) return respond(plain_page(403, *v.text, v.text->invalid_title, v.text->not_now));
    // The final copy of the document named (any of the envelope's; none
    // named: the first), or the document being signed.
    std::optional<std::string> which = std::string();
    if (final_copy) {
        auto named = latest_documents(sh.s.runtime, v.link.envelope);
        if (!v.document.empty())
            which = v.document;
        else if (!named.empty())
            which = named.front().document;
        if (!sealed(sh.s.runtime, v.link.envelope))
            return respond(plain_page(404, *v.text, v.text->invalid_title, v.text->wait_preparing));
    } else {
        which = reading_which(sh.s.runtime, v);
    }
    if (!which) return respond(plain_page(404, *v.text, v.text->invalid_title, v.text->invalid_body));
    auto doc = document_named(sh.s.runtime, v.link.envelope, *which);
    if (!doc || (final_copy && doc->kind != "sealed"))
        return respond(plain_page(404, *v.text, v.text->invalid_title, v.text->wait_preparing));
    http::Response r;
    r.content_type = "application/pdf";
    r.body = std::move(doc->pdf);
    secure(r);
    std::string file = "envelope-" + std::to_string(v.link.envelope) + (doc->document.empty() ? "" : "-" + doc->document) +
                       (final_copy ? "-signed" : "") + ".pdf";
    r.headers.emplace_back("Content-Disposition", std::string(final_copy ? "attachment" : "inline") +
                                                      "; filename=\"" + file + "\"");
    r.headers.emplace_back("X-Document-SHA256", doc->sha256);
    respond(std::move(r));
}

// Every sealed document of a completed envelope in one ZIP (stored
// entries: WORKFLOW-ID-DOCUMENT.pdf), for whoever may have the final copy.
void serve_zip(Shared& sh, Visit const& v, http::Respond& respond) {
    bool final_copy =
        v.view.completed() && (v.link.purpose == "download" || v.link.purpose == "copy" || v.view.signed_);
    if (!final_copy) return respond(plain_page(403, *v.text, v.text->invalid_title, v.text->not_now));
    auto named = latest_documents(sh.s.runtime, v.link.envelope);
    if (named.empty() || !sealed(sh.s.runtime, v.link.envelope))
        return respond(plain_page(404, *v.text, v.text->invalid_title, v.text->wait_preparing));
    std::string const stem = v.view.workflow + "-" + std::to_string(v.link.envelope);
    std::vector<documents::BundleFile> files;
    for (auto const& d : named) {
        auto doc = sh.s.runtime.document(v.link.envelope, d.revision);
        if (!doc || doc->kind != "sealed")
            return respond(plain_page(404, *v.text, v.text->invalid_title, v.text->wait_preparing));
        files.push_back({stem + "-" + d.document + ".pdf", std::move(doc->pdf)});
    }
    http::Response r;
    r.content_type = "application/zip";
    try {
        r.body = documents::zip_stored(files);
    } catch (documents::DocumentError const& e) {  // past 4 GiB: each document downloads on its own
        return respond(plain_page(404, *v.text, v.text->invalid_title, v.text->wait_preparing));
    }
    secure(r);
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + stem + ".zip\"");
    respond(std::move(r));
}

void serve_page_image(Shared& sh, Visit const& v, std::string_view file, http::Respond& respond) {
    if (!reading_document(v)) return respond(plain_page(403, *v.text, v.text->invalid_title, v.text->not_now));
    std::int64_t n = 0;
    if (!file.ends_with(".png") || !parse_id(file.substr(0, file.size() - 4), n))
        return respond(plain_page(404, *v.text, v.text->invalid_title, v.text->invalid_body));
    auto which = reading_which(sh.s.runtime, v);
    if (!which) return respond(plain_page(404, *v.text, v.text->invalid_title, v.text->invalid_body));
    auto doc = document_named(sh.s.runtime, v.link.envelope, *which);
    std::string error;
    auto pngs = doc ? sh.s.images.pages(doc->sha256, doc->pdf, error) : nullptr;
    if (!pngs || n > static_cast<std::int64_t>(pngs->size()))
        return respond(plain_page(404, *v.text, v.text->invalid_title, v.text->wait_preparing));
    http::Response r;
    r.content_type = "image/png";
    r.body = (*pngs)[static_cast<std::size_t>(n - 1)];
    secure(r);
    respond(std::move(r));
}

// A form post: checked (same origin, CSRF, allowed now), then handed to the runtime.
void handle_post(std::shared_ptr<Shared> const& shp, Visit const& v, http::Request& req, http::Respond& respond) {
    Shared& sh = *shp;
    engine::SignerView const& view = v.view;
    using Step = engine::SignerStep;
    bool consented = view.consented;
    std::string const& base = v.base;
    engine::Origin origin = origin_of(req);
    std::int64_t id = v.link.envelope;
    std::string const& role = v.link.role;

    if (!same_origin(req, sh.s.links.base()))
        return respond(plain_page(403, *v.text, v.text->invalid_title, v.text->form_expired));
    if (!acts(v.link)) return respond(plain_page(403, *v.text, v.text->invalid_title, v.text->not_now));
    // The forms' token: the cookie's (double submit), or an embedded session's own.
    std::string const expected_csrf = v.link.purpose == "embedded" ? sh.embed_csrf(v.link) : csrf_cookie(req);

    // Uploads come from the page's script: the file is the body, the CSRF
    // token a header.
    if (v.rest.starts_with("attachments/")) {
        auto const* header = req.header("x-csrf-token");
        if (!header || !same_secret(*header, expected_csrf))
            return respond(error(403, v.text->form_expired));
        if (view.step != Step::sign || !consented) return respond(error(409, v.text->not_now));
        engine::AttachmentRecord file;
        file.envelope = id;
        file.role = role;
        file.name = v.rest.substr(std::string("attachments/").size());
        bool known = false;
        for (auto const& a : view.attachments)
            if (a.name == file.name) known = true;
        if (!known) return respond(error(404, "no file named `" + file.name + "` is requested from you"));
        if (auto const* n = req.param("filename")) file.file_name = *n;
        file.bytes = std::move(req.body);
        // Read in a signflow-parse child (isolated.hpp), on the file threads:
        // no request thread waits for it.
        bool queued = sh.s.work.post([shp, file = std::move(file), origin, respond, text = v.text]() mutable {
            // The signer may have signed or declined while the file waited:
            // the step is checked again before anything is stored.
            auto now = shp->s.runtime.signer(file.envelope, file.role);
            if (now.outcome != engine::Outcome::ok || now.value.step != Step::sign || !now.value.consented)
                return respond(error(409, text->not_now));
            try {
                auto info = shp->s.files.inspect_upload(file.bytes, file.file_name);
                file.media_type = info.media_type;
                file.sha256 = info.sha256;
            } catch (documents::DocumentError const& e) {
                return respond(error(422, e.what()));
            }
            file.created_ms = base::now_ms();
            shp->s.runtime.upload_attachment(std::move(file), origin, [respond](engine::Reply r) {
                respond(reply_of(r));
            });
        });
        if (!queued) return respond(error(503, "the daemon is busy reading other files; try again in a minute", {{"retry_after_seconds", 60}}));
        return;
    }

    std::string problem;
    auto form = parse_form(req.body, problem, v.rest == "sign" ? max_sign_form_fields : 64);
    if (!form) return respond(plain_page(400, *v.text, v.text->invalid_title, v.text->form_expired));
    auto const* csrf = form->get("csrf");
    if (!csrf || !same_secret(*csrf, expected_csrf)) return respond(see_other(base + "?n=expired"));
    auto back = [respond, base](std::string const& notice) {
        respond(see_other(notice.empty() ? base : base + "?n=" + notice));
    };
    bool may_act = view.step == Step::sign || view.step == Step::verify;

    if (v.rest == "consent") {
        if (!may_act) return back("notnow");
        if (!form->get("agree") || *form->get("agree") != "yes") return back("agree");
        json detail = {{"text", v.text->consent_text}, {"language", v.text->lang}};
        return sh.s.runtime.signer_record(id, role, "consent_given", std::move(detail), origin,
                                          [back](engine::Reply const& r) { back(done(r) ? "" : "notnow"); });
    }
    if (v.rest == "delegate") {
        if (view.step != Step::sign || !view.may_delegate) return back("notnow");
        // Too long is refused, never cut (a cut could split a character or
        // make another address); the engine checks the rest.
        std::string const name = form->get("name") ? *form->get("name") : std::string();
        std::string const email = form->get("email") ? *form->get("email") : std::string();
        if (code_points(name) > 200 || email.size() > 254) return back("delegate");
        Text const* text = v.text;
        return sh.s.runtime.delegate_signer(
            id, role, {{"name", name}, {"email", email}}, origin, [respond, back, text](engine::Reply const& r) {
                if (r.outcome == engine::Outcome::invalid) return back("delegate");
                if (!done(r)) return back("notnow");
                // The page they handed over from: this link no longer works.
                Frame f;
                f.text = text;
                f.title = text->delegated_title;
                f.body = paragraph(text->delegated_body, "delegated");
                respond(html(200, f));
            });
    }
    if (v.rest == "decline") {
        if (view.step != Step::sign) return back("notnow");
        std::string reason = form->get("reason") ? clip(*form->get("reason"), 1000) : std::string();
        return sh.s.runtime.signer_event(id, role, "declined", {{"reason", reason}}, {},
                                         [back](engine::Reply const& r) { back(done(r) ? "" : "notnow"); }, origin);
    }
    if (!consented) return back("notnow");
    if (v.rest == "code") {
        if (view.step != Step::verify) return back("notnow");
        if (!sh.codes.allow(v.link.hash)) return back("many");
        auto const* code = form->get("code");
        std::string typed = code ? code->substr(0, 16) : std::string();
        return sh.s.runtime.submit_code(id, role, typed, origin, [respond, base](engine::Reply const& r) {
            respond(see_other(base + after_code(r)));
        });
    }
    if (v.rest == "code/resend") {
        if (view.step != Step::verify) return back("notnow");
        return sh.s.runtime.resend_code(id, role, origin, [back](engine::Reply const& r) {
            back(done(r) ? "resent" : r.outcome == engine::Outcome::over_limit ? "many" : "notnow");
        });
    }
    if (v.rest == "sign") {
        if (view.step != Step::sign) return back("notnow");
        if (!sh.signatures.allow(v.link.hash)) return back("many");
        auto const* name = form->get("name");
        std::string typed = name ? *name : std::string();
        while (!typed.empty() && typed.back() == ' ') typed.pop_back();
        while (!typed.empty() && typed.front() == ' ') typed.erase(typed.begin());
        if (typed.empty() || code_points(typed) > 200) return back("name");
        if (!form->get("agree") || *form->get("agree") != "yes") return back("agree");
        for (auto const& a : view.attachments)
            if (a.required && !a.uploaded) return back("files");
        json data = {{"name", typed}, {"method", "signing page"}};
        if (auto const* image = form->get("image"); image && !image->empty()) {
            constexpr std::string_view prefix = "data:image/png;base64,";
            if (!image->starts_with(prefix) || image->size() > max_image_bytes) return back("notnow");
            data["image"] = image->substr(prefix.size());
        }
        // The fields this signer fills (`field.NAME`; a check box left blank
        // is not sent, and counts as not ticked). The engine checks them.
        json fields = json::object();
        for (auto const& [k, value] : form->fields)
            if (k.starts_with("field.") && k.size() > 6 && !fields.contains(k.substr(6))) fields[k.substr(6)] = value;
        if (!fields.empty() || !view.fields.empty()) data["fields"] = fields;
        // One signature per link: a double click or a resent form changes
        // nothing. A signature refused for its fields is not remembered under
        // the key (the engine keeps no answer for it): corrected values try again.
        std::string key = "page:" + v.link.hash.substr(0, 32) + ":signed";
        auto held = std::make_shared<http::Request>(req);
        return sh.s.runtime.signer_event(
            id, role, "signed", std::move(data), key,
            [shp, v, held, respond, back, fields, typed](engine::Reply const& r) {
                if (r.outcome == engine::Outcome::invalid && r.body.value("fields", json()).is_object()) {
                    auto input = std::make_shared<SignInput>(SignInput{typed, fields, r.body["fields"]});
                    bool queued = shp->s.work.post([shp, v, held, respond, input]() mutable {
                        serve_page(*shp, v, *held, respond, input.get());
                    });
                    if (!queued) back("notnow");
                    return;
                }
                back(done(r) ? "" : "notnow");
            },
            origin);
    }
    respond(plain_page(404, *v.text, v.text->invalid_title, v.text->invalid_body));
}

}  // namespace

Routes make_signing_routes(PageServices services) {
    auto sh = std::make_shared<Shared>(std::move(services));
    return [sh](http::Request& req, http::Respond& respond) -> bool {
        if (!req.path.starts_with("/sign/") && req.path != "/sign") return false;
        Text const& guess = text_for({}, accept_language(req));
        auto parts = segments(req.path);
        std::string ip = origin_of(req).ip;
        if (parts.size() < 2) {
            respond(plain_page(404, guess, guess.invalid_title, guess.invalid_body));
            return true;
        }
        Visit v;
        v.token = std::string(parts[1]);
        v.base = "/sign/" + v.token;
        auto link = sh->s.links.resolve(v.token);
        if (!link) {
            // Guessing is hopeless (256 bits), but each guess costs a lookup
            // and a security event: past the limit, an address gets 429
            // (and no more events) for the rest of the minute. Valid links
            // from the same address (signers behind one proxy) still work.
            if (!sh->misses.allow(ip)) {
                respond(plain_page(429, guess, guess.invalid_title, guess.too_many));
                return true;
            }
            // Through the daemon's one limiter: a flood from many addresses
            // becomes a few rows ("N more from M addresses"), not a write
            // per guess.
            sh->s.events->record("unknown_signing_link", "sign", ip,
                                 {{"user_agent", clip(origin_of(req).user_agent, 200)}});
            respond(plain_page(404, guess, guess.invalid_title, guess.invalid_body));
            return true;
        }
        // A link past its lifetime: 410, and how to get a new one. Nothing
        // of the envelope is shown (the link may sit in an old mailbox).
        if (sh->s.links.expired(*link, base::now_ms())) {
            respond(plain_page(410, guess, guess.link_expired_title, guess.link_expired_body));
            return true;
        }
        if (link->purpose == "embedded") respond = framed(std::move(respond), sh->s.links.lifetimes().frame_origins);
        v.link = *link;
        for (std::size_t i = 2; i < parts.size(); ++i) v.rest += (i > 2 ? "/" : "") + std::string(parts[i]);
        if (auto const* d = req.param("document")) v.document = *d;
        auto r = sh->s.runtime.signer(link->envelope, link->role);
        if (r.outcome != engine::Outcome::ok || r.value.step == engine::SignerStep::unknown) {
            respond(plain_page(404, guess, guess.invalid_title, guess.invalid_body));
            return true;
        }
        v.view = std::move(r.value);
        json const& signer = v.view.signer;
        std::string language = signer.value("language", json()).is_string() ? signer["language"].get<std::string>() : "";
        v.text = &text_for(language, accept_language(req));
        // A link made before an operator corrected this signer (a mistyped
        // address may have reached someone else): 410, nothing shown.
        if (link->created_ms < v.view.links_from_ms) {
            // Handed over by the signer (a delegate signs now), or corrected by an operator.
            bool const handed = v.view.on_behalf_of.is_object();
            respond(plain_page(410, *v.text, handed ? v.text->delegated_title : v.text->link_replaced_title,
                               handed ? v.text->delegated_body : v.text->link_replaced_body));
            return true;
        }
        // An embed link opens an embedded session once: a link of its own
        // (the page's forms and images use it), for an hour at most.
        if (link->purpose == "embed") {
            // Only a GET opens it (a HEAD from a link checker must not use it up).
            if (parts.size() != 2) {
                respond(plain_page(404, guess, guess.invalid_title, guess.invalid_body));
                return true;
            }
            if (req.method != "GET") {
                respond(method_not_allowed("GET"));
                return true;
            }
            if (link->used_ms != 0 || !sh->s.links.use(*link)) {
                respond(plain_page(410, guess, guess.link_used_title, guess.link_used_body));
                return true;
            }
            try {
                std::string url = sh->s.links.mint(link->envelope, link->role, "embedded",
                                                   base::now_ms() + embedded_session_ms, link->detail);
                framed(respond, sh->s.links.lifetimes().frame_origins)(see_other(url.substr(url.find("/sign/"))));
            } catch (std::exception const& e) {
                respond(error(503, std::string("no session could be opened: ") + e.what()));
            }
            return true;
        }

        if (req.method == "POST") {
            handle_post(sh, v, req, respond);
        } else if (req.method != "GET" && req.method != "HEAD") {
            respond(method_not_allowed("GET, POST"));
        } else if ((v.rest.empty() || (v.rest.starts_with("pages/") && parts.size() == 4)) && reading_document(v)) {
            // The signing step's page and its images need the document's
            // pages drawn (pdftoppm, seconds for a long PDF): on the file
            // threads, so that no request thread waits for a drawing. Every
            // other page (consent, code, wait, ended) draws nothing.
            std::string image = parts.size() == 4 ? std::string(parts[3]) : std::string();
            auto held = std::make_shared<http::Request>(std::move(req));
            bool queued = sh->s.work.post([sh, v, held, image, respond]() mutable {
                if (image.empty())
                    serve_page(*sh, v, *held, respond);
                else
                    serve_page_image(*sh, v, image, respond);
            });
            if (!queued) respond(error(503, "the daemon is busy reading other files; try again in a minute", {{"retry_after_seconds", 60}}));
        } else if (v.rest.empty()) {
            serve_page(*sh, v, req, respond);
        } else if (v.rest.starts_with("pages/") && parts.size() == 4) {
            serve_page_image(*sh, v, parts[3], respond);
        } else if (v.rest == "document") {
            serve_pdf(*sh, v, respond);
        } else if (v.rest == "documents.zip") {
            serve_zip(*sh, v, respond);
        } else {
            respond(plain_page(404, *v.text, v.text->invalid_title, v.text->invalid_body));
        }
        return true;
    };
}

Routes make_signing_link_routes(engine::Runtime& runtime, Links& links) {
    return [&runtime, &links](http::Request& req, http::Respond& respond) -> bool {
        auto parts = segments(req.path);
        if (parts.size() != 6 || parts[0] != "v1" || parts[1] != "instances" || parts[3] != "signers" ||
            parts[5] != "link")
            return false;
        if (req.method != "POST") {
            respond(method_not_allowed("POST"));
            return true;
        }
        std::int64_t id = 0;
        if (!parse_id(parts[2], id)) {
            respond(error(400, "the envelope id must be a positive number"));
            return true;
        }
        json body;
        http::Response bad;
        if (!read_json(req, body, bad, false)) {
            respond(std::move(bad));
            return true;
        }
        std::string purpose = body.value("purpose", json("sign")).is_string() ? body.value("purpose", "sign") : "";
        if (purpose != "sign" && purpose != "download") {
            respond(error(400, "`purpose` is \"sign\" (the default) or \"download\""));
            return true;
        }
        // Embedded signing: a link that works once, for minutes, to be
        // framed by an allowed origin and to return to `return_url` there.
        json const embed = body.value("embed", json(false));
        if (!embed.is_boolean()) {
            respond(error(400, "`embed` is true or false"));
            return true;
        }
        std::int64_t embed_ms = 0;
        std::string embed_detail;
        if (embed.get<bool>()) {
            auto const& origins = links.lifetimes().frame_origins;
            if (origins.empty()) {
                respond(error(409, "embedded signing is off: start the daemon with --frame-ancestor ORIGIN"));
                return true;
            }
            if (purpose != "sign") {
                respond(error(400, "an embed link signs: leave `purpose` out"));
                return true;
            }
            json const ret = body.value("return_url", json());
            std::string const return_url = ret.is_string() ? ret.get<std::string>() : "";
            std::string const origin = origin_of_url(return_url);
            std::string allowed;
            for (auto const& o : origins) allowed += (allowed.empty() ? "" : ", ") + o;
            if (return_url.size() > 2000 || origin.empty() ||
                std::find(origins.begin(), origins.end(), origin) == origins.end()) {
                respond(error(422, "`return_url` must be an http(s) URL of 2000 bytes at most on an allowed origin (" +
                                       allowed + ")"));
                return true;
            }
            json const ttl = body.value("ttl", json("10m"));
            embed_ms = ttl.is_string() ? embed_ttl_ms(ttl.get<std::string>()) : 0;
            if (embed_ms == 0) {
                respond(error(422, "`ttl` is a duration from 1m to 60m, like \"10m\""));
                return true;
            }
            embed_detail = json{{"return_url", return_url}}.dump();
        }
        std::string role(parts[4]);
        auto view = runtime.signer(id, role);
        if (view.outcome != engine::Outcome::ok) {
            respond(error(http_status(view.outcome), view.outcome == engine::Outcome::not_found
                                                         ? "no envelope with this id"
                                                         : "the envelope's workflow version is not loaded",
                          {{"id", id}}));
            return true;
        }
        if (view.value.step == engine::SignerStep::unknown) {
            respond(error(404, "the envelope's workflow has no role `" + role + "`", {{"id", id}}));
            return true;
        }
        try {
            if (embed_ms > 0) {
                std::int64_t const expires = base::now_ms() + embed_ms;
                std::string url = links.mint(id, role, "embed", expires, embed_detail);
                respond(reply_json(201, {{"id", id}, {"role", role}, {"purpose", "embed"}, {"url", url},
                                         {"expires_at", engine::utc_text(engine::from_millis(expires))},
                                         {"step", engine::step_name(view.value.step)}}));
                return true;
            }
            std::string url = links.mint(id, role, purpose);
            respond(reply_json(201, {{"id", id}, {"role", role}, {"purpose", purpose}, {"url", url},
                                     {"step", engine::step_name(view.value.step)}}));
        } catch (std::exception const& e) {
            respond(error(500, std::string("the link could not be made: ") + e.what()));
        }
        return true;
    };
}

}  // namespace signflow::app::signing
