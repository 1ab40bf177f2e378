#pragma once
// The words of signer messages: a subject, a text and an HTML body for
// email, and a short text for SMS, per message kind and language. The
// built-in wording is English and simplified Chinese; the operator may
// override any part with a file in the templates folder named
// KIND.LANG.PART (request_signature.zh.html, remind.en.subject, …).
//
// Kinds: request_signature, remind, warn_expiry, send_code, notify,
// completed (the signed copy attached), completed_link (too large to
// attach: a download link). Parts: subject, txt, html, sms.
// Variables ({{ name }}): workflow, envelope, role, name, email, phone,
// link, code, expires_at, text (notify's words), language. HTML templates
// get every value HTML-escaped.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace signflow::connectors::messages_detail {

struct Wording {
    std::string subject, text, html, sms;
};

// "zh" for zh, zh-CN, zh-SG, zh-Hans…; "en" for anything else.
std::string language_of(std::string const& tag);

// Throws std::runtime_error for an override that cannot be read or names a
// variable that does not exist (the message names the file).
Wording word(std::string const& kind, std::string const& language, nlohmann::json const& context,
             std::filesystem::path const& templates);

std::string html_escape(std::string const& text);

}  // namespace signflow::connectors::messages_detail
