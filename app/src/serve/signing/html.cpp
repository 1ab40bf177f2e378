#include "html.hpp"

#include "signflow/base/text.hpp"

namespace signflow::app::signing {
using nlohmann::json;

std::string escape(std::string_view s) { return signflow::base::html_escape(s); }

namespace {

std::string csrf_field(std::string const& csrf) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(csrf) + "\">";
}

}  // namespace

std::string paragraph(std::string_view text, char const* id) {
    std::string out = "<p";
    if (id) out += std::string(" id=\"") + id + "\"";
    return out + ">" + escape(text) + "</p>";
}

std::string render(Frame const& f) {
    Text const& t = *f.text;
    std::string h;
    h.reserve(4096 + f.body.size());
    h += "<!doctype html>\n<html lang=\"";
    h += t.lang;
    h += "\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<meta name=\"referrer\" content=\"same-origin\">";
    if (!f.csrf.empty()) h += "<meta name=\"csrf-token\" content=\"" + escape(f.csrf) + "\">";
    h += "<title>" + escape(f.title) + " · signflow</title>"
         "<link rel=\"icon\" href=\"/assets/logo.svg\">"
         "<link rel=\"stylesheet\" href=\"/assets/sign.css\">"
         "<script src=\"/assets/sign.js\" defer></script></head>\n<body";
    if (!f.embed.origins.empty()) {
        std::string origins;
        for (auto const& o : f.embed.origins) origins += (origins.empty() ? "" : " ") + o;
        h += " data-embed-origins=\"" + escape(origins) + "\" data-outcome=\"" + escape(f.embed.outcome) +
             "\" data-return-url=\"" + escape(f.embed.return_url) + "\" data-envelope=\"" +
             std::to_string(f.embed.envelope) + "\" data-role=\"" + escape(f.embed.role) + "\"";
    }
    h += ">";
    h += "<main class=\"sheet\"><header class=\"head\"><p class=\"brand\">signflow · ";
    h += escape(t.brand_note);
    h += "</p><h1 id=\"title\">" + escape(f.title) + "</h1>";
    if (!f.subtitle.empty()) h += "<p class=\"sub\" id=\"envelope\">" + escape(f.subtitle) + "</p>";
    h += "</header>";
    if (!f.notice.empty())
        h += std::string("<p class=\"notice") + (f.notice_is_error ? " error" : "") + "\" role=\"" +
             (f.notice_is_error ? "alert" : "status") + "\" id=\"notice\">" + escape(f.notice) + "</p>";
    h += f.body;
    h += "</main></body></html>\n";
    return h;
}

std::string consent_section(Text const& t, std::string const& base, std::string const& csrf) {
    return "<section aria-labelledby=\"consent-h\"><h2 id=\"consent-h\">" + escape(t.consent_title) +
           "</h2><p class=\"disclosure\" id=\"consent-text\">" + escape(t.consent_text) +
           "</p><form method=\"post\" action=\"" + escape(base) + "/consent\" id=\"consent-form\">" +
           csrf_field(csrf) +
           "<p class=\"check\"><input type=\"checkbox\" id=\"agree-consent\" name=\"agree\" value=\"yes\" required>"
           "<label for=\"agree-consent\">" +
           escape(t.consent_agree) + "</label></p><button type=\"submit\" id=\"consent-button\">" +
           escape(t.consent_button) + "</button></form></section>";
}

std::string code_section(Text const& t, std::string const& base, std::string const& csrf, std::string const& method) {
    return "<section aria-labelledby=\"code-h\"><h2 id=\"code-h\">" + escape(t.code_title) + "</h2>" +
           paragraph(method == "email" ? t.code_by_email : t.code_by_sms) + "<form method=\"post\" action=\"" +
           escape(base) + "/code\" id=\"code-form\">" + csrf_field(csrf) +
           "<label for=\"code\">" + escape(t.code_label) +
           "</label><input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" "
           "maxlength=\"12\" required><button type=\"submit\" id=\"code-button\">" +
           escape(t.code_button) + "</button></form><form method=\"post\" action=\"" + escape(base) +
           "/code/resend\" id=\"resend-form\">" + csrf_field(csrf) +
           "<button type=\"submit\" class=\"secondary\" id=\"resend-button\">" + escape(t.resend_button) +
           "</button></form></section>";
}

namespace {
// "order_form" -> "Order form": a template's name as a heading.
std::string title_of(std::string const& name) {
    std::string out = name;
    for (auto& c : out)
        if (c == '_') c = ' ';
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
    return out;
}
}  // namespace

