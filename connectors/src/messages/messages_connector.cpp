// The `messages` connector: every delivery addressed to a signer. It finds
// the recipient (the payload's `to`, or every signer on completion), words
// the message in the recipient's language (messages/wording.cpp), and sends
// it through the email or sms transport the [messages] table names — or,
// with none, writes it to the outbox folder as an .eml / .sms.txt file and
// logs the file's path (never the link or code inside).
//
// A delivery is retried whole: a warn_expiry or completion to several
// signers sends to all of them again when one failed. The Message-ID is the
// same on every attempt, so a mail system can drop the duplicates.
#include "archive/atomic_file.hpp"
#include "messages/encoding.hpp"
#include "messages/wording.hpp"
#include "signflow/connectors/messages.hpp"
#include "signflow/engine/store_errors.hpp"

#include <system_error>

namespace signflow::connectors {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using messages_detail::sanitized;

struct Recipient {
    std::string role, name, email, phone, language;
};

Recipient recipient(json const& who, std::string const& role = "") {
    Recipient r;
    auto text = [&](char const* key) {
        return who.is_object() && who.contains(key) && who[key].is_string() ? who[key].get<std::string>() : "";
    };
    r.role = role.empty() ? text("role") : role;
    r.name = text("name");
    r.email = text("email");
    r.phone = text("phone");
    // A phone number a bulk file's cell made a number (447700900777): its digits.
    if (who.is_object() && who.contains("phone") && who["phone"].is_number_integer() && who["phone"].get<std::int64_t>() > 0)
        r.phone = who["phone"].dump();
    r.language = messages_detail::language_of(text("language"));
    return r;
}

// What the log line calls a message ("signing link for client of envelope 42: …").
std::string purpose_of(std::string const& kind) {
    if (kind == "request_signature") return "signing link";
    if (kind == "remind") return "reminder";
    if (kind == "warn_expiry") return "expiry warning";
    if (kind == "send_code") return "one-time code";
    if (kind == "completed" || kind == "completed_link") return "signed copy";
    if (kind == "copy") return "copy";
    return "message";
}

class MessagesConnector final : public engine::Connector {
public:
    MessagesConnector(MessagesOptions options, MessageServices services)
        : o_(std::move(options)), s_(std::move(services)) {}

    std::string const& name() const override { return o_.name; }

    // Signers wait for these: a signed copy waiting for its seal, a mail
    // server back from a restart, is retried within a minute, not after the
    // hours the default backoff reaches; about half a day of tries in all.
    std::optional<engine::RetryPolicy> retry() const override {
        return engine::RetryPolicy{1440, std::chrono::seconds(1), std::chrono::minutes(1)};
    }

    engine::DeliveryResult deliver(engine::Delivery const& d) override {
        try {
            return dispatch(d);
        } catch (engine::StoreUnavailable const& e) {
            // The envelope's record could not be read (the database away):
            // tried again.
            return {false, false, o_.name + ": " + e.what(), {}};
        } catch (std::exception const& e) {
            // A template that does not render, an address that cannot be
            // written: the same next time.
            return {false, true, o_.name + ": " + e.what(), {}};
        }
    }

private:
    struct Sent {
        bool ok = true;
        bool permanent = false;
        std::string error;
        json detail;
    };

    engine::DeliveryResult dispatch(engine::Delivery const& d) {
        std::string const& kind = d.kind;
        json const& to = d.data.is_object() ? d.data.value("to", json()) : json();
        std::vector<Sent> results;
        if (kind == "request_signature") {
            // "request": the daemon sends no second link to a signer who
            // got one with their code and verified on the page just now;
            // an operator's resend or correction (`again`) always has one.
            bool const again = d.data.is_object() && d.data.value("again", false);
            results.push_back(to_signer(d, kind, recipient(to), again ? "sign" : "request"));
        } else if (kind == "remind") {
            results.push_back(to_signer(d, kind, recipient(to), "sign"));
        } else if (kind == "warn_expiry") {
            if (to.is_array())
                for (auto const& who : to) results.push_back(to_signer(d, kind, recipient(who), "sign"));
            else
                results.push_back(to_signer(d, kind, recipient(to), "sign"));
        } else if (kind == "send_code") {
            results.push_back(code(d, recipient(to)));
        } else if (kind == "notify") {
            results.push_back(to_signer(d, kind, recipient(to), ""));
        } else if (kind == "copy") {
            // `cc [...] on sent`: a link to read the envelope (it cannot
            // act); `on completed`: the signed copy, as the signers get it.
            if (d.data.value("on", std::string()) != "completed")
                results.push_back(to_signer(d, kind, recipient(to), "copy"));
            else
                return signed_copies(d, {recipient(to)});
        } else if (kind == "webhook") {
            std::string const event = d.data.is_object() ? d.data.value("event", std::string()) : "";
            if (event != "envelope.completed") return {true, false, {}, {{"ignored", event}}};
            return completed(d);
        } else {
            return {false, true, o_.name + " sends messages to signers, not `" + kind + "` deliveries", {}};
        }
        return outcome(results);
    }

