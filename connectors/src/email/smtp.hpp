#pragma once
// An SMTP client (RFC 5321) for the `email` kind: one session per message,
// on an io_context of its own, under one deadline for the whole session
// (resolve, connect, TLS, every command and reply). EHLO; STARTTLS when
// asked for (or, by default, when offered); implicit TLS (port 465); AUTH
// PLAIN or LOGIN; the body dot-stuffed with CRLF line ends. The server's
// certificate is verified against the system store (or `ca_file`) and the
// host name.
//
// Replies decide what a failure means: 4xx and lost connections are worth
// another attempt, 5xx are not (SendOutcome::permanent).
#include "signflow/connectors/messages.hpp"

#include <chrono>
#include <string>

namespace signflow::connectors::email {

enum class Tls {
    none,         // plain text throughout (starttls = false)
    opportunistic,// STARTTLS when the server offers it (starttls unset)
    starttls,     // STARTTLS required (starttls = true)
    implicit,     // TLS from the first byte (tls = true, usually port 465)
};

struct SmtpSettings {
    std::string host;
    std::string port = "25";
    Tls tls = Tls::opportunistic;
    std::string username;  // "" → no AUTH
    std::string password;
    std::string ca_file;   // PEM bundle instead of the system store
    std::string helo = "localhost";  // the name EHLO announces
    std::chrono::milliseconds timeout{30000};
};

// True for 127.0.0.0/8, ::1 and "localhost": the only hosts a password may
// be sent to without TLS.
bool loopback(std::string const& host);

SendOutcome send_mail(SmtpSettings const& settings, MailMessage const& message);

}  // namespace signflow::connectors::email