std::string document_section(Text const& t, std::string const& base, std::size_t pages, std::int64_t revision,
                             std::string const& name, bool first) {
    std::string const suffix = first ? std::string() : "-" + name;
    std::string const query = name.empty() ? std::string() : "document=" + name;
    std::string h = "<section aria-labelledby=\"doc-h" + escape(suffix) + "\"" +
                    (name.empty() ? std::string() : " data-document=\"" + escape(name) + "\"") + "><h2 id=\"doc-h" +
                    escape(suffix) + "\">" + escape(name.empty() ? std::string(t.document_title) : title_of(name)) +
                    "</h2><div class=\"pages\" id=\"pages" + escape(suffix) + "\">";
    std::string r = std::to_string(revision);
    for (std::size_t i = 1; i <= pages; ++i) {
        std::string n = std::to_string(i);
        std::string label = (name.empty() ? std::string() : title_of(name) + ", ") + t.page + " " + n + " / " +
                            std::to_string(pages);
        h += "<img class=\"page\" src=\"" + escape(base) + "/pages/" + n + ".png?r=" + r +
             (query.empty() ? "" : "&amp;" + escape(query)) + "\" alt=\"" + escape(label) + "\" data-page=\"" + n +
             "\">";
    }
    h += "</div><p><a href=\"" + escape(base) + "/document" + (query.empty() ? "" : "?" + escape(query)) +
         "\" id=\"open-pdf" + escape(suffix) + "\">" + escape(t.open_pdf) +
         (name.empty() ? std::string() : " (" + escape(title_of(name)) + ")") + "</a></p></section>";
    return h;
}

std::string attachments_section(Text const& t, std::string const& base,
                                std::vector<engine::AttachmentState> const& attachments) {
    if (attachments.empty()) return {};
    std::string h = "<section aria-labelledby=\"att-h\"><h2 id=\"att-h\">" + escape(t.attachments_title) +
                    "</h2><ul class=\"attachments\">";
    for (auto const& a : attachments) {
        std::string const& name = a.name;
        std::string id = "file-" + name;
        h += "<li data-attachment=\"" + escape(name) + "\"><label for=\"" + escape(id) + "\">" + escape(name);
        if (a.required) h += " <span class=\"tag\">(" + escape(t.attachment_required) + ")</span>";
        h += "</label>";
        if (a.uploaded)
            h += " <span class=\"ok\">" + escape(t.attachment_received) + "</span>";
        h += "<input type=\"file\" id=\"" + escape(id) + "\" data-upload=\"" + escape(base) + "/attachments/" +
             escape(name) + "\" accept=\"application/pdf,image/png,image/jpeg\"></li>";
    }
    h += "</ul><noscript><p>" + escape(t.attachment_needs_script) + "</p></noscript></section>";
    return h;
}

namespace {

// "start_date" -> "Start date": the field's name as a label.
std::string readable(std::string const& name) {
    std::string out = name;
    for (char& c : out)
        if (c == '_') c = ' ';
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
    return out;
}

// A field's problem in Chinese, from its code and the rule's value (the
// engine words it in English).
std::string chinese_problem(std::string const& code, std::string const& bound) {
    if (code == "too_short" && !bound.empty()) return "至少 " + bound + " 个字符。";
    if (code == "too_long" && !bound.empty()) return "最多 " + bound + " 个字符。";
    if (code == "below_min" && !bound.empty()) return "不能小于 " + bound + "。";
    if (code == "above_max" && !bound.empty()) return "不能大于 " + bound + "。";
    if (code == "not_a_number") return "请填写数字，例如 1500 或 12.5。";
    if (code == "not_a_date") return "请按 YYYY-MM-DD 格式填写日期。";
    if (code == "not_an_option") return bound.empty() ? "请选择一个选项。" : "请从以下选项中选择：" + bound + "。";
    if (code == "pattern") return "格式不正确。";
    if (code == "not_text") return "请填写一行文字。";
    return {};
}

std::string problem_text(Text const& t, nlohmann::json const& problem) {
    std::string code = problem.value("code", "");
    if (code == "required") return t.field_required;
    if (std::string_view(t.lang).starts_with("zh"))
        if (auto words = chinese_problem(code, problem.value("bound", std::string())); !words.empty()) return words;
    if (t.field_invalid) return t.field_invalid;
    std::string message = problem.value("message", "");
    if (!message.empty() && message[0] >= 'a' && message[0] <= 'z') message[0] = static_cast<char>(message[0] - 'a' + 'A');
    return message + ".";
}

}  // namespace

