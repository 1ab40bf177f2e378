// Built-in wording (English, simplified Chinese) and overrides from the
// templates folder, rendered with the http part's {{ path }} interpolation.
// The built-in HTML is made from the text: paragraphs, and a link on a line
// of its own becomes a button-like anchor.
#include "messages/wording.hpp"

#include "signflow/base/text.hpp"

#include "http/template.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

namespace signflow::connectors::messages_detail {
namespace {
namespace fs = std::filesystem;

struct Builtin {
    char const* subject;
    char const* text;
    char const* sms;
};

// Keyed by "KIND.LANG".
std::map<std::string, Builtin> const& builtin() {
    static std::map<std::string, Builtin> const table = {
        {"request_signature.en",
         {"Please sign: {{ workflow }} (envelope {{ envelope }})",
          "Hello {{ name }},\n\nYou are asked to sign \"{{ workflow }}\" (envelope {{ envelope }}) as {{ role }}.\n\n"
          "Open this link to read and sign the document:\n{{ link }}\n\n"
          "The link is yours alone: please do not forward it.\n",
          "Please sign {{ workflow }} (envelope {{ envelope }}): {{ link }}"}},
        {"request_signature.zh",
         {"请签署：{{ workflow }}（信封 {{ envelope }}）",
          "{{ name }}，您好：\n\n请您以{{ role }}的身份签署“{{ workflow }}”（信封 {{ envelope }}）。\n\n"
          "请打开以下链接阅读并签署文件：\n{{ link }}\n\n此链接仅供您本人使用，请勿转发。\n",
          "请签署{{ workflow }}（信封 {{ envelope }}）：{{ link }}"}},
        {"remind.en",
         {"Reminder: please sign {{ workflow }} (envelope {{ envelope }})",
          "Hello {{ name }},\n\n\"{{ workflow }}\" (envelope {{ envelope }}) is still waiting for your signature.\n\n"
          "Open this link to sign:\n{{ link }}\n",
          "Reminder: {{ workflow }} (envelope {{ envelope }}) waits for your signature: {{ link }}"}},
        {"remind.zh",
         {"提醒：请签署 {{ workflow }}（信封 {{ envelope }}）",
          "{{ name }}，您好：\n\n“{{ workflow }}”（信封 {{ envelope }}）仍在等待您的签署。\n\n"
          "请打开以下链接签署：\n{{ link }}\n",
          "提醒：{{ workflow }}（信封 {{ envelope }}）仍待您签署：{{ link }}"}},
        {"warn_expiry.en",
         {"Expiring soon: {{ workflow }} (envelope {{ envelope }})",
          "Hello {{ name }},\n\nThe request to sign \"{{ workflow }}\" (envelope {{ envelope }}) expires soon. "
          "After that the document can no longer be signed.\n\nOpen this link to sign now:\n{{ link }}\n",
          "{{ workflow }} (envelope {{ envelope }}) expires soon. Sign now: {{ link }}"}},
        {"warn_expiry.zh",
         {"即将过期：{{ workflow }}（信封 {{ envelope }}）",
          "{{ name }}，您好：\n\n“{{ workflow }}”（信封 {{ envelope }}）的签署请求即将过期，过期后将无法签署。\n\n"
          "请打开以下链接尽快签署：\n{{ link }}\n",
          "{{ workflow }}（信封 {{ envelope }}）即将过期，请尽快签署：{{ link }}"}},
        {"send_code.en",
         {"Your verification code for {{ workflow }} (envelope {{ envelope }})",
          "Hello {{ name }},\n\nYour verification code is {{ code }}. It is valid until {{ expires_at }}.\n\n"
          "Nobody from our side will ever ask you for it.\n",
          "{{ code }} is your verification code for {{ workflow }}. Valid until {{ expires_at }}."}},
        {"send_code.zh",
         {"您的验证码：{{ workflow }}（信封 {{ envelope }}）",
          "{{ name }}，您好：\n\n您的验证码是 {{ code }}，有效期至 {{ expires_at }}。\n\n请勿将验证码告诉任何人。\n",
          "您的验证码是 {{ code }}（{{ workflow }}），有效期至 {{ expires_at }}。请勿告诉他人。"}},
        {"notify.en",
         {"{{ workflow }} (envelope {{ envelope }})", "Hello {{ name }},\n\n{{ text }}\n",
          "{{ workflow }}: {{ text }}"}},
        {"notify.zh",
         {"{{ workflow }}（信封 {{ envelope }}）", "{{ name }}，您好：\n\n{{ text }}\n", "{{ workflow }}：{{ text }}"}},
        {"completed.en",
         {"Signed: {{ workflow }} (envelope {{ envelope }})",
          "Hello {{ name }},\n\nEveryone has signed \"{{ workflow }}\" (envelope {{ envelope }}).\n\n"
          "Your signed copy is attached.\n",
          "{{ workflow }} (envelope {{ envelope }}) is signed by everyone."}},
        {"completed.zh",
         {"已签署：{{ workflow }}（信封 {{ envelope }}）",
          "{{ name }}，您好：\n\n“{{ workflow }}”（信封 {{ envelope }}）已由所有签署人签署完毕。\n\n已签署的文件见附件。\n",
          "{{ workflow }}（信封 {{ envelope }}）已全部签署完毕。"}},
        {"copy.en",
         {"For your information: {{ workflow }} (envelope {{ envelope }})",
          "Hello {{ name }},\n\n\"{{ workflow }}\" (envelope {{ envelope }}) was sent for signature, and you "
          "receive a copy as {{ role }}. You do not need to sign.\n\n"
          "Open this link to read the documents:\n{{ link }}\n",
          "For your information: {{ workflow }} (envelope {{ envelope }}) was sent for signature: {{ link }}"}},
        {"copy.zh",
         {"抄送：{{ workflow }}（信封 {{ envelope }}）",
          "{{ name }}，您好：\n\n“{{ workflow }}”（信封 {{ envelope }}）已发出签署，您以{{ role }}的身份收到抄送，"
          "无需签署。\n\n请打开以下链接阅读文件：\n{{ link }}\n",
          "抄送：{{ workflow }}（信封 {{ envelope }}）已发出签署：{{ link }}"}},
        {"completed_link.en",
         {"Signed: {{ workflow }} (envelope {{ envelope }})",
          "Hello {{ name }},\n\nEveryone has signed \"{{ workflow }}\" (envelope {{ envelope }}).\n\n"
          "Download your signed copy here:\n{{ link }}\n",
          "{{ workflow }} (envelope {{ envelope }}) is signed. Your copy: {{ link }}"}},
        {"completed_link.zh",
         {"已签署：{{ workflow }}（信封 {{ envelope }}）",
          "{{ name }}，您好：\n\n“{{ workflow }}”（信封 {{ envelope }}）已由所有签署人签署完毕。\n\n"
          "请通过以下链接下载已签署的文件：\n{{ link }}\n",
          "{{ workflow }}（信封 {{ envelope }}）已签署完毕，下载：{{ link }}"}},
    };
    return table;
}

std::optional<std::string> read_override(fs::path const& folder, std::string const& name) {
    if (folder.empty()) return std::nullopt;
    fs::path const file = folder / name;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return std::nullopt;
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) throw std::runtime_error("cannot read the template " + file.string());
    return text.str();
}

nlohmann::json escaped(nlohmann::json const& context) {
    nlohmann::json out = context;
    for (auto& [key, value] : out.items())
        if (value.is_string()) value = html_escape(value.get<std::string>());
    return out;
}

std::string render(std::string const& text, nlohmann::json const& context, std::string const& source) {
    try {
        return http::interpolate(text, context);
    } catch (std::exception const& e) {
        throw std::runtime_error("template " + source + ": " + e.what());
    }
}

// The text as HTML: paragraphs at blank lines, line breaks kept, a line that
// is only a URL made a link.
std::string html_of(std::string const& text, std::string const& subject, std::string const& language) {
    std::string body;
    std::istringstream in(text);
    std::string line, paragraph;
    auto close = [&] {
        if (!paragraph.empty()) body += "<p>" + paragraph + "</p>\n";
        paragraph.clear();
    };
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) {
            close();
        } else if (line.rfind("https://", 0) == 0 || line.rfind("http://", 0) == 0) {
            close();
            std::string url = html_escape(line);
            body += "<p><a href=\"" + url +
                    "\" style=\"display:inline-block;padding:10px 18px;background:#1d4ed8;color:#ffffff;"
                    "text-decoration:none;border-radius:4px\">" +
                    (language == "zh" ? "打开链接" : "Open") + "</a></p>\n<p style=\"font-size:12px;color:#555\">" +
                    url + "</p>\n";
        } else {
            paragraph += (paragraph.empty() ? "" : "<br>\n") + html_escape(line);
        }
    }
    close();
    return "<!DOCTYPE html>\n<html lang=\"" + std::string(language == "zh" ? "zh-Hans" : "en") +
           "\">\n<head><meta charset=\"utf-8\"><title>" + html_escape(subject) +
           "</title></head>\n<body style=\"font-family:sans-serif;line-height:1.5;color:#1a1a1a;max-width:36em\">\n" +
           body + "</body>\n</html>\n";
}

}  // namespace

