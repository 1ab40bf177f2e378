#pragma once
// Typed access to a connector's settings for the kinds that call out over
// HTTP (http, webhook): every mistake is a ConfigError that names the file,
// line, connector and key, and says what was expected — never the value,
// which may be a secret.
#include "signflow/connectors/config.hpp"
#include "signflow/engine/connector.hpp"

#include <chrono>
#include <optional>
#include <set>
#include <string>

namespace signflow::connectors::http {

class Settings {
public:
    // Throws ConfigError when the settings hold a key not in `known`.
    Settings(ConnectorSpec const& spec, std::set<std::string> known);

    [[noreturn]] void fail(std::string const& key, std::string const& message) const;

    bool has(std::string const& key) const;
    nlohmann::json const& at(std::string const& key) const;  // null when absent
    std::string string(std::string const& key, std::string const& fallback) const;
    std::string required_string(std::string const& key) const;
    std::int64_t integer(std::string const& key, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
    std::chrono::milliseconds duration(std::string const& key, std::chrono::milliseconds fallback) const;
    std::vector<std::string> strings(std::string const& key) const;  // a list of strings, empty when absent
    // An http(s) URL, possibly with placeholders (checked with stand-ins).
    std::string url(std::string const& key) const;
    std::string url(std::string const& key, nlohmann::json const& value) const;
    // `ca_file`, resolved relative to the configuration file's folder.
    std::string ca_file() const;
    // `retries` (attempts after the first), `backoff_base`, `backoff_cap`:
    // nullopt when none is set and `default_retries` is negative.
    std::optional<engine::RetryPolicy> retry(int default_retries, std::chrono::milliseconds default_base,
                                             std::chrono::milliseconds default_cap) const;

    ConnectorSpec const& spec() const { return spec_; }

private:
    ConnectorSpec const& spec_;
};

// The HTTP methods a connector may use, upper-cased; throws via `settings`.
std::string method_setting(Settings const& settings, std::string const& key, std::string const& value);

}  // namespace signflow::connectors::http
