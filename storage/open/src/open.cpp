#include "signflow/storage/open.hpp"

#include "signflow/storage/pg_store.hpp"
#include "signflow/storage/sqlite_store.hpp"

#include <cctype>
#include <filesystem>
#include <regex>

namespace signflow::storage {

bool is_postgres(std::string const& target) {
    if (target.starts_with("postgresql://") || target.starts_with("postgres://")) return true;
    // A key=value string: words `keyword=value` separated by spaces, one of
    // them a libpq keyword (a file name with another `word=` in it is still a
    // file; one that would pass for a connection string is named ./NAME).
    static std::regex const keyword(
        R"((^|\s)(dbname|host|hostaddr|service|port|user|password|passfile|sslmode|connect_timeout|options|)"
        R"(application_name|target_session_attrs)\s*=)");
    return std::regex_search(target, keyword);
}

std::unique_ptr<DaemonStore> open_store(std::string const& target) {
    if (is_postgres(target)) return std::make_unique<PgStore>(target);
    return std::make_unique<SqliteStore>(target);
}

std::string describe_target(std::string const& target) {
    return is_postgres(target) ? PgStore::describe_target(target) : target;
}

std::string database_name(std::string const& target) {
    if (!is_postgres(target)) return std::filesystem::path(target).stem().string();
    std::string described = PgStore::describe_target(target);  // postgresql://user@host:port/dbname
    std::string name = described.substr(described.rfind('/') + 1);
    if (name.empty() && described.find('@') != std::string::npos)
        name = described.substr(13, described.find('@') - 13);
    // (a name for files: nothing but letters, digits, `_`, `-` and `.`, never `..`)
    for (char& c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) c = '_';
    if (name.empty() || name.find_first_not_of('.') == std::string::npos) return "signflow";
    return name;
}

int latest_schema_version(std::string const& target) {
    return is_postgres(target) ? PgStore::latest_schema_version() : SqliteStore::latest_schema_version();
}

}  // namespace signflow::storage
