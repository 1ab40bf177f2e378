// The parent's side of isolated parsing (isolated.hpp): one signflow-parse
// child per file, its input in a sealed memory file, its answer read from a
// pipe against a deadline and a size cap, its exit read through a pidfd.
#include "isolate/job_line.hpp"
#include "signflow/documents/error.hpp"
#include "signflow/documents/isolated.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace signflow::documents {

namespace fs = std::filesystem;

struct IsolatedParser::Turns {
    std::mutex mutex;
    std::condition_variable free;
    int left = 0;
};

namespace {

struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(Fd&& other) noexcept : fd(other.fd) { other.fd = -1; }
    Fd(Fd const&) = delete;
    Fd& operator=(Fd const&) = delete;
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

[[noreturn]] void cannot(std::string const& what) {
    throw DocumentError("the file cannot be read now (" + what + ": " + std::strerror(errno) + "); please try again");
}

// The job line and the bytes, in a memory file the child reads as its
// standard input at its own pace (no pipe to keep fed while we read).
Fd input_file(std::string const& line, std::string_view bytes) {
    Fd in(::memfd_create("signflow-parse-input", MFD_CLOEXEC));
    if (in.fd < 0) cannot("memfd_create");
    for (std::string_view part : {std::string_view(line), bytes}) {
        while (!part.empty()) {
            ssize_t n = ::write(in.fd, part.data(), part.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) cannot("writing the file for its reader");
            part.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    if (::lseek(in.fd, 0, SEEK_SET) != 0) cannot("lseek");
    return in;
}

// The child's environment: nothing of the daemon's but the sanitizers'
// settings (a sanitizer build's child reports like its parent).
std::vector<std::string> child_environment() {
    std::vector<std::string> env;
    for (char const* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
        if (char const* v = std::getenv(name)) env.push_back(std::string(name) + "=" + v);
    return env;
}

std::string signal_name(int sig) {
    char const* abbrev = ::sigabbrev_np(sig);
    return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

}  // namespace

IsolatedParser::IsolatedParser(fs::path helper, ChildLimits limits, std::function<void(std::string const&)> report)
    : helper_(std::move(helper)), limits_(limits), report_(std::move(report)), turns_(std::make_unique<Turns>()) {
    turns_->left = limits_.concurrent > 0 ? limits_.concurrent : 1;
}

IsolatedParser::~IsolatedParser() = default;

std::string IsolatedParser::run(ParseJob const& job, std::string_view bytes) const {
    {
        std::unique_lock lock(turns_->mutex);
        turns_->free.wait(lock, [&] { return turns_->left > 0; });
        --turns_->left;
    }
    struct Release {
        Turns& t;
        ~Release() {
            {
                std::lock_guard lock(t.mutex);
                ++t.left;
            }
            t.free.notify_one();
        }
    } release{*turns_};

    Fd in = input_file(job_line(job), bytes);
    int out_fds[2], err_fds[2];
    if (::pipe2(out_fds, O_CLOEXEC) != 0) cannot("pipe2");
    Fd out_read(out_fds[0]), out_write(out_fds[1]);
    if (::pipe2(err_fds, O_CLOEXEC) != 0) cannot("pipe2");
    Fd err_read(err_fds[0]), err_write(err_fds[1]);

    std::string program = helper_.string(), address_space = std::to_string(limits_.address_space),
                cpu = std::to_string(limits_.cpu_seconds), files = std::to_string(limits_.open_files);
    char const* argv[] = {program.c_str(), "--address-space", address_space.c_str(), "--cpu", cpu.c_str(),
                          "--files", files.c_str(), nullptr};
    std::vector<std::string> env = child_environment();
    std::vector<char const*> envp;
    for (auto const& e : env) envp.push_back(e.c_str());
    envp.push_back(nullptr);

    // Standard input the memory file, standard output and error two pipes
    // (a pipe, not the daemon's own stderr: that may be a file, which the
    // child's RLIMIT_FSIZE of 0 forbids it to write); every other
    // descriptor of the daemon (sockets, the database) closed.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in.fd, 0);
    posix_spawn_file_actions_adddup2(&actions, out_write.fd, 1);
    posix_spawn_file_actions_adddup2(&actions, err_write.fd, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    // A process group of its own: whatever it starts is stopped with it.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    pid_t pid = 0;
    int spawned = ::posix_spawn(&pid, program.c_str(), &actions, &attributes, const_cast<char* const*>(argv),
                                const_cast<char* const*>(envp.data()));
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (spawned != 0) {
        errno = spawned;
        cannot("starting " + program);
    }
    // Whatever happens from here on (an exception included), the child's
    // group is stopped and the child reaped before this function returns.
    struct Reaper {
        pid_t pid;
        bool reaped = false;
        ~Reaper() {
            if (reaped) return;
            ::kill(-pid, SIGKILL);
            int ignored = 0;
            while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
            }
        }
    } child{pid};
    out_write.reset();
    err_write.reset();
    in.reset();
    Fd exited(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

    std::string answer, said;  // its standard output, and the end of its standard error
    std::string stopped;       // why the parent stopped the child, if it did
    bool out_done = false, err_done = false, gone = exited.fd < 0;  // without a pidfd: waited for below
    auto deadline = std::chrono::steady_clock::now() + limits_.wall;
    auto drain = [](int fd, std::string& into, bool& done) {
        char buffer[65536];
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0)
            into.append(buffer, static_cast<std::size_t>(n));
        else if (n == 0 || errno != EINTR)
            done = true;
    };
    while (!(out_done && err_done && gone)) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            stopped = "reading it took longer than " + std::to_string(limits_.wall.count() / 1000) + " s";
            break;
        }
        pollfd fds[3] = {{out_done ? -1 : out_read.fd, POLLIN, 0},
                         {err_done ? -1 : err_read.fd, POLLIN, 0},
                         {gone ? -1 : exited.fd, POLLIN, 0}};
        int ready = ::poll(fds, 3, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (ready < 0 && errno != EINTR) {
            stopped = std::string("poll: ") + std::strerror(errno);
            break;
        }
        if (fds[2].revents) gone = true;
        if (fds[1].revents) {
            drain(err_read.fd, said, err_done);
            if (said.size() > 16384) said.erase(0, said.size() - 16384);  // the end says most
        }
        if (fds[0].revents) {
            drain(out_read.fd, answer, out_done);
            if (answer.size() > limits_.output_bytes) {
                stopped = "its reader's answer passed " + std::to_string(limits_.output_bytes / 1024) + " KB";
                break;
            }
        }
    }
    int status = 0;
    if (stopped.empty() && exited.fd < 0) {
        // No pidfd (a kernel before 5.3): the exit against the same deadline.
        while (!child.reaped) {
            pid_t done = ::waitpid(pid, &status, WNOHANG);
            if (done == pid) {
                child.reaped = true;
            } else if (done < 0 && errno != EINTR) {
                stopped = std::string("waitpid: ") + std::strerror(errno);
                break;
            } else if (std::chrono::steady_clock::now() >= deadline) {
                stopped = "reading it took longer than " + std::to_string(limits_.wall.count() / 1000) + " s";
                break;
            } else {
                ::usleep(1000);
            }
        }
    }
    if (!child.reaped) {
        // The child has exited (its pidfd said so) or is being stopped; its
        // group goes too: anything it started, still holding the pipes.
        ::kill(-pid, SIGKILL);
        for (;;) {
            if (::waitpid(pid, &status, 0) == pid) break;
            if (errno == EINTR) continue;
            if (stopped.empty()) stopped = std::string("waitpid: ") + std::strerror(errno);
            break;
        }
        child.reaped = true;
    }
    std::string why;  // for the caller; empty when the child answered
    if (!stopped.empty())
        why = stopped;
    else if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL))
        why = "reading it took more than " + std::to_string(limits_.cpu_seconds) + " s of processor time";
    else if (WIFSIGNALED(status))
        why = "its reader stopped on it (" + signal_name(WTERMSIG(status)) + ")";
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        why = "its reader stopped on it (exit " + std::to_string(WEXITSTATUS(status)) + ")";
    if (why.empty()) return answer;
    if (report_) {
        while (!said.empty() && (said.back() == '\n' || said.back() == '\r')) said.pop_back();
        report_("signflow-parse (" + std::string(kind_name(job.kind)) + " job, " + std::to_string(bytes.size()) +
                " bytes): " + why + (said.empty() ? std::string() : "; it said:\n" + said));
    }
    throw DocumentError("the file cannot be read: " + why + "; it cannot be accepted");
}

UploadInfo IsolatedParser::inspect_upload(std::string_view bytes, std::string const& filename,
                                          UploadLimits const& limits) const {
    // The size first, here: 20 MB + 1 is not copied into a child to be refused.
    if (bytes.size() > limits.max_bytes) return documents::inspect_upload(bytes, filename, limits);
    ParseJob job;
    job.kind = ParseJob::Kind::upload;
    job.filename = filename;
    job.upload = limits;
    UploadInfo info = upload_answer(run(job, bytes));
    // What goes into the audit trail comes from these bytes, not from the
    // child's word: a parser a hostile file took over could answer anything.
    if (info.media_type != "application/pdf" && info.media_type != "image/png" && info.media_type != "image/jpeg")
        throw DocumentError("the file's reader gave an answer that is not one");
    info.sha256 = sha256_hex(bytes);
    info.size = bytes.size();
    return info;
}

std::string IsolatedParser::fit_signature_image(std::string_view bytes, SignatureImageLimits const& limits) const {
    ParseJob job;
    job.kind = ParseJob::Kind::signature_image;
    job.image = limits;
    return signature_image_answer(run(job, bytes));
}

std::vector<SignatureVerdict> IsolatedParser::verify(std::string_view pdf) const {
    ParseJob job;
    job.kind = ParseJob::Kind::verify;
    return verify_answer(run(job, pdf));
}

fs::path parse_helper_beside_this_program() {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw DocumentError("cannot find this program's own path (/proc/self/exe): " + ec.message());
    fs::path helper = self.parent_path() / "signflow-parse";
    if (::access(helper.c_str(), X_OK) != 0)
        throw DocumentError("the file reader " + helper.string() +
                            " is missing or not executable; it is built and installed beside signflow "
                            "(uploads, drawn signatures and verified PDFs are read in it)");
    // The daemon runs it on every upload: a reader, or a folder, that other
    // users may write is a reader they may replace.
    for (fs::path const& p : {helper, helper.parent_path()}) {
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0) continue;
        bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX);
        if ((st.st_mode & S_IWOTH) && !sticky_dir)
            throw DocumentError("the file reader " + helper.string() + " cannot be trusted: " + p.string() +
                                " is writable by others (anyone could replace what the daemon runs on every "
                                "upload); chmod o-w " + p.string());
    }
    return helper;
}

}  // namespace signflow::documents
