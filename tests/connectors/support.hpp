#pragma once
// What the connector tests share: a temporary folder removed at the end, and
// an environment made of a map (no test depends on the real environment).
#include "signflow/connectors/config.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace signflow::connectors::test {

class TempFolder {
public:
    TempFolder();
    ~TempFolder();
    TempFolder(TempFolder const&) = delete;
    TempFolder& operator=(TempFolder const&) = delete;
    std::filesystem::path const& path() const { return path_; }
    // Writes `text` to path()/name and returns the full path.
    std::filesystem::path write(std::string const& name, std::string const& text) const;

private:
    std::filesystem::path path_;
};

Environment environment(std::map<std::string, std::string> values);

std::string read_file(std::filesystem::path const& p);

// The message of the ConfigError `f` throws ("" when it throws none).
template <class F>
std::string config_error(F&& f) {
    try {
        f();
    } catch (ConfigError const& e) {
        return e.what();
    }
    return "";
}

}  // namespace signflow::connectors::test