    static engine::DeliveryResult outcome(std::vector<Sent> const& results) {
        json sent = json::array();
        for (auto const& r : results) {
            if (!r.ok) return {false, r.permanent, r.error, {}};
            sent.push_back(r.detail);
        }
        return {true, false, {}, {{"sent", sent}}};
    }

    std::string workflow(engine::Delivery const& d) const {
        if (!d.workflow.empty()) return d.workflow;
        return d.data.is_object() ? d.data.value("workflow", std::string()) : "";
    }

    // Values from event data on one line: a name cannot start a paragraph
    // of its own (say, a bare URL the HTML wording would make a button of).
    static std::string flat(std::string s) {
        for (auto& c : s)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
        return s;
    }

    json context(engine::Delivery const& d, Recipient const& r) const {
        return {{"workflow", flat(workflow(d))}, {"envelope", std::to_string(d.instance)},
                {"role", flat(r.role)},          {"name", flat(r.name.empty() ? r.role : r.name)},
                {"email", r.email},        {"phone", r.phone},
                {"language", r.language},  {"link", ""},
                {"code", ""},              {"expires_at", ""},
                {"text", ""}};
    }

    // request_signature, remind, warn_expiry (with a signing link) and
    // notify (link_purpose ""): by email when the signer has an address,
    // else by SMS.
    // A message queued for a signer whose address an operator corrected
    // since (a retry, a reminder, a dead letter sent again): not sent, and
    // no link made for the old address.
    bool superseded(engine::Delivery const& d, Recipient const& r) const {
        if (!s_.roles || r.role.empty()) return false;
        json roles = s_.roles(d.instance);
        json now = roles.is_object() ? roles.value(r.role, json()) : json();
        if (now.is_string()) now = json{{"email", now}};
        if (!now.is_object()) return false;
        auto text = [&](char const* k) { return now.value(k, json()).is_string() ? now[k].get<std::string>() : ""; };
        return text("email") != r.email || text("phone") != r.phone;
    }

    Sent to_signer(engine::Delivery const& d, std::string const& kind, Recipient const& r, std::string const& link_purpose) {
        if (superseded(d, r))
            return {true, false, {}, {{"role", r.role}, {"skipped", "the signer's details were corrected since"}}};
        json ctx = context(d, r);
        if (!link_purpose.empty()) {
            std::string link;
            try {
                link = s_.link ? s_.link(d.instance, r.role, link_purpose) : "";
            } catch (std::exception const& e) {
                // The daemon's address not known yet, the store busy: try again later.
                return {false, false, o_.name + ": no signing link for " + r.role + ": " + e.what(), {}};
            }
            if (link.empty()) return {true, false, {}, {{"role", r.role}, {"skipped", "the signer cannot act any more"}}};
            ctx["link"] = link;
        }
        // Flattened like names: text from event data cannot put a link on a
        // line of its own, which the HTML wording would make a button of.
        if (kind == "notify") ctx["text"] = flat(messages_detail::notify_text(d.data));
        auto words = messages_detail::word(kind, r.language, ctx, o_.templates);
        if (!r.email.empty()) return mail(d, kind, r, words, {});
        if (!r.phone.empty()) return text(d, kind, r, words);
        return {false, true, o_.name + ": " + r.role + " of envelope " + std::to_string(d.instance) +
                                 " has neither an email address nor a phone number", {}};
    }

    Sent code(engine::Delivery const& d, Recipient const& r) {
        if (superseded(d, r))
            return {true, false, {}, {{"role", r.role}, {"skipped", "the signer's details were corrected since"}}};
        std::string const method = d.data.value("method", std::string("sms"));
        json ctx = context(d, r);
        ctx["code"] = d.data.value("code", std::string());
        ctx["expires_at"] = d.data.value("expires_at", std::string());
        if (ctx["code"].get<std::string>().empty())
            return {false, true, o_.name + ": send_code without a code (the dispatcher issues it)", {}};
        auto words = messages_detail::word("send_code", r.language, ctx, o_.templates);
        Sent sent;
        if (method == "email") {
            if (r.email.empty())
                return {false, true, o_.name + ": " + r.role + " of envelope " + std::to_string(d.instance) +
                                         " has no email address for the one-time code", {}};
            sent = mail(d, "send_code", r, words, {});
        } else {
            if (r.phone.empty())
                return {false, true, o_.name + ": " + r.role + " of envelope " + std::to_string(d.instance) +
                                         " has no phone number for the one-time code", {}};
            sent = text(d, "send_code", r, words);
        }
        // A verification before signing: the signer has no link yet, and the
        // page they enter the code on is behind one. The first code comes
        // with the signing request, by email, or by SMS to a signer without
        // an address (a new code asked for on the page, key ….codeN, does not).
        bool resend = d.key.find(".code") != std::string::npos;
        if (!sent.ok || resend) return sent;
        Sent request = to_signer(d, "request_signature", r, "sign");
        if (!request.ok) return request;
        return {true, false, {}, json::array({sent.detail, request.detail})};
    }

