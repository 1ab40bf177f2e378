// The [messages] table: which email and sms connectors carry signer
// messages, the outbox folder used without them, the signing links' base,
// wording overrides and the size above which a signed copy goes as a link.
// Only the shape is checked here; make_messages_connector checks that the
// named connectors exist and have the right kind.
#include "config/expand.hpp"
#include "config/messages_table.hpp"

#include <cctype>

namespace signflow::connectors::config_detail {
namespace fs = std::filesystem;
namespace {

std::int64_t byte_size(nlohmann::json const& v, Where const& at) {
    std::string const what = at.text() + ": [messages] `attach_limit` ";
    if (v.is_number_integer()) {
        if (v.get<std::int64_t>() < 0) throw ConfigError(what + "must not be negative");
        return v.get<std::int64_t>();
    }
    if (!v.is_string()) throw ConfigError(what + "must be a number of bytes or a size such as \"5MB\"");
    std::string const text = v.get<std::string>();
    std::size_t i = 0;
    std::int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        if (n > (std::int64_t{1} << 40)) throw ConfigError(what + "is too large");
        n = n * 10 + (text[i++] - '0');
    }
    std::string unit = text.substr(i);
    for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (i == 0) throw ConfigError(what + "must start with a number (\"5MB\", \"500KB\", \"1048576\")");
    if (unit.empty() || unit == "B") return n;
    if (unit == "KB" || unit == "K") return n * 1024;
    if (unit == "MB" || unit == "M") return n * 1024 * 1024;
    if (unit == "GB" || unit == "G") return n * 1024 * 1024 * 1024;
    throw ConfigError(what + "has an unknown unit `" + text.substr(i) + "` (B, KB, MB, GB)");
}

}  // namespace

MessagesSpec read_messages(toml::table const& table, Where const& header, std::string const& file,
                           Environment const& env) {
    MessagesSpec spec;
    spec.where = header;
    fs::path const folder = fs::absolute(file).parent_path();
    for (auto const& [key, node] : in_file_order(table)) {
        Where const at = where_of(file, node->source());
        spec.places[key] = at;
        Expansion x{file, env, {}};
        nlohmann::json v = to_json(*node, key, x);
        if (key == "attach_limit") {
            spec.attach_limit = byte_size(v, at);
            continue;
        }
        static constexpr char const* known = "email, sms, outbox, link_base, templates, attach_limit, from";
        if (key != "email" && key != "sms" && key != "outbox" && key != "link_base" && key != "templates" &&
            key != "from")
            throw ConfigError(at.text() + ": [messages] has no setting `" + key + "` (known: " + known + ")");
        if (!v.is_string() || v.get<std::string>().empty())
            throw ConfigError(at.text() + ": [messages] `" + key + "` must be a non-empty string");
        std::string text = v.get<std::string>();
        if (key == "email") spec.email = text;
        if (key == "sms") spec.sms = text;
        if (key == "from") spec.from = text;
        if (key == "link_base") {
            if (text.rfind("http://", 0) != 0 && text.rfind("https://", 0) != 0)
                throw ConfigError(at.text() + ": [messages] `link_base` must start with http:// or https://");
            while (!text.empty() && text.back() == '/') text.pop_back();
            spec.link_base = text;
        }
        if (key == "outbox" || key == "templates") {
            fs::path p = text;
            if (p.is_relative()) p = (folder / p).lexically_normal();
            (key == "outbox" ? spec.outbox : spec.templates) = p;
        }
    }
    if (!spec.templates.empty() && !fs::is_directory(spec.templates))
        throw ConfigError(spec.places["templates"].text() + ": [messages] `templates`: no such folder: " +
                          spec.templates.string());
    return spec;
}

}  // namespace signflow::connectors::config_detail
