#include "document_connector.hpp"

#include "certificate.hpp"

#include "files.hpp"
#include "secret_files.hpp"
#include "signflow/base/digest.hpp"
#include "signflow/base/text.hpp"
#include "signflow/documents/attachments.hpp"
#include "signflow/documents/completion.hpp"
#include "signflow/documents/error.hpp"
#include "signflow/documents/form.hpp"
#include "signflow/documents/keys.hpp"
#include "signflow/documents/signature_image.hpp"
#include "signflow/documents/signing.hpp"
#include "signflow/stdlib/stock_documents.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <toml++/toml.h>

#include <chrono>
#include <fstream>
#include <sys/stat.h>

namespace signflow::app {
namespace fs = std::filesystem;
using engine::DeliveryResult;
using nlohmann::json;

namespace {

using base::now_ms;

std::string base64_decode(std::string const& text) {
    std::string out(text.size() / 4 * 3 + 3, '\0');
    EVP_ENCODE_CTX* ctx = EVP_ENCODE_CTX_new();
    EVP_DecodeInit(ctx);
    int n = 0, tail = 0;
    bool ok = EVP_DecodeUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &n,
                               reinterpret_cast<unsigned char const*>(text.data()), static_cast<int>(text.size())) >= 0 &&
              EVP_DecodeFinal(ctx, reinterpret_cast<unsigned char*>(out.data()) + n, &tail) == 1;
    EVP_ENCODE_CTX_free(ctx);
    if (!ok) throw documents::DocumentError("the signature image is not valid base64");
    out.resize(static_cast<std::size_t>(n + tail));
    return out;
}

class DocumentConnector final : public engine::Connector {
public:
    DocumentConnector(engine::Store& store, DocumentSettings settings)
        : store_(store), settings_(std::move(settings)) {}

    std::string const& name() const override { return name_; }

    DeliveryResult deliver(engine::Delivery const& d) override {
        try {
            std::int64_t revision = d.data.value("revision", std::int64_t{1});
            // Made already (a retry after a crash, or after a failed flush):
            // answer with what is there.
            if (auto done = store_.document(d.instance, revision)) return ok(*done, d);
            if (d.kind == "fill") return fill(d, revision);
            // The revision this one is made on: the document's latest (named
            // by the engine), or, for an envelope from before documents were
            // named, the envelope's previous one.
            std::int64_t const on = d.data.value("signs", std::int64_t{0}) > 0 ? d.data.value("signs", std::int64_t{0})
                                                                               : revision - 1;
            auto previous = store_.document(d.instance, on);
            if (!previous)
                return {false, false, "revision " + std::to_string(on) + " of envelope " +
                                          std::to_string(d.instance) + " is not written yet", {}};
            return d.kind == "sign" ? sign(d, *previous, revision) : seal(d, *previous, revision);
        } catch (documents::DocumentError const& e) {
            // A template that is missing or does not fit its values will not
            // fit on the next try either. A signature or seal may fail for a
            // passing reason (the TSA is down): it is retried, with backoff.
            return {false, d.kind == "fill", e.what(), {}};
        }
    }

private:
    DeliveryResult ok(engine::DocumentRecord const& r, engine::Delivery const& d) {
        json detail = {{"document_sha256", r.sha256}, {"revision", r.revision}};
        if (!r.document.empty()) detail["document"] = r.document;
        if (d.kind == "fill") {
            json const what = d.data.value("data", json::object());
            detail["template"] = what.value("template", "");
            if (what.contains("problems")) detail["problems"] = what["problems"];
        }
        return {true, false, {}, std::move(detail)};
    }

    DeliveryResult put(engine::Delivery const& d, std::int64_t revision, char const* kind, std::string pdf) {
        // A fill names its template; a signature or seal, the document it is made on.
        std::string document = d.kind == "fill" ? d.target : d.data.value("document", std::string());
        engine::DocumentRecord r{d.instance, revision, kind, documents::sha256_hex(pdf), std::move(pdf), now_ms(),
                                 std::move(document)};
        store_.put_document(r);
        return ok(r, d);
    }