    // The envelope.completed webhook: the signed copy to every role with an
    // address, but those copied by a `cc … on completed` (their own row).
    engine::DeliveryResult completed(engine::Delivery const& d) {
        if (!s_.roles) return {false, true, o_.name + ": this program cannot provide signed copies", {}};
        json roles = s_.roles(d.instance);
        json const detail = d.data.is_object() ? d.data.value("detail", json::object()) : json::object();
        json const copies = detail.is_object() ? detail.value("copies", json::array()) : json::array();
        std::vector<Recipient> to;
        if (roles.is_object())
            for (auto const& [role, who] : roles.items())
                if (!copies.is_array() || std::find(copies.begin(), copies.end(), json(role)) == copies.end())
                    to.push_back(recipient(who, role));
        return signed_copies(d, to);
    }

    engine::DeliveryResult signed_copies(engine::Delivery const& d, std::vector<Recipient> const& to) {
        if (!s_.final_copy) return {false, true, o_.name + ": this program cannot provide signed copies", {}};
        ArchiveBundle bundle = s_.final_copy(d.instance);
        if (!bundle.ready)
            return {false, false,
                    o_.name + ": the signed copy of envelope " + std::to_string(d.instance) + " is not ready" +
                        (bundle.why.empty() ? std::string() : ": " + bundle.why),
                    {}};
        std::vector<Sent> results;
        for (Recipient const& r : to) {
            std::string const& role = r.role;
            if (r.email.empty()) continue;  // a copy goes by email only
            json ctx = context(d, r);
            if (ctx["workflow"].get<std::string>().empty()) ctx["workflow"] = bundle.workflow;
            // Every document attached (several: one file each), when
            // together they fit the limit; else the download page's link.
            std::int64_t total = 0;
            for (auto const& doc : bundle.documents) total += static_cast<std::int64_t>(doc.pdf.size());
            if (bundle.documents.empty()) total = static_cast<std::int64_t>(bundle.pdf.size());
            bool const attach = !bundle.pdf.empty() && total <= o_.attach_limit;
            std::vector<Attachment> files;
            std::string kind = "completed";
            std::string const stem = sanitized(ctx["workflow"].get<std::string>()) + "-" + std::to_string(d.instance);
            if (attach && bundle.documents.empty()) {
                files.push_back({stem + ".pdf", "application/pdf", bundle.pdf});
            } else if (attach) {
                for (auto const& doc : bundle.documents)
                    files.push_back({stem + "-" + sanitized(doc.name) + ".pdf", "application/pdf", doc.pdf});
            } else {
                std::string link;
                try {
                    link = s_.link ? s_.link(d.instance, role, "download") : "";
                } catch (std::exception const& e) {
                    return {false, false, o_.name + ": no download link for " + role + ": " + e.what(), {}};
                }
                if (link.empty()) {
                    results.push_back({true, false, {}, {{"role", role}, {"skipped", "no download link"}}});
                    continue;
                }
                ctx["link"] = link;
                kind = "completed_link";
            }
            auto words = messages_detail::word(kind, r.language, ctx, o_.templates);
            results.push_back(mail(d, kind, r, words, std::move(files)));
        }
        return outcome(results);
    }

    // One name per message: the delivery's key and the recipient, and the
    // kind when a delivery sends two (a first code and the signing link).
    std::string file_stem(engine::Delivery const& d, Recipient const& r, std::string const& kind) const {
        return sanitized(d.key) + "." + sanitized(r.role) + (kind == d.kind ? "" : "." + sanitized(kind));
    }

    void info(std::string const& line) const {
        if (s_.info) s_.info(line);
    }

