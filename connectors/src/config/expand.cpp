#include "config/expand.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace signflow::connectors::config_detail {

Where where_of(std::string const& file, toml::source_region const& region) {
    return Where{file, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::vector<std::pair<std::string, toml::node const*>> in_file_order(toml::table const& table) {
    std::vector<std::pair<std::string, toml::node const*>> entries;
    for (auto const& [key, value] : table) entries.emplace_back(std::string(key.str()), &value);
    std::stable_sort(entries.begin(), entries.end(), [](auto const& a, auto const& b) {
        auto const& x = a.second->source().begin;
        auto const& y = b.second->source().begin;
        return x.line != y.line ? x.line < y.line : x.column < y.column;
    });
    return entries;
}

bool expand(std::string& text, Where const& where, Environment const& env) {
    if (text.find('$') == std::string::npos) return false;
    std::string out;
    bool referenced = false;
    for (std::size_t i = 0; i < text.size();) {
        if (text.compare(i, 3, "$${") == 0) {  // an escaped "${"
            out += "${";
            i += 3;
            continue;
        }
        if (text.compare(i, 2, "${") != 0) {
            out += text[i++];
            continue;
        }
        std::size_t close = text.find('}', i + 2);
        if (close == std::string::npos)
            throw ConfigError(where.text() + ": unterminated \"${\" (write \"$${\" for a literal \"${\")");
        std::string name = text.substr(i + 2, close - i - 2);
        bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
        for (char c : name) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
        if (!valid)
            throw ConfigError(where.text() + ": \"${" + name +
                              "}\" is not an environment variable's name (letters, digits and _)");
        auto value = env ? env(name) : std::nullopt;
        if (!value) throw ConfigError(where.text() + ": environment variable " + name + " is not set");
        out += *value;  // never echoed in an error: it may be a secret
        referenced = true;
        i = close + 1;
    }
    text = std::move(out);
    return referenced;
}

namespace {

std::string join(std::string const& path, std::string const& key) { return path.empty() ? key : path + "." + key; }

std::string date_text(toml::date const& d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", int(d.year), int(d.month), int(d.day));
    return buf;
}

std::string time_text(toml::time const& t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", int(t.hour), int(t.minute), int(t.second));
    std::string s = buf;
    if (t.nanosecond) {
        std::snprintf(buf, sizeof buf, ".%09u", unsigned(t.nanosecond));
        s += buf;
    }
    return s;
}

}  // namespace

nlohmann::json to_json(toml::node const& node, std::string const& path, Expansion& x) {
    if (auto const* table = node.as_table()) {
        nlohmann::json out = nlohmann::json::object();
        for (auto const& [key, value] : in_file_order(*table)) out[key] = to_json(*value, join(path, key), x);
        return out;
    }
    if (auto const* array = node.as_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (std::size_t i = 0; i < array->size(); ++i)
            out.push_back(to_json(*array->get(i), join(path, std::to_string(i)), x));
        return out;
    }
    if (auto const* s = node.as_string()) {
        std::string text = s->get();
        if (expand(text, where_of(x.file, node.source()), x.env)) x.secrets.push_back(path);
        return text;
    }
    if (auto const* i = node.as_integer()) return i->get();
    if (auto const* f = node.as_floating_point()) return f->get();
    if (auto const* b = node.as_boolean()) return b->get();
    // Dates and times become their RFC 3339 text.
    if (auto const* d = node.as_date()) return date_text(d->get());
    if (auto const* t = node.as_time()) return time_text(t->get());
    if (auto const* dt = node.as_date_time()) {
        auto const& v = dt->get();
        std::string s = date_text(v.date) + "T" + time_text(v.time);
        if (v.offset) {
            int minutes = v.offset->minutes;
            char buf[8];
            std::snprintf(buf, sizeof buf, "%c%02d:%02d", minutes < 0 ? '-' : '+', std::abs(minutes) / 60,
                          std::abs(minutes) % 60);
            s += minutes == 0 ? std::string("Z") : std::string(buf);
        }
        return s;
    }
    return nullptr;
}

}  // namespace signflow::connectors::config_detail
