#pragma once
// What signers receive: emails and text messages. Three layers, each usable
// alone:
//
//   - the message shapes and their wire form: MailMessage → to_mime() (an
//     RFC 5322 / MIME message: text and HTML alternatives, base64
//     attachments, RFC 2047 encoded UTF-8 subject and names), SmsMessage;
//   - the transports: MailTransport (the `email` kind's SMTP client),
//     SmsTransport (the `sms` kind's HTTP gateway). make_connectors builds
//     them for every email/sms connector and lists them in Loaded by name;
//   - the `messages` connector: the deliveries addressed to signers
//     (request_signature, remind, warn_expiry, send_code, notify to a role,
//     and the signed copy on `envelope.completed`), worded from templates in
//     the signer's language, sent through the transports named in the
//     [messages] table, or written to the outbox folder (.eml / .sms.txt)
//     when none is named.
#include "signflow/connectors/config.hpp"
#include "signflow/connectors/registry.hpp"
#include "signflow/engine/connector.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace signflow::connectors {

// ---- messages ----

struct Mailbox {
    std::string name;     // display name, any UTF-8 ("" for none)
    std::string address;  // local@domain, no angle brackets
};

// "Name <a@b>", "<a@b>" or "a@b"; nullopt when there is no plausible address
// (no '@', spaces, control characters or angle brackets inside it).
std::optional<Mailbox> parse_mailbox(std::string const& text);

struct Attachment {
    std::string file_name;   // UTF-8; RFC 2047-encoded in the headers when not ASCII
    std::string media_type;  // "application/pdf"
    std::string bytes;
};

struct MailMessage {
    Mailbox from;
    std::vector<Mailbox> to;
    std::string subject;      // UTF-8, one line
    std::string text;         // the text/plain alternative (UTF-8); required
    std::string html;         // the text/html alternative; "" for a text-only message
    std::vector<Attachment> attachments;
    // Message-ID without brackets; the same id on every retry lets a
    // receiver drop a duplicate. "" → a random one.
    std::string message_id;
    std::int64_t date_ms = 0;  // Date: header; 0 → now
};

struct MimeOptions {
    // Text parts as 8bit UTF-8 (readable in an .eml file, for servers that
    // announce 8BITMIME) or quoted-printable (7-bit clean).
    bool eight_bit = true;
};

// The whole message, CRLF line ends, headers first. Throws
// std::invalid_argument for an address that could break a header.
std::string to_mime(MailMessage const& message, MimeOptions const& options = {});

struct SmsMessage {
    std::string from;  // sender id or number ("" → the gateway's setting)
    std::string to;    // E.164 number
    std::string text;
};

// ---- transports ----

// How one send went. `permanent`: retrying the same message cannot help
// (a 5xx reply, a refused address, a wrong password).
struct SendOutcome {
    bool ok = false;
    bool permanent = false;
    std::string error;    // names the server (host:port), never a secret
    std::string receipt;  // the server's last reply ("250 2.0.0 Ok: queued as X") or the gateway's id
};

class MailTransport {
public:
    virtual ~MailTransport() = default;
    virtual SendOutcome send(MailMessage const& message) = 0;
    // The connector's `from`: the sender of messages that set none.
    virtual Mailbox const& sender() const = 0;
};

class SmsTransport {
public:
    virtual ~SmsTransport() = default;
    virtual SendOutcome send(SmsMessage const& message) = 0;
};

// ---- the `messages` connector ----

struct MessageServices {
    // A fresh URL for `role` of `envelope`; purpose "sign", "request" (the
    // signing request itself: "" when the signer already holds a link, sent
    // with the one-time code they have just entered) or "download".
    // "" when the signer cannot act any more: nothing is sent (reported ok).
    std::function<std::string(std::int64_t envelope, std::string const& role, std::string const& purpose)> link;
    // The sealed document (for the signed copy); not ready → retried later.
    ArchiveSource final_copy;
    // {role: {name, email, phone, language, timezone}} of an envelope.
    std::function<nlohmann::json(std::int64_t envelope)> roles;
    // Log a line at info level (file paths, never links or codes).
    std::function<void(std::string const&)> info;
};

struct MessagesOptions {
    std::string name = "messages";                // the connector's name (the dispatcher's lane)
    std::shared_ptr<MailTransport> mail;          // null: .eml files in `outbox`
    std::shared_ptr<SmsTransport> sms;            // null: .sms.txt files in `outbox`
    std::filesystem::path outbox;                 // absolute
    std::filesystem::path templates;              // "" : the built-in wording only
    std::int64_t attach_limit = 5 * 1024 * 1024;  // bytes; a larger signed copy goes as a link
    Mailbox from{"signflow", "signflow@localhost"};  // the sender when `mail` is null
};

std::unique_ptr<engine::Connector> make_messages_connector(MessagesOptions options, MessageServices services);

// The same, configured from the [messages] table: its `email`/`sms` names
// are looked up in `loaded` (ConfigError naming the table's line when one is
// not an email/sms connector); the outbox is `default_outbox` unless the
// table sets one.
std::unique_ptr<engine::Connector> make_messages_connector(Config const& config, Loaded const& loaded,
                                                           MessageServices services,
                                                           std::filesystem::path const& default_outbox);

}  // namespace signflow::connectors
