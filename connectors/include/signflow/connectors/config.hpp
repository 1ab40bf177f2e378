#pragma once
// The daemon's configuration file (TOML, read with toml++): named connector
// instances, inbound webhook sources, the plugins folder.
//
//     [connectors.crm]            # NAME is what a workflow writes after invoke/notify/archive to
//     kind = "http"               # http | webhook | archive | log | email | sms | a plugin's kind
//     url = "https://…"
//     token = "${CRM_TOKEN}"      # replaced with the environment variable's value at load
//
//     [sources.typeform]          # POST /v1/hooks/typeform/{event}, signed with this secret
//     secret = "${TYPEFORM_SECRET}"
//
//     [plugins]
//     folder = "plugins"          # relative to the config file
//     load = ["crm.so"]           # the only plugins opened (at start); owner and mode checked first
//
//     [messages]                  # what signers receive (docs/connectors.md)
//     email = "mailer"            # an email connector; none: .eml files in the outbox
//     sms = "texts"               # an sms connector; none: .sms.txt files in the outbox
//
// Secrets: a string value may hold "${NAME}" anywhere; NAME is looked up in
// the environment when the file is loaded. A missing variable is an error
// naming the file, line and variable (never its value). The expanded values
// are in `settings`; `secrets` lists the setting keys that held a reference,
// so that nothing logs them (see redacted()).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace signflow::connectors {

// A configuration that cannot be used: `what()` is "FILE:LINE:COL: message".
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Where {
    std::string file;
    int line = 0, column = 0;
    std::string text() const;  // "file:line:col"
};

struct ConnectorSpec {
    std::string name;               // the table's key: [connectors.NAME]
    std::string kind;               // `kind`, required
    nlohmann::json settings;        // every key of the table but `kind`, ${…} expanded
    std::vector<std::string> secrets;  // keys (dotted for nested tables, index for arrays) whose value held ${…}
    Where where;                    // the [connectors.NAME] header
    std::map<std::string, Where> places;  // where each top-level setting is written
    // Where `key` is written; the table's header when the key is absent.
    Where const& at(std::string const& key) const;
    // settings with every secret replaced by "(secret)": what may be logged or shown.
    nlohmann::json redacted() const;
};

struct SourceSpec {
    std::string name;     // [sources.NAME]
    std::string secret;   // HMAC-SHA256 key (expanded); required
    std::int64_t tolerance_seconds = 300;  // the replay window (`tolerance`, e.g. "5m")
    nlohmann::json settings;  // the other keys of the table, ${…} expanded (an object)
    Where where;
};

// The [messages] table: how signer messages leave (see messages.hpp).
struct MessagesSpec {
    std::string email;                  // name of an `email` connector; "" → outbox files
    std::string sms;                    // name of an `sms` connector; "" → outbox files
    std::filesystem::path outbox;       // "" → the daemon's default (beside the database); else absolute
    std::string link_base;              // "https://sign.example"; "" → the daemon's listen address
    std::filesystem::path templates;    // a folder of wording overrides; "" → none; else absolute
    std::int64_t attach_limit = 5 * 1024 * 1024;  // bytes (`attach_limit`, an integer or "5MB")
    std::string from;                   // sender of outbox mails ("Name <a@b>"); "" → signflow@localhost
    Where where;                        // the table's header ("" file when the table is absent)
    std::map<std::string, Where> places;  // where each key is written
};

struct Config {
    std::filesystem::path file;
    std::vector<ConnectorSpec> connectors;
    std::vector<SourceSpec> sources;
    std::filesystem::path plugins;  // empty: no plugins folder; else absolute (relative to the file)
    std::vector<std::string> plugin_files;  // [plugins] load: the only files opened, in this order
    nlohmann::json documents;       // the [documents] table as JSON (null when absent)
    MessagesSpec messages;          // the [messages] table (defaults when absent)

    ConnectorSpec const* connector(std::string const& name) const;
    SourceSpec const* source(std::string const& name) const;
};

// Looks a variable up; the default reads the process environment.
using Environment = std::function<std::optional<std::string>(std::string const& name)>;
Environment process_environment();

// Reads and checks the file: syntax, every connector has a string `kind`,
// every source a secret, every ${NAME} defined. Throws ConfigError.
Config load_config(std::filesystem::path const& file, Environment const& env = process_environment());

// Durations in settings ("500ms", "10s", "5m", "2h", "3d", "2w", "10y", sums
// such as "1h30m", or a number of seconds).
// Throws ConfigError naming `where` and the key when the text is not one.
std::int64_t duration_ms(nlohmann::json const& value, std::string const& key, Where const& where);

}  // namespace signflow::connectors