    std::string template_bytes(std::string const& source) {
        if (source.starts_with("stdlib:")) {
            auto doc = stdlib::stock_document(source.substr(7));
            if (!doc) throw documents::DocumentError("no stock template `" + source.substr(7) + "`");
            return std::string(*doc);
        }
        fs::path path = settings_.rules / source;
        std::ifstream in(path, std::ios::binary);
        if (source.empty() || !fs::is_regular_file(path) || !in)
            throw documents::DocumentError("cannot read the template " + path.string());
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    // A document of its own at `revision`: an envelope's second document
    // follows the first one's signatures (it is not an update of them).
    DeliveryResult fill(engine::Delivery const& d, std::int64_t revision) {
        // The machine evaluated the template's fields and sections into the
        // action's data (engine/machine: fill_data).
        json const what = d.data.value("data", json::object());
        documents::FillRequest request;
        request.values = what.value("values", json::object());
        json const sections = what.value("sections", json::object());
        for (auto& [name, shown] : sections.items())
            request.sections[name] = shown.is_boolean() && shown.get<bool>();
        for (auto const& p : what.value("placed", json::array()))
            if (p.is_object() && p.value("name", json()).is_string())
                request.placed.push_back({p["name"], p.value("page", 1), p.value("x", 0.0), p.value("y", 0.0),
                                          p.value("width", 0.0), p.value("height", 0.0)});
        auto filled = documents::fill(template_bytes(what.value("source", "")), request);
        return put(d, revision, "filled", std::move(filled.pdf));
    }

    // The fields the signer filled (`field … from ROLE`), drawn into the
    // document and locked read-only: the signature that follows covers them.
    // The text fields asked of the signer and left blank are locked blank, a
    // check box, choice or radio left blank is locked as the PDF has it
    // (nothing can be added under the signature). An initials field NAME
    // that the PDF has as kids (NAME.1, NAME.2, one per page) fills each
    // kid. A value the PDF refuses (longer than its field's MaxLen, say) or a
    // name it lacks is left out, named in `not_drawn`: the signature goes on
    // (the value is in the audit trail and the certificate all the same).
    static std::string with_fields(std::string const& pdf, json const& fields, json const& blank,
                                   std::vector<std::string>& not_drawn) {
        auto info = documents::describe(pdf);
        json values = json::object();
        std::vector<std::string> lock;  // asked, left blank, not text: locked as the PDF has it
        auto put = [&](std::string const& name, json const& value, bool blank) {
            bool direct = std::any_of(info.fields.begin(), info.fields.end(), [&](auto const& f) { return f.name == name; });
            bool found = false;
            for (auto const& f : info.fields) {
                bool match = direct ? f.name == name : f.name.starts_with(name + ".");
                if (!match) continue;
                if (blank && f.type != documents::FieldType::text)
                    lock.push_back(f.name);
                else
                    values[f.name] = value;
                found = true;
            }
            if (!found && !blank) not_drawn.push_back(name);
        };
        if (fields.is_object())
            for (auto const& [name, value] : fields.items()) put(name, value, false);
        if (blank.is_array())
            for (auto const& name : blank)
                if (name.is_string()) put(name.get<std::string>(), "", true);
        if (values.empty() && lock.empty()) return pdf;
        documents::FillRequest request;
        request.values = values;
        request.lock = lock;
        try {
            return documents::fill(pdf, request).pdf;
        } catch (documents::DocumentError const&) {
            // One value the PDF refuses: the others are drawn, that one named.
            documents::FillRequest drawable;
            drawable.lock = lock;
            for (auto const& [name, value] : values.items()) {
                documents::FillRequest one;
                one.values[name] = value;
                try {
                    documents::fill(pdf, one);
                    drawable.values[name] = value;
                } catch (documents::DocumentError const&) {
                    not_drawn.push_back(name);
                }
            }
            return drawable.values.empty() && drawable.lock.empty() ? pdf : documents::fill(pdf, drawable).pdf;
        }
    }

    DeliveryResult sign(engine::Delivery const& d, engine::DocumentRecord const& given, std::int64_t revision) {
        std::string filled;
        std::vector<std::string> not_drawn;
        if (auto const it = d.data.find("fields"); it != d.data.end() && it->is_object())
            filled = with_fields(given.pdf, *it, d.data.value("blank_fields", json::array()), not_drawn);
        std::string const& pdf = filled.empty() ? given.pdf : filled;
        auto noted = [&not_drawn](DeliveryResult r) {
            if (!not_drawn.empty()) r.detail["fields_not_drawn"] = not_drawn;
            return r;
        };
        documents::SignRequest request;
        std::string role = d.data.value("role", "");
        request.appearance.name = d.data.value("name", role);
        request.appearance.date_text = d.data.value("date_text", "");
        bool image_refused = false;
        if (d.data.contains("image") && d.data["image"].is_string()) {
            // Checked by its header before a pixel is decoded (at most 4
            // million pixels), then scaled down to the signing page's
            // 600×180 canvas: a PNG bomb neither fills the daemon's memory
            // nor lives on in the PDF (signature_image.hpp). Decoded in a
            // signflow-parse child (isolated.hpp): libpng never runs here.
            try {
                request.appearance.image_png = settings_.files->fit_signature_image(base64_decode(d.data["image"]));
            } catch (documents::DocumentError const&) {
                request.appearance.image_png.clear();  // the typed name stands in (below)
                image_refused = true;
            }
        }
        request.appearance.field = role;  // a signature field named after the role (docs/templates.md)
        request.reason = "Signed by " + request.appearance.name + " (" + role + ")";
        // A delegate: "signed by X on behalf of Y", in the box and the signature's reason.
        if (auto b = d.data.value("on_behalf_of", json()); b.is_string() && !b.get<std::string>().empty()) {
            request.appearance.note = "on behalf of " + b.get<std::string>();
            request.reason = "Signed by " + request.appearance.name + " on behalf of " + b.get<std::string>() + " (" +
                             role + ")";
        }
        request.tsa_url = settings_.tsa_url;
        request.when = std::chrono::system_clock::time_point(std::chrono::milliseconds(d.data.value("signed_at", now_ms())));
        if (!request.appearance.image_png.empty()) {
            // A drawn signature that cannot be drawn (not a PNG or JPEG) must
            // not keep the document unsigned: the typed name stands in.
            try {
                return noted(put(d, revision, "signed", documents::sign(pdf, *settings_.credentials, request)));
            } catch (documents::DocumentError const&) {
                request.appearance.image_png.clear();
                auto result = put(d, revision, "signed", documents::sign(pdf, *settings_.credentials, request));
                result.detail["image_refused"] = true;
                return noted(std::move(result));
            }
        }
        auto result = put(d, revision, "signed", documents::sign(pdf, *settings_.credentials, request));
        if (image_refused) result.detail["image_refused"] = true;
        return noted(std::move(result));
    }

    DeliveryResult seal(engine::Delivery const& d, engine::DocumentRecord const& previous, std::int64_t revision) {
        std::string pdf = previous.pdf;
        auto files = store_.attachments(d.instance);
        if (!files.empty()) {
            std::vector<documents::EmbeddedFile> embedded;
            for (auto& f : files)
                embedded.push_back({f.file_name.empty() ? f.name : f.file_name, f.media_type, f.bytes,
                                    f.name + ", uploaded by " + f.role + " (SHA-256 " + f.sha256 + ")"});
            pdf = documents::embed_attachments(pdf, embedded);
        }
        // The certificate covers the trail as committed so far (everything up
        // to `completed`); the `sealed` entry follows it.
        auto made = envelope_certificate(store_, d.instance, previous.sha256, true, previous.document);
        if (!made) return {false, false, "envelope " + std::to_string(d.instance) + " has no audit trail yet", {}};
        json const& certificate = *made;
        pdf = documents::append_completion_page(pdf, certificate);
        documents::SignRequest request;
        request.appearance.visible = false;
        request.appearance.name = settings_.operator_name;
        request.reason = "Sealed by " + settings_.operator_name + ": envelope " + std::to_string(d.instance) +
                         " is complete; audit chain head " + certificate.value("chain_head", "");
        request.tsa_url = settings_.tsa_url;
        request.when = std::chrono::system_clock::now();
        auto result = put(d, revision, "sealed", documents::sign(pdf, *settings_.credentials, request));
        result.detail["chain_head"] = certificate.value("chain_head", "");
        return result;
    }

    engine::Store& store_;
    DocumentSettings settings_;
    std::string name_ = "documents";
};

std::string read_text(fs::path const& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw InputError("cannot read " + p.string());
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

std::unique_ptr<engine::Connector> make_document_connector(engine::Store& store, DocumentSettings settings) {
    return std::make_unique<DocumentConnector>(store, std::move(settings));
}

DocumentSettings load_document_settings(fs::path const& config, fs::path const& rules, fs::path const& db,
                                        std::string& warning) {
    DocumentSettings s;
    s.rules = rules;
    fs::path key, cert, chain;
    if (!config.empty()) {
        toml::table t;
        try {
            t = toml::parse_file(config.string());
        } catch (toml::parse_error const& e) {
            throw InputError(config.string() + ": " + std::string(e.description()));
        }
        if (auto docs = t["documents"].as_table()) {
            auto path_of = [&](char const* k) -> fs::path {
                auto v = (*docs)[k].value<std::string>();
                if (!v) return {};
                fs::path p = *v;
                return p.is_relative() ? config.parent_path() / p : p;
            };
            key = path_of("key");
            cert = path_of("cert");
            chain = path_of("chain");
            s.tsa_url = (*docs)["tsa_url"].value_or(std::string());
        }
    }
    if (key.empty() != cert.empty())
        throw InputError(config.string() + ": [documents] needs both `key` and `cert` (PEM files)");
    if (key.empty()) {
        fs::path dir = db.parent_path().empty() ? fs::path(".") : db.parent_path();
        key = dir / "signflow-key.pem";
        cert = dir / "signflow-cert.pem";
        std::error_code ec;
        bool has_key = fs::exists(fs::symlink_status(key, ec)), has_cert = fs::exists(cert, ec);
        if (!has_key || !has_cert) {
            auto pair = documents::make_self_signed("signflow test seal");
            // A key left without its certificate (a crash between the two)
            // is replaced: the certificate is written after the key.
            if (has_key) fs::remove(key, ec);
            write_secret_file(key, pair.key_pem);
            write_file_atomically(cert, pair.cert_pem);
        }
        warning = "signing with the self-signed TESTING key " + key.string() +
                  " — readers will not trust it; configure [documents] key and cert for production";
    }
    check_secret_file(key, "the sealing key");
    {
        std::string pem = read_text(cert);
        std::erase_if(pem, [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
        s.certificate_fingerprint = signflow::base::sha256_hex(pem);
    }
    try {
        s.credentials = documents::load_credentials(read_text(key), read_text(cert),
                                                    chain.empty() ? std::string() : read_text(chain));
    } catch (documents::DocumentError const& e) {
        throw InputError(std::string("signing key: ") + e.what());
    }
    s.operator_name = documents::certificate_subject(*s.credentials);
    return s;
}

std::string load_code_secret(fs::path const& db) {
    fs::path dir = db.parent_path().empty() ? fs::path(".") : db.parent_path();
    fs::path file = dir / "signflow-otp.key";
    std::error_code ec;
    if (fs::exists(fs::symlink_status(file, ec))) {
        check_secret_file(file, "the one-time-code key");
        std::string text = read_text(file);
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        if (text.size() < 32) throw InputError(file.string() + ": the one-time-code key is too short");
        return text;
    }
    std::string key = signflow::base::random_hex(32);
    write_secret_file(file, key + "\n");
    return key;
}

}  // namespace signflow::app
