#include "secret_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace signflow::app {
namespace fs = std::filesystem;

void write_secret_file(fs::path const& path, std::string const& text) {
    auto folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    std::string tmp = (folder / ("." + path.filename().string() + ".XXXXXX")).string();
    int fd = ::mkstemp(tmp.data());  // O_CREAT | O_EXCL, mode 0600
    auto fail = [&](std::string const& step) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw InputError(path.string() + ": cannot write this secret file: " + step + ": " + std::strerror(e));
    };
    if (fd < 0) {
        int e = errno;
        throw InputError(path.string() + ": cannot create a temporary file beside it: " + std::strerror(e));
    }
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            fail("write");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        fail("fsync");
    }
    ::close(fd);
    if (::link(tmp.c_str(), path.c_str()) != 0) fail("link to its name");
    ::unlink(tmp.c_str());
    int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
}

void check_secret_file(fs::path const& path, std::string const& what) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        int e = errno;
        throw InputError(path.string() + " (" + what + "): " + std::strerror(e));
    }
    if (!S_ISREG(st.st_mode)) throw InputError(path.string() + " (" + what + ") is not a regular file");
    if (st.st_uid != ::geteuid() && st.st_uid != 0)
        throw InputError(path.string() + " (" + what + ") belongs to another user (uid " + std::to_string(st.st_uid) +
                         "); it must be the daemon's user's or root's: chown it");
    if ((st.st_mode & S_IRWXO) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
        throw InputError(path.string() + " (" + what + ") has mode " + mode +
                         ": every user of this machine can read it, so it is no longer a secret. Run `chmod 600 " +
                         path.string() + "` (or 640, for a group the daemon's user is in), and replace the key if "
                         "someone may have copied it");
    }
}

}  // namespace signflow::app