std::string html_escape(std::string const& text) { return signflow::base::html_escape(text); }

std::string language_of(std::string const& tag) {
    std::string t = tag;
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return c == '_' ? '-' : std::tolower(c); });
    if (t == "zh" || t == "zh-cn" || t == "zh-sg" || t.rfind("zh-hans", 0) == 0) return "zh";
    return "en";
}

Wording word(std::string const& kind, std::string const& language, nlohmann::json const& context,
             fs::path const& templates) {
    auto const it = builtin().find(kind + "." + language);
    auto const fallback = builtin().find(kind + ".en");
    if (fallback == builtin().end()) throw std::runtime_error("no wording for messages of kind `" + kind + "`");
    Builtin const& b = it != builtin().end() ? it->second : fallback->second;
    std::string const stem = kind + "." + language + ".";
    auto part = [&](std::string const& name, char const* standard, nlohmann::json const& ctx) {
        if (auto text = read_override(templates, stem + name)) return render(*text, ctx, (templates / (stem + name)).string());
        return render(standard, ctx, "built-in " + stem + name);
    };
    Wording w;
    w.subject = part("subject", b.subject, context);
    for (auto& c : w.subject)
        if (c == '\r' || c == '\n') c = ' ';
    while (!w.subject.empty() && w.subject.back() == ' ') w.subject.pop_back();
    w.text = part("txt", b.text, context);
    w.sms = part("sms", b.sms, context);
    if (auto html = read_override(templates, stem + "html"))
        w.html = render(*html, escaped(context), (templates / (stem + "html")).string());
    else
        w.html = html_of(w.text, w.subject, language);
    return w;
}

}  // namespace signflow::connectors::messages_detail
