#include "http/template.hpp"

#include <cctype>
#include <vector>

namespace signflow::connectors::http {
namespace {

using nlohmann::json;

struct Placeholder {
    std::size_t begin = 0, end = 0;  // of "{{ … }}" in the text
    std::string path;
};

std::string trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t");
    return std::string(s.substr(b, e - b + 1));
}

bool valid_path(std::string const& path) {
    if (path.empty() || path.front() == '.' || path.back() == '.') return false;
    for (std::size_t i = 0; i < path.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(path[i]);
        if (c == '.' && path[i + 1] == '.') return false;
        if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return false;
    }
    return true;
}

// The placeholders of `text` in order; throws TemplateError on bad syntax.
std::vector<Placeholder> scan(std::string const& text) {
    std::vector<Placeholder> out;
    std::size_t at = 0;
    while ((at = text.find("{{", at)) != std::string::npos) {
        auto close = text.find("}}", at + 2);
        if (close == std::string::npos)
            // The text itself is not quoted: it may hold a ${SECRET} expanded.
            throw TemplateError("`{{` at offset " + std::to_string(at) + " is not closed with `}}`");
        Placeholder p{at, close + 2, trim(std::string_view(text).substr(at + 2, close - at - 2))};
        if (!valid_path(p.path))
            throw TemplateError("the placeholder at offset " + std::to_string(at) +
                                " is not a path (expected e.g. {{ data.deal_id }})");
        out.push_back(std::move(p));
        at = close + 2;
    }
    return out;
}

json const& lookup(json const& context, std::string const& path) {
    json const* at = &context;
    std::size_t start = 0;
    while (true) {
        auto dot = path.find('.', start);
        std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        json const* next = nullptr;
        if (at->is_object()) {
            auto it = at->find(part);
            if (it != at->end()) next = &*it;
        } else if (at->is_array() && !part.empty() &&
                   part.find_first_not_of("0123456789") == std::string::npos && part.size() < 10) {
            auto index = std::stoul(part);
            if (index < at->size()) next = &(*at)[index];
        }
        if (!next) throw TemplateError("{{ " + path + " }}: the delivery has no value at `" + path + "`");
        at = next;
        if (dot == std::string::npos) return *at;
        start = dot + 1;
    }
}

std::string text_of(json const& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_null()) return {};
    return value.dump();
}

void form_pairs(json const& value, std::string const& name, std::string& out) {
    if (value.is_object()) {
        for (auto const& [k, v] : value.items()) form_pairs(v, name.empty() ? k : name + "[" + k + "]", out);
        return;
    }
    if (value.is_array()) {
        std::size_t i = 0;
        for (auto const& v : value) form_pairs(v, name + "[" + std::to_string(i++) + "]", out);
        return;
    }
    if (!out.empty()) out += '&';
    out += percent_encode(name, true);
    out += '=';
    out += percent_encode(text_of(value), true);
}

void check(json const& tmpl, std::string const& where) {
    if (tmpl.is_string()) {
        scan(tmpl.get<std::string>());
    } else if (tmpl.is_object()) {
        for (auto const& [k, v] : tmpl.items()) check(v, where.empty() ? k : where + "." + k);
    } else if (tmpl.is_array()) {
        for (auto const& v : tmpl) check(v, where);
    }
}

}  // namespace

std::string interpolate(std::string const& text, json const& context, Escape escape) {
    auto placeholders = scan(text);
    if (placeholders.empty()) return text;
    std::string out;
    std::size_t at = 0;
    std::size_t const query = text.find_first_of("?#");
    for (auto const& p : placeholders) {
        out.append(text, at, p.begin - at);
        auto value = text_of(lookup(context, p.path));
        // In a URL's path, "..", "." or nothing would move the request to
        // another resource (servers resolve "%2E%2E" too): refused.
        if (escape == Escape::url_path && p.begin < query && (value.empty() || value == "." || value == ".."))
            throw TemplateError("the value of {{ " + p.path + " }} is `" + value +
                                "`, which cannot stand in a URL's path (it would name another resource)");
        out += escape == Escape::url_path ? percent_encode(value) : value;
        at = p.end;
    }
    out.append(text, at, std::string::npos);
    return out;
}

json render(json const& tmpl, json const& context) {
    if (tmpl.is_string()) {
        auto const& text = tmpl.get_ref<std::string const&>();
        auto placeholders = scan(text);
        if (placeholders.size() == 1 && placeholders[0].begin == 0 && placeholders[0].end == text.size())
            return lookup(context, placeholders[0].path);
        return placeholders.empty() ? tmpl : json(interpolate(text, context));
    }
    if (tmpl.is_object()) {
        json out = json::object();
        for (auto const& [k, v] : tmpl.items()) out[k] = render(v, context);
        return out;
    }
    if (tmpl.is_array()) {
        json out = json::array();
        for (auto const& v : tmpl) out.push_back(render(v, context));
        return out;
    }
    return tmpl;
}

std::optional<std::string> check_template(json const& tmpl) {
    try {
        check(tmpl, "");
    } catch (TemplateError const& e) {
        return e.what();
    }
    return std::nullopt;
}

std::string with_stand_ins(std::string text) {
    for (std::size_t at; (at = text.find("{{")) != std::string::npos;) {
        auto close = text.find("}}", at);
        text.replace(at, close == std::string::npos ? std::string::npos : close + 2 - at, "x");
    }
    return text;
}

std::string form_encode(json const& object) {
    std::string out;
    form_pairs(object, "", out);
    return out;
}

std::string percent_encode(std::string_view text, bool form) {
    static char const hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else if (form && c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace signflow::connectors::http
