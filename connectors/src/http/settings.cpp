#include "http/settings.hpp"

#include "signflow/net/client.hpp"
#include "http/template.hpp"

#include <algorithm>
#include <filesystem>

namespace signflow::connectors::http {

Settings::Settings(ConnectorSpec const& spec, std::set<std::string> known) : spec_(spec) {
    if (!spec.settings.is_object() && !spec.settings.is_null()) fail("", "the settings are not a table");
    if (spec.settings.is_null()) return;
    for (auto const& [key, value] : spec.settings.items()) {
        if (known.count(key)) continue;
        std::string list;
        for (auto const& k : known) list += (list.empty() ? "" : ", ") + k;
        fail(key, "unknown setting for kind `" + spec.kind + "` (known: " + list + ")");
    }
}

void Settings::fail(std::string const& key, std::string const& message) const {
    throw ConfigError(spec_.at(key.substr(0, key.find('.'))).text() + ": connector `" + spec_.name + "`: " +
                      (key.empty() ? "" : "`" + key + "` ") + message);
}

bool Settings::has(std::string const& key) const {
    return spec_.settings.is_object() && spec_.settings.contains(key);
}

nlohmann::json const& Settings::at(std::string const& key) const {
    static nlohmann::json const null;
    if (!has(key)) return null;
    return spec_.settings.at(key);
}

std::string Settings::string(std::string const& key, std::string const& fallback) const {
    if (!has(key)) return fallback;
    auto const& v = at(key);
    if (!v.is_string()) fail(key, "expected a string");
    return v.get<std::string>();
}

std::string Settings::required_string(std::string const& key) const {
    if (!has(key)) fail(key, "required");
    auto s = string(key, "");
    if (s.empty()) fail(key, "must not be empty");
    return s;
}

std::int64_t Settings::integer(std::string const& key, std::int64_t fallback, std::int64_t min,
                               std::int64_t max) const {
    if (!has(key)) return fallback;
    auto const& v = at(key);
    if (!v.is_number_integer()) fail(key, "expected a whole number");
    auto n = v.get<std::int64_t>();
    if (n < min || n > max)
        fail(key, "expected a number from " + std::to_string(min) + " to " + std::to_string(max));
    return n;
}

std::chrono::milliseconds Settings::duration(std::string const& key, std::chrono::milliseconds fallback) const {
    if (!has(key)) return fallback;
    auto ms = duration_ms(at(key), key, spec_.at(key));
    if (ms <= 0) fail(key, "must be longer than zero");
    return std::chrono::milliseconds(ms);
}

std::vector<std::string> Settings::strings(std::string const& key) const {
    std::vector<std::string> out;
    if (!has(key)) return out;
    auto const& v = at(key);
    if (!v.is_array()) fail(key, "expected a list of strings");
    for (auto const& item : v) {
        if (!item.is_string()) fail(key, "expected a list of strings");
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::string Settings::url(std::string const& key) const {
    required_string(key);
    return url(key, at(key));
}

std::string Settings::url(std::string const& key, nlohmann::json const& value) const {
    if (!value.is_string()) fail(key, "expected a string");
    auto text = value.get<std::string>();
    if (auto bad = check_template(value)) fail(key, *bad);
    std::string error;
    if (!net::parse_url(with_stand_ins(text), error)) fail(key, error);
    return text;
}

std::string Settings::ca_file() const {
    auto file = string("ca_file", "");
    if (file.empty()) return file;
    std::filesystem::path p(file);
    if (p.is_relative() && !spec_.where.file.empty()) p = std::filesystem::path(spec_.where.file).parent_path() / p;
    if (!std::filesystem::is_regular_file(p)) fail("ca_file", "no such file: " + p.string());
    return p.string();
}

std::optional<engine::RetryPolicy> Settings::retry(int default_retries, std::chrono::milliseconds default_base,
                                                   std::chrono::milliseconds default_cap) const {
    if (default_retries < 0 && !has("retries") && !has("backoff_base") && !has("backoff_cap")) return std::nullopt;
    engine::RetryPolicy policy;
    auto retries = integer("retries", default_retries < 0 ? policy.max_attempts - 1 : default_retries, 0, 100);
    policy.max_attempts = static_cast<int>(retries) + 1;
    policy.base = duration("backoff_base", default_retries < 0 ? policy.base : default_base);
    policy.cap = duration("backoff_cap", default_retries < 0 ? policy.cap : default_cap);
    if (policy.cap < policy.base) fail("backoff_cap", "is shorter than backoff_base");
    return policy;
}

std::string method_setting(Settings const& settings, std::string const& key, std::string const& value) {
    std::string upper = value;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    static std::set<std::string> const methods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    if (!methods.count(upper)) settings.fail(key, "`" + value + "` is not one of GET, POST, PUT, PATCH, DELETE");
    return upper;
}

}  // namespace signflow::connectors::http