std::string fields_section(Text const& t, std::vector<engine::FieldState> const& fields, nlohmann::json const& values,
                           nlohmann::json const& problems) {
    std::string h;
    for (auto const& f : fields) {
        auto label_of = [&](std::string const& name) { return f.label.empty() ? readable(name) : f.label; };
        nlohmann::json const* problem =
            problems.is_object() && problems.contains(f.name) ? &problems[f.name] : nullptr;
        // A field whose `when` does not hold is not asked, unless the check
        // found it asked after all (a value given beside it made it hold).
        if (!f.shown && !problem) continue;
        std::string id = "field-" + f.name;
        std::string name = "field." + f.name;
        std::string given;
        if (values.is_object() && values.contains(f.name) && values[f.name].is_string())
            given = values[f.name].get<std::string>();
        std::string err = problem ? "<p class=\"field-error\" id=\"err-" + escape(f.name) + "\">" +
                                        escape(problem_text(t, *problem)) + "</p>"
                                  : std::string();
        std::string aria = problem ? " aria-invalid=\"true\" aria-describedby=\"err-" + escape(f.name) + "\"" : "";
        // A field whose need depends on another on this page is not marked
        // required to the browser (the daemon decides when the form comes).
        std::string req = f.required && !f.depends ? " required aria-required=\"true\"" : "";
        std::string tag = !f.required ? std::string()
                          : f.depends ? " <span class=\"tag\">(" + escape(t.field_if_needed) + ")</span>"
                                      : " <span class=\"tag\">(" + escape(t.attachment_required) + ")</span>";
        h += "<div class=\"field\" data-field=\"" + escape(f.name) + "\" data-type=\"" + escape(f.type) + "\">";
        if (f.type == "checkbox") {
            bool on = given == "yes" || given == "on" || given == "true";
            h += "<p class=\"check\"><input type=\"checkbox\" id=\"" + escape(id) + "\" name=\"" + escape(name) +
                 "\" value=\"yes\"" + (on ? " checked" : "") + req + aria + "><label for=\"" + escape(id) + "\">" +
                 escape(label_of(f.name)) + tag + "</label></p>" + err + "</div>";
            continue;
        }
        if (f.type == "radio") {
            h += "<fieldset" + aria + "><legend>" + escape(label_of(f.name)) + tag + "</legend>";
            for (std::size_t i = 0; i < f.options.size(); ++i) {
                std::string oid = id + "-" + std::to_string(i);
                h += "<p class=\"check\"><input type=\"radio\" id=\"" + escape(oid) + "\" name=\"" + escape(name) +
                     "\" value=\"" + escape(f.options[i]) + "\"" + (given == f.options[i] ? " checked" : "") +
                     (i == 0 ? req : std::string()) + "><label for=\"" + escape(oid) + "\">" + escape(f.options[i]) +
                     "</label></p>";
            }
            h += "</fieldset>" + err + "</div>";
            continue;
        }
        h += "<label for=\"" + escape(id) + "\">" + escape(label_of(f.name)) + tag + "</label>";
        if (f.type == "choice") {
            h += "<select id=\"" + escape(id) + "\" name=\"" + escape(name) + "\"" + req + aria + "><option value=\"\">" +
                 escape(t.choose_option) + "</option>";
            for (auto const& o : f.options)
                h += "<option value=\"" + escape(o) + "\"" + (given == o ? " selected" : "") + ">" + escape(o) +
                     "</option>";
            h += "</select>" + err + "</div>";
            continue;
        }
        std::string type = f.type == "date" ? "date" : f.type == "number" ? "number" : "text";
        std::string attrs;
        if (f.type == "number") {
            attrs += " step=\"any\" inputmode=\"decimal\"";
            if (f.min) attrs += " min=\"" + std::to_string(*f.min) + "\"";
            if (f.max) attrs += " max=\"" + std::to_string(*f.max) + "\"";
        } else if (f.type == "initials") {
            attrs += " maxlength=\"" + std::to_string(f.max ? std::min<std::int64_t>(*f.max, 8) : 8) +
                     "\" autocomplete=\"off\" class=\"initials\"";
        } else if (f.type == "text") {
            attrs += " maxlength=\"" + std::to_string(f.max ? *f.max : 1000) + "\"";
            if (f.min) attrs += " minlength=\"" + std::to_string(*f.min) + "\"";
        }
        h += "<input type=\"" + type + "\" id=\"" + escape(id) + "\" name=\"" + escape(name) + "\" value=\"" +
             escape(given) + "\"" + attrs + req + aria + ">" + err + "</div>";
    }
    if (h.empty()) return {};
    return "<fieldset class=\"fields\" id=\"fields\"><legend>" + escape(t.fields_title) + "</legend>" + h + "</fieldset>";
}

