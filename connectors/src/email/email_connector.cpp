// The `email` kind: `notify NAME with "text"` mails the text to the
// connector's `to` list over SMTP (email/smtp.cpp). The same SMTP settings
// make the MailTransport the `messages` connector sends signer mail with
// (Loaded::mail).
//
//     [connectors.sales]
//     kind = "email"
//     smtp_host = "smtp.example.com"
//     smtp_port = 587             # default: 465 with tls = true, 587 with starttls = true, else 25
//     starttls = true             # true: required; false: never; unset: when the server offers it
//     username = "signflow"
//     password = "${SMTP_PASSWORD}"
//     from = "Acme Signing <signflow@acme.example>"
//     to = ["sales@acme.example"]
#include "builtin.hpp"
#include "email/smtp.hpp"
#include "http/settings.hpp"
#include "messages/encoding.hpp"

namespace signflow::connectors {
namespace {

class SmtpTransport final : public MailTransport {
public:
    SmtpTransport(email::SmtpSettings settings, Mailbox from) : settings_(std::move(settings)), from_(std::move(from)) {}
    SendOutcome send(MailMessage const& message) override { return email::send_mail(settings_, message); }
    Mailbox const& sender() const override { return from_; }

private:
    email::SmtpSettings settings_;
    Mailbox from_;
};

class EmailConnector final : public engine::Connector {
public:
    EmailConnector(std::string name, std::shared_ptr<SmtpTransport> transport, std::vector<Mailbox> to,
                   std::optional<engine::RetryPolicy> retry)
        : name_(std::move(name)), transport_(std::move(transport)), to_(std::move(to)), retry_(retry) {}

    std::string const& name() const override { return name_; }
    std::optional<engine::RetryPolicy> retry() const override { return retry_; }

    engine::DeliveryResult deliver(engine::Delivery const& d) override {
        if (d.kind != "notify")
            return {false, true,
                    "email connector " + name_ + " sends `notify " + name_ + " with …` only, not `" + d.kind +
                        "` (signer messages go to the `messages` connector)",
                    {}};
        MailMessage m;
        m.from = transport_->sender();
        m.to = to_;
        // The same id on every attempt: a mail system can drop a repeat.
        m.message_id = messages_detail::sanitized(d.key) + "." + m.from.address;
        m.subject = d.workflow + ": envelope " + std::to_string(d.instance);
        m.text = messages_detail::notify_text(d.data);
        if (to_.empty())
            return {false, true, "email connector " + name_ + " has no `to` to send `" + d.kind + "` to", {}};
        if (m.text.empty()) m.text = m.subject;
        SendOutcome sent = transport_->send(m);
        if (!sent.ok) return {false, sent.permanent, "email " + name_ + ": " + sent.error, {}};
        return {true, false, {}, {{"reply", sent.receipt}, {"recipients", to_.size()}}};
    }

private:
    std::string name_;
    std::shared_ptr<SmtpTransport> transport_;
    std::vector<Mailbox> to_;
    std::optional<engine::RetryPolicy> retry_;
};

bool flag(http::Settings const& s, std::string const& key) {
    if (!s.has(key)) return false;
    if (!s.at(key).is_boolean()) s.fail(key, "expected true or false");
    return s.at(key).get<bool>();
}

Mailbox mailbox_setting(http::Settings const& s, std::string const& key, std::string const& text) {
    auto m = parse_mailbox(text);
    if (!m) s.fail(key, "is not an email address (expected \"name@domain\" or \"Name <name@domain>\")");
    return *m;
}

}  // namespace

std::unique_ptr<engine::Connector> make_email_connector(ConnectorSpec const& spec, Services const& services,
                                                        std::shared_ptr<MailTransport>& transport) {
    (void)services;
    http::Settings s(spec, {"smtp_host", "smtp_port", "starttls", "tls", "username", "password", "from", "to", "timeout",
                            "ca_file", "helo", "retries", "backoff_base", "backoff_cap"});
    email::SmtpSettings smtp;
    smtp.host = s.required_string("smtp_host");
    bool const implicit = flag(s, "tls");
    if (implicit && s.has("starttls") && flag(s, "starttls"))
        s.fail("starttls", "cannot be true with tls = true (the connection is encrypted from the start)");
    smtp.tls = implicit ? email::Tls::implicit
               : !s.has("starttls") ? email::Tls::opportunistic
               : flag(s, "starttls") ? email::Tls::starttls
                                     : email::Tls::none;
    std::int64_t const default_port = implicit ? 465 : smtp.tls == email::Tls::starttls ? 587 : 25;
    smtp.port = std::to_string(s.integer("smtp_port", default_port, 1, 65535));
    smtp.username = s.string("username", "");
    smtp.password = s.string("password", "");
    if (!smtp.username.empty() && !s.has("password")) s.fail("password", "required with `username`");
    if (!smtp.username.empty() && smtp.tls == email::Tls::none && !email::loopback(smtp.host))
        s.fail("username", "would send the password in clear text to " + smtp.host +
                               ": set starttls = true or tls = true");
    smtp.ca_file = s.ca_file();
    smtp.helo = s.string("helo", "localhost");
    if (smtp.helo.empty() || smtp.helo.find_first_of(" \r\n") != std::string::npos)
        s.fail("helo", "must be one host name");
    smtp.timeout = s.duration("timeout", std::chrono::seconds(30));
    Mailbox from = mailbox_setting(s, "from", s.required_string("from"));
    std::vector<Mailbox> to;
    std::vector<std::string> list;
    if (s.at("to").is_string())
        list.push_back(s.string("to", ""));
    else
        list = s.strings("to");
    for (auto const& t : list) to.push_back(mailbox_setting(s, "to", t));
    auto retry = s.retry(-1, std::chrono::seconds(30), std::chrono::hours(6));
    auto smtp_transport = std::make_shared<SmtpTransport>(std::move(smtp), std::move(from));
    transport = smtp_transport;
    return std::make_unique<EmailConnector>(spec.name, smtp_transport, std::move(to), retry);
}

}  // namespace signflow::connectors
