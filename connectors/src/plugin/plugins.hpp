#pragma once
// Connector plugins: shared objects in the plugins folder that add connector
// kinds through the C interface in signflow/connectors/plugin.h. Loading
// never throws: a plugin that cannot be used becomes a problem naming its
// file and why, and the daemon goes on with the others.
#include "signflow/connectors/plugin.h"
#include "signflow/connectors/registry.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace signflow::connectors::plugin {

// One dlopen()ed shared object; closed when the last connector made from it
// is gone.
class Library {
public:
    Library(std::filesystem::path file, void* handle) : file_(std::move(file)), handle_(handle) {}
    ~Library();
    Library(Library const&) = delete;
    Library& operator=(Library const&) = delete;
    std::filesystem::path const& file() const { return file_; }

private:
    std::filesystem::path file_;
    void* handle_;
};

struct PluginKind {
    std::shared_ptr<Library> library;
    signflow_connector_kind const* kind = nullptr;  // in the library's static storage
};

struct Plugins {
    std::map<std::string, PluginKind> kinds;
    std::vector<std::string> problems;
};

// Loads every *.so in `folder` (in name order) with RTLD_NOW | RTLD_LOCAL.
// A kind in `taken` (the built-in kinds) or offered by an earlier plugin is
// a problem, and the first offer wins.
// Opens `files` (names in `folder`, from [plugins] load) and nothing else,
// each after checking that only the daemon's user or root may have written
// it and its folder. A plugin that cannot be used is a problem, not an error.
Plugins load_plugins(std::filesystem::path const& folder, std::vector<std::string> const& files,
                     std::set<std::string> const& taken);

// A connector that calls the plugin's create/deliver/destroy. Throws
// ConfigError when the plugin's create refuses the settings.
std::unique_ptr<engine::Connector> make_plugin_connector(ConnectorSpec const& spec, PluginKind const& kind,
                                                         Services const& services);

}  // namespace signflow::connectors::plugin
