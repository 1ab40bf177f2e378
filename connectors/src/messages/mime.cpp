// MailMessage → RFC 5322 text: headers (RFC 2047 encoded words for UTF-8
// subjects and names), then a text part, a multipart/alternative of text and
// HTML, and a multipart/mixed around it when there are attachments (base64,
// RFC 2231 file names). Lines end in CRLF; no line exceeds 998 bytes.
#include "messages/encoding.hpp"

#include "signflow/base/utf8.hpp"
#include "signflow/base/digest.hpp"
#include "signflow/base/text.hpp"
#include "signflow/connectors/messages.hpp"

#include <openssl/rand.h>

#include <cctype>
#include <chrono>
#include <ctime>
#include <stdexcept>

namespace signflow::connectors {
namespace {

bool ascii(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

}  // namespace

std::string messages_detail::base64(std::string_view bytes, std::size_t line) {
    static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t col = 0;
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
        out += table[(n >> 18) & 63];
        out += table[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? table[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? table[n & 63] : '=';
        if (line && (col += 4) >= line && i + 3 < bytes.size()) out += "\r\n", col = 0;
    }
    return out;
}

namespace {
using messages_detail::base64;

using signflow::base::random_hex;

// One encoded word holds at most 75 characters: 45 bytes of UTF-8 (60 of
// base64) each, never splitting a character; the words are folded onto
// continuation lines.
std::string encoded_words(std::string_view text) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t end = std::min(text.size(), i + 45);
        while (end < text.size() && end > i && base::utf8_continuation(static_cast<unsigned char>(text[end]))) --end;
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(text.substr(i, end - i), 0) + "?=";
        i = end;
    }
    return out;
}

std::string one_line(std::string text) {
    for (auto& c : text)
        if (c == '\r' || c == '\n' || c == '\t') c = ' ';
    return text;
}

// An unstructured header value (Subject): as is when ASCII and short, else encoded words.
std::string unstructured(std::string const& text) {
    std::string t = one_line(text);
    if (ascii(t) && t.size() <= 900) return t;
    return encoded_words(t);
}

std::string mailbox(Mailbox const& m) {
    if (m.address.empty() || m.address.find_first_of("<>\r\n\t ,;\"") != std::string::npos ||
        m.address.find('@') == std::string::npos)
        throw std::invalid_argument("not a usable email address: `" + one_line(m.address) + "`");
    std::string name = one_line(m.name);
    if (name.empty()) return "<" + m.address + ">";
    if (!ascii(name)) return encoded_words(name) + " <" + m.address + ">";
    std::string quoted = "\"";
    for (char c : name) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return quoted + "\" <" + m.address + ">";
}

std::string date_header(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

// Every line break CRLF; nothing else changes.
std::string crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 40);
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out += c;
        }
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out;
}

// Quoted-printable (RFC 2045 §6.7) of CRLF text: soft breaks at 76.
std::string quoted_printable(std::string const& text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out, line;
    auto flush_line = [&](bool hard) {
        // A space or tab before a line end is encoded, or transport may drop it.
        if (hard && !line.empty() && (line.back() == ' ' || line.back() == '\t')) {
            char c = line.back();
            line.pop_back();
            line += '=', line += hex[c >> 4], line += hex[c & 15];
        }
        out += line + (hard ? "\r\n" : "=\r\n");
        line.clear();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            flush_line(true);
            ++i;
            continue;
        }
        std::string piece;
        if ((c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t')
            piece = std::string(1, static_cast<char>(c));
        else
            piece = {'=', hex[c >> 4], hex[c & 15]};
        if (line.size() + piece.size() > 75) flush_line(false);
        line += piece;
    }
    if (!line.empty()) flush_line(true);
    return out;
}

// The text is written 8bit unless a line is too long for SMTP (998).
bool fits_8bit(std::string const& text) {
    std::size_t col = 0;
    for (char c : text) {
        if (c == '\n') col = 0;
        else if (++col > 990) return false;
    }
    return true;
}

std::string text_part(std::string const& subtype, std::string const& body, MimeOptions const& options) {
    std::string const lines = crlf(body);
    bool const seven = ascii(lines) && fits_8bit(lines);
    std::string head = "Content-Type: text/" + subtype + "; charset=utf-8\r\n";
    if (seven) return head + "Content-Transfer-Encoding: 7bit\r\n\r\n" + lines;
    if (options.eight_bit && fits_8bit(lines)) return head + "Content-Transfer-Encoding: 8bit\r\n\r\n" + lines;
    return head + "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + quoted_printable(lines);
}

// RFC 2231 for the file name (UTF-8, percent-encoded), plus an encoded-word
// `name` for mail readers that only know that.
std::string attachment_part(Attachment const& a) {
    std::string name = one_line(a.file_name.empty() ? "attachment" : a.file_name);
    std::string type = a.media_type.empty() ? "application/octet-stream" : one_line(a.media_type);
    std::string disposition, plain;
    if (ascii(name) && name.find_first_of("\"\\") == std::string::npos) {
        plain = "\"" + name + "\"";
        disposition = "attachment; filename=\"" + name + "\"";
    } else {
        static constexpr char hex[] = "0123456789ABCDEF";
        std::string pct;
        for (unsigned char c : name) {
            if (std::isalnum(c) || c == '.' || c == '-' || c == '_') pct += static_cast<char>(c);
            else pct += '%', pct += hex[c >> 4], pct += hex[c & 15];
        }
        plain = "\"" + encoded_words(name) + "\"";
        disposition = "attachment; filename*=UTF-8''" + pct;
    }
    return "Content-Type: " + type + "; name=" + plain + "\r\nContent-Disposition: " + disposition +
           "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64(a.bytes) + "\r\n";
}

std::string multipart(std::string const& subtype, std::vector<std::string> const& parts) {
    std::string boundary;
    for (;;) {
        boundary = "=_signflow_" + random_hex(12);
        bool clash = false;
        for (auto const& p : parts) clash = clash || p.find(boundary) != std::string::npos;
        if (!clash) break;
    }
    std::string out = "Content-Type: multipart/" + subtype + "; boundary=\"" + boundary + "\"\r\n\r\n";
    // Each part ends in CRLF; the CRLF before a delimiter belongs to the
    // delimiter (RFC 2046 §5.1.1), so one more keeps the part's last line end.
    for (auto const& p : parts) out += "--" + boundary + "\r\n" + p + "\r\n";
    return out + "--" + boundary + "--\r\n";
}

}  // namespace

