// Finding and opening plugins. RTLD_NOW: an unresolved symbol is found when
// the daemon starts, not in the middle of a delivery. RTLD_LOCAL: two
// plugins may use the same symbol names without meeting.
#include "plugin/plugins.hpp"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace signflow::connectors::plugin {
namespace fs = std::filesystem;

Library::~Library() {
    if (handle_) ::dlclose(handle_);
}

namespace {

// Kinds are names a configuration writes: keep them plain.
bool plain_name(char const* text) {
    if (!text || !*text) return false;
    std::size_t n = 0;
    for (char const* p = text; *p; ++p, ++n) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok || n >= 64) return false;
    }
    return true;
}

void load_one(fs::path const& file, std::set<std::string> const& taken, Plugins& out) {
    std::string const f = file.string();
    auto problem = [&](std::string const& why) { out.problems.push_back("plugin " + f + ": " + why); };

    ::dlerror();
    void* handle = ::dlopen(f.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        char const* e = ::dlerror();
        problem(std::string("cannot be loaded: ") + (e ? e : "unknown reason"));
        return;
    }
    auto library = std::make_shared<Library>(file, handle);

    // dlsym returns void*; POSIX guarantees it converts to a function pointer.
    auto version_fn = reinterpret_cast<signflow_connector_abi_version_fn>(::dlsym(handle, "signflow_connector_abi_version"));
    auto kinds_fn = reinterpret_cast<signflow_connector_kinds_fn>(::dlsym(handle, "signflow_connector_kinds"));
    if (!version_fn || !kinds_fn) {
        problem(std::string("is not a signflow connector plugin: it does not export ") +
                (!version_fn ? "signflow_connector_abi_version" : "signflow_connector_kinds"));
        return;
    }
    int version = version_fn();
    if (version != SIGNFLOW_CONNECTOR_ABI) {
        problem("was built for connector ABI version " + std::to_string(version) + "; this daemon speaks version " +
                std::to_string(SIGNFLOW_CONNECTOR_ABI) + " (rebuild it against this signflow's plugin.h)");
        return;
    }
    signflow_connector_kind const* kinds = nullptr;
    std::size_t count = kinds_fn(&kinds);
    if (count == 0 || !kinds) {
        problem("provides no connector kinds");
        return;
    }
    for (std::size_t i = 0; i < count; ++i) {
        auto const& k = kinds[i];
        if (!plain_name(k.kind)) {
            problem("kind #" + std::to_string(i + 1) + " has no valid name (letters, digits, _ and -; at most 64)");
            continue;
        }
        std::string name = k.kind;
        if (!k.create || !k.deliver || !k.destroy) {
            problem("kind `" + name + "` lacks its create, deliver or destroy function");
            continue;
        }
        if (taken.count(name)) {
            problem("kind `" + name + "` is built into signflow; the plugin's is ignored");
            continue;
        }
        if (auto it = out.kinds.find(name); it != out.kinds.end()) {
            problem("kind `" + name + "` is already provided by " + it->second.library->file().string() +
                    "; this one is ignored");
            continue;
        }
        out.kinds.emplace(name, PluginKind{library, &k});
    }
}

// Who may have written `path`: refused when another user owns it (root
// aside) or when its group or others may write it. Empty when it is fine.
std::string untrusted(fs::path const& path, char const* what) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::string(what) + " cannot be read: " + std::strerror(errno);
    if (st.st_uid != ::geteuid() && st.st_uid != 0)
        return std::string(what) + " " + path.string() + " belongs to user " + std::to_string(st.st_uid) +
               ", not to the daemon's user (" + std::to_string(::geteuid()) + ") or root; chown it";
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return std::string(what) + " " + path.string() + " is writable by " +
               ((st.st_mode & S_IWOTH) ? "every user" : "its group") +
               ": whoever may write it could run code in the daemon; chmod go-w " + path.string();
    return {};
}

}  // namespace

Plugins load_plugins(fs::path const& folder, std::vector<std::string> const& files, std::set<std::string> const& taken) {
    Plugins out;
    if (folder.empty()) return out;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
        out.problems.push_back("plugins folder " + folder.string() + " is not a folder: no plugins loaded");
        return out;
    }
    // The folder first: one others may write is one where they may swap a
    // plugin between this check and dlopen.
    if (auto why = untrusted(folder, "plugins folder"); !why.empty()) {
        out.problems.push_back(why + "; no plugins loaded");
        return out;
    }
    // Only the files the configuration names, in its order; each checked
    // before dlopen runs a byte of it.
    for (auto const& name : files) {
        fs::path file = folder / name;
        if (!fs::is_regular_file(file, ec)) {
            out.problems.push_back("plugin " + file.string() + ": not found (listed in [plugins] load)");
            continue;
        }
        fs::path real = fs::canonical(file, ec);
        if (ec) {
            out.problems.push_back("plugin " + file.string() + ": " + ec.message());
            continue;
        }
        std::string why = untrusted(real, "plugin");
        if (why.empty() && real.parent_path() != fs::canonical(folder, ec))
            why = untrusted(real.parent_path(), "the folder of plugin");
        if (!why.empty()) {
            out.problems.push_back("plugin " + file.string() + ": not loaded: " + why);
            continue;
        }
        load_one(file, taken, out);
    }
    return out;
}

}  // namespace signflow::connectors::plugin