    Sent mail(engine::Delivery const& d, std::string const& kind, Recipient const& r,
              messages_detail::Wording const& words, std::vector<Attachment> files) {
        MailMessage m;
        m.from = o_.mail ? o_.mail->sender() : o_.from;
        m.to = {{r.name, r.email}};
        m.subject = words.subject;
        m.text = words.text;
        m.html = words.html;
        m.attachments = std::move(files);
        std::string const domain = m.from.address.substr(m.from.address.find('@') + 1);
        m.message_id = file_stem(d, r, kind) + "@" + domain;
        std::string const who = purpose_of(kind) + " for " + r.role + " of envelope " + std::to_string(d.instance);
        json detail = {{"role", r.role}, {"kind", kind}, {"channel", "email"}, {"message_id", m.message_id}};
        if (m.attachments.size() == 1) {
            detail["attached"] = m.attachments.front().file_name;
        } else if (!m.attachments.empty()) {
            json names = json::array();
            for (auto const& a : m.attachments) names.push_back(a.file_name);
            detail["attached"] = std::move(names);
        }
        if (o_.mail) {
            SendOutcome sent = o_.mail->send(m);
            if (!sent.ok) return {false, sent.permanent, o_.name + ": " + who + ": " + sent.error, {}};
            detail["reply"] = sent.receipt;
            info(who + ": mailed (" + sent.receipt + ")");
            return {true, false, {}, detail};
        }
        fs::path const file = write(file_stem(d, r, kind) + ".eml", to_mime(m));
        detail["channel"] = "outbox";
        detail["file"] = file.string();
        info(who + ": " + file.string());
        return {true, false, {}, detail};
    }

    Sent text(engine::Delivery const& d, std::string const& kind, Recipient const& r,
              messages_detail::Wording const& words) {
        std::string const who = purpose_of(kind) + " for " + r.role + " of envelope " + std::to_string(d.instance);
        json detail = {{"role", r.role}, {"kind", kind}, {"channel", "sms"}};
        if (o_.sms) {
            SendOutcome sent = o_.sms->send({"", r.phone, words.sms});
            if (!sent.ok) return {false, sent.permanent, o_.name + ": " + who + ": " + sent.error, {}};
            detail["receipt"] = sent.receipt;
            info(who + ": texted" + (sent.receipt.empty() ? "" : " (" + sent.receipt + ")"));
            return {true, false, {}, detail};
        }
        fs::path const file = write(file_stem(d, r, kind) + ".sms.txt", "To: " + r.phone + "\n\n" + words.sms + "\n");
        detail["channel"] = "outbox";
        detail["file"] = file.string();
        info(who + ": " + file.string());
        return {true, false, {}, detail};
    }

    fs::path write(std::string const& name, std::string const& bytes) {
        std::error_code ec;
        fs::create_directories(o_.outbox, ec);
        if (ec) throw std::runtime_error("cannot create the outbox folder " + o_.outbox.string() + ": " + ec.message());
        archive::write_file(o_.outbox, name, bytes);
        archive::sync_folder(o_.outbox);
        return o_.outbox / name;
    }

    MessagesOptions o_;
    MessageServices s_;
};

}  // namespace

std::unique_ptr<engine::Connector> make_messages_connector(MessagesOptions options, MessageServices services) {
    return std::make_unique<MessagesConnector>(std::move(options), std::move(services));
}

std::unique_ptr<engine::Connector> make_messages_connector(Config const& config, Loaded const& loaded,
                                                           MessageServices services, fs::path const& default_outbox) {
    MessagesSpec const& spec = config.messages;
    MessagesOptions options;
    auto at = [&](std::string const& key) {
        auto it = spec.places.find(key);
        return (it != spec.places.end() ? it->second : spec.where).text();
    };
    auto lookup = [&](auto const& transports, std::string const& key, std::string const& name, char const* kind) {
        auto it = transports.find(name);
        if (it != transports.end()) return it->second;
        std::string known;
        for (auto const& [n, t] : transports) known += (known.empty() ? "" : ", ") + n;
        throw ConfigError(at(key) + ": [messages] `" + key + "`: `" + name + "` is not " + kind +
                          " connector" + (known.empty() ? " (none is defined)" : " (defined: " + known + ")"));
    };
    if (!spec.email.empty()) options.mail = lookup(loaded.mail, "email", spec.email, "an email");
    if (!spec.sms.empty()) options.sms = lookup(loaded.sms, "sms", spec.sms, "an sms");
    options.outbox = spec.outbox.empty() ? fs::absolute(default_outbox) : spec.outbox;
    options.templates = spec.templates;
    options.attach_limit = spec.attach_limit;
    if (!spec.from.empty()) {
        auto from = parse_mailbox(spec.from);
        if (!from) throw ConfigError(at("from") + ": [messages] `from` is not an email address");
        options.from = *from;
    }
    return make_messages_connector(std::move(options), std::move(services));
}

}  // namespace signflow::connectors