std::optional<Mailbox> parse_mailbox(std::string const& text) {
    Mailbox m;
    auto open = text.rfind('<');
    if (open != std::string::npos) {
        auto close = text.find('>', open);
        if (close == std::string::npos || text.find_first_not_of(" \t", close + 1) != std::string::npos)
            return std::nullopt;
        m.address = text.substr(open + 1, close - open - 1);
        m.name = text.substr(0, open);
        while (!m.name.empty() && (m.name.back() == ' ' || m.name.back() == '\t')) m.name.pop_back();
        while (!m.name.empty() && (m.name.front() == ' ' || m.name.front() == '\t')) m.name.erase(0, 1);
        if (m.name.size() >= 2 && m.name.front() == '"' && m.name.back() == '"') m.name = m.name.substr(1, m.name.size() - 2);
    } else {
        m.address = text;
        while (!m.address.empty() && m.address.back() == ' ') m.address.pop_back();
        while (!m.address.empty() && m.address.front() == ' ') m.address.erase(0, 1);
    }
    auto at = m.address.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == m.address.size() ||
        m.address.find_first_of("<>\r\n\t ,;\"()") != std::string::npos)
        return std::nullopt;
    for (unsigned char c : m.address)
        if (c < 0x20 || c == 0x7f) return std::nullopt;
    if (m.name.find_first_of("\r\n") != std::string::npos) return std::nullopt;
    return m;
}

std::string to_mime(MailMessage const& message, MimeOptions const& options) {
    if (message.to.empty()) throw std::invalid_argument("a message needs at least one recipient");
    std::string head;
    std::int64_t date = message.date_ms
                            ? message.date_ms
                            : base::now_ms();
    head += "Date: " + date_header(date) + "\r\n";
    head += "From: " + mailbox(message.from) + "\r\n";
    head += "To: ";
    for (std::size_t i = 0; i < message.to.size(); ++i) head += (i ? ",\r\n " : "") + mailbox(message.to[i]);
    head += "\r\n";
    head += "Subject: " + unstructured(message.subject) + "\r\n";
    std::string id = one_line(message.message_id);
    if (id.empty() || id.find_first_of("<> ") != std::string::npos)
        id = random_hex(16) + "@" + message.from.address.substr(message.from.address.find('@') + 1);
    head += "Message-ID: <" + id + ">\r\n";
    head += "MIME-Version: 1.0\r\n";
    head += "Auto-Submitted: auto-generated\r\n";

    std::string body = message.html.empty()
                           ? text_part("plain", message.text, options)
                           : multipart("alternative", {text_part("plain", message.text, options),
                                                       text_part("html", message.html, options)});
    if (!message.attachments.empty()) {
        std::vector<std::string> parts{body};
        for (auto const& a : message.attachments) parts.push_back(attachment_part(a));
        body = multipart("mixed", parts);
    }
    return head + body;
}

}  // namespace signflow::connectors
