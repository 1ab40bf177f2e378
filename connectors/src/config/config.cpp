// load_config: the daemon's TOML file into checked specs. Only the shape is
// checked here (tables, `kind`, secrets, ${…}); each kind checks its own
// settings when the registry makes the connector.
#include "config/expand.hpp"
#include "config/messages_table.hpp"

#include <cstdlib>

namespace signflow::connectors {

using config_detail::Expansion;
using config_detail::in_file_order;
using config_detail::to_json;
using config_detail::where_of;
namespace fs = std::filesystem;

std::string Where::text() const {
    if (line <= 0) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

Where const& ConnectorSpec::at(std::string const& key) const {
    auto it = places.find(key);
    return it == places.end() ? where : it->second;
}

namespace {

// Finds the value a dotted path names. A key may itself hold dots (a quoted
// TOML key), so every way of grouping the remaining segments is tried.
nlohmann::json* find_path(nlohmann::json& node, std::vector<std::string> const& parts, std::size_t from) {
    if (from == parts.size()) return &node;
    if (node.is_array()) {
        std::size_t index = 0;
        try {
            index = std::stoul(parts[from]);
        } catch (std::exception const&) {
            return nullptr;
        }
        return index < node.size() ? find_path(node[index], parts, from + 1) : nullptr;
    }
    if (!node.is_object()) return nullptr;
    std::string key;
    for (std::size_t to = from; to < parts.size(); ++to) {
        key += (to == from ? "" : ".") + parts[to];
        auto it = node.find(key);
        if (it == node.end()) continue;
        if (auto* found = find_path(*it, parts, to + 1)) return found;
    }
    return nullptr;
}

std::vector<std::string> split_dots(std::string const& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        auto dot = path.find('.', start);
        parts.push_back(path.substr(start, dot - start));
        if (dot == std::string::npos) return parts;
        start = dot + 1;
    }
}

toml::table const& table_of(toml::node const& node, std::string const& what, std::string const& file) {
    if (auto const* t = node.as_table()) return *t;
    throw ConfigError(where_of(file, node.source()).text() + ": " + what + " must be a table");
}

ConnectorSpec read_connector(std::string const& name, toml::node const& node, std::string const& file,
                             Environment const& env) {
    auto const& table = table_of(node, "connectors." + name, file);
    ConnectorSpec spec;
    spec.name = name;
    spec.where = where_of(file, node.source());
    auto const* kind = table.get("kind");
    if (!kind)
        throw ConfigError(spec.where.text() + ": connector `" + name +
                          "` has no `kind` (http, webhook, archive, log, email, sms or a plugin's kind)");
    if (!kind->is_string() || kind->as_string()->get().empty())
        throw ConfigError(where_of(file, kind->source()).text() + ": connector `" + name +
                          "`: `kind` must be a non-empty string");
    spec.kind = kind->as_string()->get();
    spec.settings = nlohmann::json::object();
    Expansion x{file, env, {}};
    for (auto const& [k, value] : in_file_order(table)) {
        if (k == "kind") continue;
        spec.settings[k] = to_json(*value, k, x);
        spec.places[k] = where_of(file, value->source());
    }
    spec.secrets = std::move(x.secrets);
    return spec;
}

SourceSpec read_source(std::string const& name, toml::node const& node, std::string const& file,
                       Environment const& env) {
    auto const& table = table_of(node, "sources." + name, file);
    SourceSpec spec;
    spec.name = name;
    spec.where = where_of(file, node.source());
    spec.settings = nlohmann::json::object();
    Expansion x{file, env, {}};
    bool has_secret = false;
    for (auto const& [k, value] : in_file_order(table)) {
        Where at = where_of(file, value->source());
        nlohmann::json v = to_json(*value, k, x);
        if (k == "secret") {
            if (!v.is_string() || v.get<std::string>().empty())
                throw ConfigError(at.text() + ": source `" + name + "`: `secret` must be a non-empty string");
            spec.secret = v.get<std::string>();
            has_secret = true;
        } else if (k == "tolerance") {
            spec.tolerance_seconds = duration_ms(v, "tolerance", at) / 1000;
        } else {
            spec.settings[k] = std::move(v);
        }
    }
    if (!has_secret)
        throw ConfigError(spec.where.text() + ": source `" + name +
                          "` has no `secret` (the HMAC-SHA256 key its requests are signed with, e.g. "
                          "secret = \"${" + name + "_SECRET}\")");
    return spec;
}

}  // namespace

nlohmann::json ConnectorSpec::redacted() const {
    nlohmann::json out = settings;
    for (auto const& path : secrets) {
        if (auto* value = find_path(out, split_dots(path), 0)) {
            *value = "(secret)";
        } else {
            // Cannot happen for paths load_config recorded; hide the whole key rather than risk a leak.
            out[split_dots(path).front()] = "(secret)";
        }
    }
    return out;
}

ConnectorSpec const* Config::connector(std::string const& name) const {
    for (auto const& c : connectors)
        if (c.name == name) return &c;
    return nullptr;
}

SourceSpec const* Config::source(std::string const& name) const {
    for (auto const& s : sources)
        if (s.name == name) return &s;
    return nullptr;
}

Environment process_environment() {
    return [](std::string const& name) -> std::optional<std::string> {
        if (char const* v = std::getenv(name.c_str())) return std::string(v);
        return std::nullopt;
    };
}

Config load_config(fs::path const& path, Environment const& env) {
    std::string const file = path.string();
    toml::table root;
    try {
        root = toml::parse_file(file);
    } catch (toml::parse_error const& e) {
        Where at = where_of(file, e.source());
        throw ConfigError(at.text() + ": " + std::string(e.description()));
    }
    Config config;
    config.file = path;
    fs::path const folder = fs::absolute(path).parent_path();

    if (auto const* node = root.get("connectors"))
        for (auto const& [key, value] : in_file_order(table_of(*node, "`connectors`", file)))
            config.connectors.push_back(read_connector(key, *value, file, env));

    if (auto const* node = root.get("sources"))
        for (auto const& [key, value] : in_file_order(table_of(*node, "`sources`", file)))
            config.sources.push_back(read_source(key, *value, file, env));

    if (auto const* node = root.get("plugins")) {
        auto const& table = table_of(*node, "[plugins]", file);
        Where header = where_of(file, node->source());
        bool listed = false;
        for (auto const& [key, value] : table) {
            Where at = where_of(file, value.source());
            if (key.str() == "folder") {
                std::string text = value.value<std::string>().value_or("");
                if (!value.is_string() || text.empty())
                    throw ConfigError(at.text() + ": [plugins] `folder` must be a non-empty string");
                config_detail::expand(text, at, env);
                fs::path p = text;
                config.plugins = p.is_relative() ? (folder / p).lexically_normal() : p;
            } else if (key.str() == "load") {
                // Only the plugins named here are opened: a *.so dropped in
                // the folder runs no code in the daemon (its constructors
                // would run at dlopen, before any check).
                auto const* list = value.as_array();
                if (!list)
                    throw ConfigError(at.text() + ": [plugins] `load` is a list of file names, e.g. load = [\"crm.so\"]");
                listed = true;
                for (auto const& item : *list) {
                    Where it = where_of(file, item.source());
                    std::string name = item.value<std::string>().value_or("");
                    if (!item.is_string() || name.empty() || name.find('/') != std::string::npos || name == "." ||
                        name == ".." || !name.ends_with(".so"))
                        throw ConfigError(it.text() + ": [plugins] `load` names files in the plugins folder: a "
                                                      "name ending in .so, without a `/`");
                    config.plugin_files.push_back(name);
                }
            } else {
                throw ConfigError(at.text() + ": [plugins] has no setting `" + std::string(key.str()) +
                                  "` (only `folder` and `load`)");
            }
        }
        if (config.plugins.empty())
            throw ConfigError(header.text() + ": [plugins] needs `folder`, the folder its plugins are in");
        if (!listed)
            throw ConfigError(header.text() + ": [plugins] needs `load`, the plugin files to open, e.g. load = "
                                              "[\"crm.so\"]: the daemon opens only the plugins it is told to");
    }

    if (auto const* node = root.get("documents")) {
        Expansion x{file, env, {}};
        config.documents = to_json(table_of(*node, "[documents]", file), "", x);
    }

    if (auto const* node = root.get("messages"))
        config.messages = config_detail::read_messages(table_of(*node, "[messages]", file),
                                                       where_of(file, node->source()), file, env);
    return config;
}

}  // namespace signflow::connectors
