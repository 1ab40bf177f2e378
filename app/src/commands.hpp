#pragma once
// The subcommands of `signflow`. Each returns the process exit code
// (files.hpp); main.cpp wires them to CLI11.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace signflow::stdlib {
class StandardCatalog;
}

namespace signflow::storage {
class DaemonStore;
}

namespace signflow::app {

// The standard catalog, with the connectors of a configuration file when
// one is named (check_command.cpp).
std::unique_ptr<stdlib::StandardCatalog> make_catalog(std::string const& config);

struct CheckOptions {
    std::vector<std::string> paths;
    std::string format = "human";  // human | json
    std::string config;            // a signflow.toml: connectors are checked against it
    bool deny_warnings = false;
};
int run_check(CheckOptions const& options);

struct CompileOptions {
    std::string path;
    std::string emit = "ir";  // ir | json | hash
    std::string output;       // empty: standard output
    std::string config;
};
int run_compile(CompileOptions const& options);

struct GraphOptions {
    std::string path;
    std::string format = "dot";  // dot | mermaid
    std::string output;
    std::string config;
};
int run_graph(GraphOptions const& options);

struct FmtOptions {
    std::vector<std::string> paths;
    bool check = false;
};
int run_fmt(FmtOptions const& options);

struct SimulateOptions {
    std::string path;                    // the .flow file
    std::vector<std::string> scenarios;  // empty: NAME.scenario and NAME.*.scenario beside it
    std::string config;
    bool trace = false;                  // also the machine's raw trace lines
    bool quiet = false;                  // no timeline: failures and the summary only
};
int run_simulate(SimulateOptions const& options);

struct ServeOptions {
    std::string rules;            // empty: ./rules, or ./examples when there is no ./rules
    std::string db = "signflow.db";  // an SQLite file or a PostgreSQL target
    std::string data_dir;         // empty: the SQLite file's folder (PostgreSQL: the current folder)
    int lead_seconds = 10;        // PostgreSQL: the leader's lease (a standby takes over once it runs out)
    std::string advertise;        // PostgreSQL: HOST:PORT where the other daemons reach this one (default: --listen)
    std::string listen = "127.0.0.1:8080";
    std::string config;           // empty: RULES/signflow.toml when it exists
    std::string timezone = "UTC"; // for signers with no zone, in workflows with none
    std::string log_format = "text";  // text | json
    std::string log_level = "info";
    std::string connector_log;    // empty: connector-calls.jsonl beside the database
    unsigned threads = 0;         // 0: one per core (at least 2)
    int sign_link_days = 30;      // a signing link works this long after it was made
    int download_link_days = 30;  // a signed copy's download link too
    std::vector<std::string> frame_ancestors;  // origins that may frame an embedded signing page
    std::size_t max_body = 1024 * 1024;
    std::size_t max_connections = 1024;            // http::Limits::max_connections
    std::size_t max_connections_per_client = 64;   // per IPv4 address or IPv6 /64
    std::vector<std::string> trusted_proxies;      // addresses or CIDRs (client_address.hpp)
    bool no_watch = false;
    bool open = false;            // --open: no API keys needed (development only; warned at start)
};
int run_serve(ServeOptions const& options);

// Commands that register themselves: each adds its subcommands to `app` and,
// when one of them is chosen, sets `run` to what main calls after parsing.
using Runner = std::function<int()>;
void add_form_commands(CLI::App& app, Runner& run);   // documents/form_commands.cpp: fields, fill
void add_sign_commands(CLI::App& app, Runner& run);   // documents/sign_commands.cpp: verify, keys
void add_audit_commands(CLI::App& app, Runner& run);  // audit_command.cpp: audit verify, audit export
void add_send_commands(CLI::App& app, Runner& run);   // send_command.cpp: send --bulk
void add_deliveries_commands(CLI::App& app, Runner& run);  // deliveries_command.cpp: deliveries list, retry
void add_envelope_commands(CLI::App& app, Runner& run);    // envelope_command.cpp: envelope correct, resend, cancel
void add_api_key_commands(CLI::App& app, Runner& run);  // api_key_command.cpp: api-key create, list, revoke
void add_db_commands(CLI::App& app, Runner& run);       // db_command.cpp: db migrate

// The store `--db` names (an SQLite file or a PostgreSQL target), migrated.
// A missing SQLite file is an error (InputError) unless `create`; so is a
// database that cannot be reached or that a newer signflow migrated.
std::unique_ptr<storage::DaemonStore> open_db(std::string const& db, bool create);

}  // namespace signflow::app
