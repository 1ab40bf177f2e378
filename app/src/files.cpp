// See files.hpp.
#include "files.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace signflow::app {

namespace fs = std::filesystem;

std::string read_file(fs::path const& path) {
    if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw InputError(path.string() + ": is a folder");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path.string() + ": cannot open");
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_file_atomically(fs::path const& path, std::string const& text) {
    // Replace the file a symlink points to, not the link; keep its permissions.
    std::error_code ec;
    fs::path target = path;
    if (fs::is_symlink(fs::symlink_status(path, ec))) {
        target = fs::canonical(path, ec);
        if (ec) throw InputError(path.string() + ": " + ec.message());
    }
    ec.clear();
    fs::path tmp = target;
    tmp += ".signflow-tmp";
    auto fail = [&](std::string const& why) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        throw InputError(why);
    };
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) fail(tmp.string() + ": cannot write");
        out << text;
        out.flush();
        if (!out) fail(tmp.string() + ": write failed");
    }
    if (fs::exists(target, ec)) fs::permissions(tmp, fs::status(target, ec).permissions(), ec);
    // fsync before rename: a crash leaves either the old or the new file.
    if (int fd = ::open(tmp.c_str(), O_RDONLY); fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    fs::rename(tmp, target, ec);
    if (ec) fail(path.string() + ": cannot replace: " + ec.message());
}

std::vector<fs::path> collect_flow_files(std::vector<std::string> const& paths) {
    std::vector<fs::path> out;
    for (auto const& p : paths) {
        std::error_code ec;
        if (p != "-" && fs::is_directory(p, ec)) {
            std::vector<fs::path> found;
            for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
                 it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (ec) break;
                if (it->is_regular_file(ec) && it->path().extension() == ".flow") found.push_back(it->path());
            }
            if (ec) throw InputError(p + ": " + ec.message());
            std::sort(found.begin(), found.end());
            out.insert(out.end(), found.begin(), found.end());
        } else if (p == "-" || fs::exists(p, ec)) {
            out.emplace_back(p);
        } else {
            throw InputError(p + ": no such file or folder");
        }
    }
    return out;
}

std::vector<std::string> configured_connectors(fs::path const& config) {
    toml::table table;
    try {
        table = toml::parse_file(config.string());
    } catch (toml::parse_error const& e) {
        auto const& where = e.source().begin;
        throw InputError(config.string() + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
                         ": " + std::string(e.description()));
    }
    std::vector<std::string> names;
    auto const node = table["connectors"];
    if (node && !node.is_table())
        throw InputError(config.string() + ": `connectors` must be a table of tables ([connectors.NAME])");
    if (auto const* connectors = node.as_table())
        for (auto const& [name, value] : *connectors) {
            if (!value.is_table())
                throw InputError(config.string() + ": connectors." + std::string(name.str()) +
                                 " must be a table ([connectors." + std::string(name.str()) + "])");
            names.emplace_back(name.str());
        }
    return names;
}

}  // namespace signflow::app
