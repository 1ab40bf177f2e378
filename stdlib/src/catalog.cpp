// StandardCatalog: the dsl::Catalog that real compilations use. It answers
// from the stock tables (templates.cpp, functions.cpp), the fixed set of
// verification methods, the operating system's IANA time zone database, and
// the connectors of the daemon's configuration when one was given.
#include "signflow/stdlib/catalog.hpp"

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

namespace signflow::stdlib {

namespace {

// Where Debian's tzdata puts the IANA database. The daemon evaluates
// schedules with the same database, so accepting exactly the zones it can
// load keeps "compiles" and "runs" in agreement.
constexpr std::string_view zoneinfo_dir = "/usr/share/zoneinfo/";

bool zone_name_shape_ok(std::string_view name) {
    if (name.empty() || name.front() == '/' || name.back() == '/') {
        return false;
    }
    // IANA names start with an upper-case letter ("Europe/Paris", "UTC",
    // "GMT+0"). Requiring it also rules out the database's helper files and
    // trees: "posix/...", "right/...", "zone.tab", "tzdata.zi", "leapseconds",
    // "posixrules", "localtime" (which is the host's zone, not a zone name).
    if (name.front() < 'A' || name.front() > 'Z') {
        return false;
    }
    // The name becomes a path: no "..", no empty components, and only the
    // characters IANA uses (no '.', so "iso3166.tab" and the like fail too).
    if (name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos) {
        return false;
    }
    for (char c : name) {
        bool const ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '+' || c == '-' || c == '/';
        if (!ok) {
            return false;
        }
    }
    // The one helper file that passes the checks above: some tzdata
    // releases ship it, and it is a text file, not a zone.
    return name != "SECURITY";
}

}  // namespace

StandardCatalog::StandardCatalog(std::vector<std::string> configured_connectors)
    : connectors_(std::move(configured_connectors)) {}

dsl::TemplateSpec const* StandardCatalog::find_template(std::string_view name) const {
    for (auto const& t : stock_templates()) {
        if (t.name == name) {
            return &t;
        }
    }
    return nullptr;
}

std::vector<std::string> StandardCatalog::template_names() const {
    std::vector<std::string> names;
    for (auto const& t : stock_templates()) {
        names.push_back(t.name);
    }
    return names;
}

dsl::FunctionSpec const* StandardCatalog::find_function(std::string_view name) const {
    for (auto const& f : functions()) {
        if (f.name == name) {
            return &f;
        }
    }
    return nullptr;
}

std::vector<std::string> StandardCatalog::function_names() const {
    std::vector<std::string> names;
    for (auto const& f : functions()) {
        names.push_back(f.name);
    }
    return names;
}

std::vector<std::string> StandardCatalog::verification_methods() const { return {"sms", "email"}; }

bool StandardCatalog::is_time_zone(std::string_view name) const {
    // UTC is always valid, even on a host (or container) without tzdata.
    if (name == "UTC") {
        return true;
    }
    if (!zone_name_shape_ok(name)) {
        return false;
    }
    // Directories ("America") are regions, not zones; symlinks to zone files
    // (the database's backward-compatible aliases) are followed and count.
    std::error_code ec;
    return std::filesystem::is_regular_file(std::filesystem::path(std::string(zoneinfo_dir) + std::string(name)), ec);
}

std::optional<std::vector<std::string>> StandardCatalog::connectors() const { return connectors_; }

}  // namespace signflow::stdlib
