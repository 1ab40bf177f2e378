#include "archive/atomic_file.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace signflow::connectors::archive {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void fail(std::string const& what, fs::path const& path) {
    throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

// Temporary names start with "." so that a listing of the archive hides
// them, and end in ".partial-XXXXXX" (mkstemp's unique suffix).
std::string temp_prefix(std::string const& name) { return "." + name + ".partial-"; }

}  // namespace

void sync_folder(fs::path const& folder) {
    int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail("cannot open folder", folder);
    int rc = ::fsync(fd);
    int saved = errno;
    ::close(fd);
    errno = saved;
    if (rc != 0) fail("cannot fsync folder", folder);
}

void make_folders(fs::path const& root, fs::path const& relative) {
    fs::path at = root;
    for (auto const& part : relative) {
        fs::path next = at / part;
        if (::mkdir(next.c_str(), 0750) == 0) {
            sync_folder(at);  // the new folder's entry in its parent
        } else if (errno != EEXIST) {
            fail("cannot create folder", next);
        } else if (!fs::is_directory(next)) {
            errno = ENOTDIR;
            fail("cannot create folder", next);
        }
        at = std::move(next);
    }
}

void write_file(fs::path const& folder, std::string const& name, std::string_view bytes) {
    std::string pattern = (folder / (temp_prefix(name) + "XXXXXX")).string();
    int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0) fail("cannot create a temporary file in", folder);
    fs::path temp = pattern;
    auto abandon = [&](char const* what) {
        int saved = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        errno = saved;
        fail(what, temp);
    };
    if (::fchmod(fd, 0640) != 0) abandon("cannot set the mode of");
    for (std::size_t done = 0; done < bytes.size();) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) abandon("cannot write");
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) abandon("cannot fsync");
    if (::close(fd) != 0) {
        int saved = errno;
        ::unlink(temp.c_str());
        errno = saved;
        fail("cannot close", temp);
    }
    fs::path target = folder / name;
    if (::rename(temp.c_str(), target.c_str()) != 0) {
        int saved = errno;
        ::unlink(temp.c_str());
        errno = saved;
        fail("cannot rename a temporary file to", target);
    }
}

void remove_leftovers(fs::path const& folder, std::string const& prefix) {
    std::error_code ec;
    std::string const start = "." + prefix;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        std::string file = it->path().filename().string();
        if (file.rfind(start, 0) == 0 && file.find(".partial-") != std::string::npos) fs::remove(it->path(), ec);
    }
}

}  // namespace signflow::connectors::archive