std::string sign_section(Text const& t, std::string const& base, std::string const& csrf, std::string const& name,
                         std::string const& fields) {
    return "<section aria-labelledby=\"sign-h\"><h2 id=\"sign-h\">" + escape(t.sign_title) +
           "</h2><form method=\"post\" action=\"" + escape(base) + "/sign\" id=\"sign-form\">" + csrf_field(csrf) +
           fields +
           "<label for=\"name\">" + escape(t.name_label) + "</label><input id=\"name\" name=\"name\" value=\"" +
           escape(name) + "\" autocomplete=\"name\" maxlength=\"200\" required>"
           "<fieldset class=\"draw\"><legend>" + escape(t.draw_label) + "</legend><p class=\"hint\" id=\"draw-hint\">" +
           escape(t.draw_hint) +
           "</p><canvas id=\"pad\" width=\"600\" height=\"180\" aria-describedby=\"draw-hint\" "
           "role=\"img\" aria-label=\"" + escape(t.draw_label) + "\"></canvas>"
           "<button type=\"button\" class=\"secondary\" id=\"clear-pad\">" + escape(t.clear_drawing) +
           "</button><input type=\"hidden\" name=\"image\" id=\"image\" value=\"\"></fieldset>"
           "<p class=\"check\"><input type=\"checkbox\" id=\"agree-sign\" name=\"agree\" value=\"yes\" required>"
           "<label for=\"agree-sign\">" + escape(t.sign_agree) + "</label></p>"
           "<button type=\"submit\" id=\"sign-button\">" + escape(t.sign_button) + "</button></form></section>";
}

std::string decline_section(Text const& t, std::string const& base, std::string const& csrf) {
    return "<section aria-labelledby=\"decline-h\" class=\"decline\"><details><summary id=\"decline-h\">" +
           escape(t.decline_title) + "</summary><form method=\"post\" action=\"" + escape(base) +
           "/decline\" id=\"decline-form\">" + csrf_field(csrf) + "<label for=\"reason\">" +
           escape(t.decline_reason) +
           "</label><textarea id=\"reason\" name=\"reason\" maxlength=\"1000\" rows=\"3\"></textarea>"
           "<button type=\"submit\" class=\"danger\" id=\"decline-button\">" + escape(t.decline_button) +
           "</button></form></details></section>";
}

std::string delegate_section(Text const& t, std::string const& base, std::string const& csrf) {
    return "<section aria-labelledby=\"delegate-h\" class=\"delegate\"><details><summary id=\"delegate-h\">" +
           escape(t.delegate_title) + "</summary><p>" + escape(t.delegate_hint) + "</p><form method=\"post\" action=\"" +
           escape(base) + "/delegate\" id=\"delegate-form\">" + csrf_field(csrf) +
           "<label for=\"delegate-name\">" + escape(t.delegate_name) +
           "</label><input id=\"delegate-name\" name=\"name\" maxlength=\"200\" required autocomplete=\"off\">"
           "<label for=\"delegate-email\">" + escape(t.delegate_email) +
           "</label><input id=\"delegate-email\" name=\"email\" type=\"email\" maxlength=\"254\" required "
           "autocomplete=\"off\"><button type=\"submit\" id=\"delegate-button\">" + escape(t.delegate_button) +
           "</button></form></details></section>";
}

std::string behalf_section(Text const& t, std::string const& name) {
    return "<p id=\"on-behalf-of\" class=\"notice\">" + escape(t.on_behalf_of) + " " + escape(name) + "</p>";
}

std::string waiting_section(Text const& t, std::vector<engine::OtherSigner> const& waiting_for) {
    if (waiting_for.empty()) return paragraph(t.wait_preparing, "waiting");
    std::string h = "<section id=\"waiting\"><p>" + escape(t.wait_body) + "</p><ul class=\"waiting\">";
    for (auto const& w : waiting_for) {
        std::string const& role = w.role;
        std::string name = w.name.value_or("");
        h += "<li data-role=\"" + escape(role) + "\">" + escape(name.empty() ? role : name + " (" + role + ")") +
             "</li>";
    }
    return h + "</ul></section>";
}

std::string signed_section(Text const& t, std::string const& base, bool complete,
                           std::vector<std::string> const& documents) {
    if (!complete) return paragraph(t.signed_pending, "signed");
    if (documents.size() < 2)
        return "<section id=\"signed\"><p><a class=\"button\" href=\"" + escape(base) +
               "/document\" id=\"download\" download>" + escape(t.download) + "</a></p></section>";
    // One signed copy per document.
    std::string h = "<section id=\"signed\"><ul class=\"downloads\">";
    for (std::size_t i = 0; i < documents.size(); ++i)
        h += "<li><a class=\"button\" href=\"" + escape(base) + "/document?document=" + escape(documents[i]) +
             "\" id=\"download" + (i ? "-" + escape(documents[i]) : std::string()) + "\" data-document=\"" +
             escape(documents[i]) + "\" download>" + escape(t.download) + ": " + escape(title_of(documents[i])) +
             "</a></li>";
    h += "<li><a class=\"button secondary\" href=\"" + escape(base) + "/documents.zip\" id=\"download-all\" download>" +
         escape(t.download_all) + "</a></li>";
    return h + "</ul></section>";
}

}  // namespace signflow::app::signing
