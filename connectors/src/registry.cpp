// make_connectors: one engine::Connector per [connectors.NAME] table. The
// built-in kinds are a table from kind to factory; plugins add kinds at
// start. A connector that cannot be made stops the configuration (a
// workflow's deliveries would otherwise go nowhere); a plugin that cannot be
// loaded is only a problem, unless a connector needs its kind.
#include "builtin.hpp"
#include "plugin/plugins.hpp"

#include "signflow/dsl/diagnostic.hpp"

#include <map>
#include <set>
#include <system_error>

namespace signflow::connectors {
namespace {
namespace fs = std::filesystem;

using Factory = std::unique_ptr<engine::Connector> (*)(ConnectorSpec const&, Services const&);

fs::path folder_of(ConnectorSpec const& spec) { return fs::absolute(spec.where.file).parent_path(); }

fs::path log_folder(ConnectorSpec const& spec, Services const& services) {
    return services.log_folder.empty() ? folder_of(spec) : fs::path(services.log_folder);
}

std::unique_ptr<engine::Connector> open_log(ConnectorSpec const& spec, fs::path const& file) {
    std::error_code ec;
    if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
    try {
        return engine::make_log_connector(spec.name, file.string());
    } catch (std::exception const& e) {
        throw ConfigError(spec.where.text() + ": connector `" + spec.name + "` (" + spec.kind + "): " + e.what());
    }
}

// `log`: one JSON line per delivery, in `path` or LOG_FOLDER/NAME.jsonl.
std::unique_ptr<engine::Connector> make_log(ConnectorSpec const& spec, Services const& services) {
    fs::path file = log_folder(spec, services) / (spec.name + ".jsonl");
    for (auto const& [key, value] : spec.settings.items()) {
        if (key != "path")
            throw ConfigError(spec.at(key).text() + ": connector `" + spec.name + "` (log): unknown setting `" + key +
                              "` (known: path)");
        if (!value.is_string() || value.get<std::string>().empty())
            throw ConfigError(spec.at(key).text() + ": connector `" + spec.name + "` (log): `path` must be a non-empty string");
        file = value.get<std::string>();
        if (file.is_relative()) file = (folder_of(spec) / file).lexically_normal();
    }
    return open_log(spec, file);
}

std::map<std::string, Factory> const& builtin_kinds() {
    static std::map<std::string, Factory> const kinds = {
        {"http", &make_http_connector},
        {"webhook", &make_webhook_connector},
        {"archive", &make_archive_connector},
        {"log", &make_log},
        {"email", nullptr},  // made below: they also hand out a transport
        {"sms", nullptr},
    };
    return kinds;
}

}  // namespace

Loaded make_connectors(Config const& config, Services const& services) {
    auto const& builtin = builtin_kinds();
    std::set<std::string> taken;
    for (auto const& [kind, factory] : builtin) taken.insert(kind);

    auto plugins = plugin::load_plugins(config.plugins, config.plugin_files, taken);
    Loaded loaded;
    loaded.problems = plugins.problems;

    std::set<std::string> names;
    for (auto const& spec : config.connectors) {
        if (!names.insert(spec.name).second)
            throw ConfigError(spec.where.text() + ": connector `" + spec.name + "` is defined twice");
        if (spec.kind == "email") {
            loaded.connectors.push_back(make_email_connector(spec, services, loaded.mail[spec.name]));
            continue;
        }
        if (spec.kind == "sms") {
            loaded.connectors.push_back(make_sms_connector(spec, services, loaded.sms[spec.name]));
            continue;
        }
        if (auto it = builtin.find(spec.kind); it != builtin.end()) {
            loaded.connectors.push_back(it->second(spec, services));
            continue;
        }
        if (auto it = plugins.kinds.find(spec.kind); it != plugins.kinds.end()) {
            loaded.connectors.push_back(plugin::make_plugin_connector(spec, it->second, services));
            continue;
        }
        std::vector<std::string> known;
        for (auto const& [kind, factory] : builtin) known.push_back(kind);
        for (auto const& [kind, p] : plugins.kinds) known.push_back(kind);
        std::string message = spec.where.text() + ": connector `" + spec.name + "`: unknown kind `" + spec.kind + "`";
        std::string list;
        for (auto const& k : known) list += (list.empty() ? "" : ", ") + k;
        message += "; known kinds: " + list;
        auto similar = dsl::similar_names(spec.kind, known);
        if (!similar.empty()) message += "; did you mean `" + similar.front() + "`?";
        if (!plugins.problems.empty()) {
            message += "; plugins that failed to load:";
            for (auto const& p : plugins.problems) message += "\n  " + p;
        }
        throw ConfigError(message);
    }
    return loaded;
}

}  // namespace signflow::connectors
