#include "pages.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <thread>

extern char** environ;

namespace signflow::app::signing {
namespace fs = std::filesystem;

namespace {

constexpr int max_pages = 100;

std::string read_file(fs::path const& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A scratch folder of our own, removed when done.
struct Scratch {
    fs::path dir;
    explicit Scratch(fs::path const& parent) {
        std::string pattern = (parent / "signflow-pages-XXXXXX").string();
        if (::mkdtemp(pattern.data())) dir = pattern;
    }
    ~Scratch() {
        std::error_code ec;
        if (!dir.empty()) fs::remove_all(dir, ec);
    }
};

}  // namespace

PageImages::PageImages(fs::path scratch, std::size_t keep) : scratch_(std::move(scratch)), keep_(keep) {}

PagePngs PageImages::pages(std::string const& sha256, std::string const& pdf, std::string& error) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = cache_.find(sha256); it != cache_.end()) return it->second;
        // A document that could not be drawn is not drawn again on every
        // view: its failure is kept for a minute.
        if (auto f = failed_.find(sha256); f != failed_.end()) {
            if (std::chrono::steady_clock::now() < f->second.until) {
                error = f->second.error + " (kept from an earlier attempt)";
                return nullptr;
            }
            failed_.erase(f);
        }
    }
    auto out = draw(pdf, error);
    std::lock_guard lock(mutex_);
    if (!out) {
        if (failed_.size() >= keep_) failed_.clear();
        failed_[sha256] = {error, std::chrono::steady_clock::now() + std::chrono::minutes(1)};
        return nullptr;
    }
    if (!cache_.count(sha256)) {
        cache_[sha256] = out;
        order_.push_back(sha256);
        while (order_.size() > keep_) {
            cache_.erase(order_.front());
            order_.pop_front();
        }
    }
    return out;
}

PagePngs PageImages::draw(std::string const& pdf, std::string& error) {
    Scratch scratch(scratch_);
    if (scratch.dir.empty()) {
        error = "no scratch folder for drawing the document's pages in " + scratch_.string();
        return nullptr;
    }
    fs::path in = scratch.dir / "document.pdf";
    {
        std::ofstream out(in, std::ios::binary);
        out.write(pdf.data(), static_cast<std::streamsize>(pdf.size()));
        if (!out) {
            error = "cannot write the document to " + in.string();
            return nullptr;
        }
    }
    std::string first = "1", last = std::to_string(max_pages), prefix = (scratch.dir / "page").string(),
                input = in.string();
    char const* argv[] = {"pdftoppm", "-q", "-r", "96", "-png", "-f", first.c_str(), "-l", last.c_str(),
                          input.c_str(), prefix.c_str(), nullptr};
    // Called on the daemon's file threads (file_work.hpp), so at most as
    // many drawings run at once as there are of those; each is stopped
    // after 30 s.
    // The child gets /dev/null as its standard input and none of the
    // daemon's other descriptors (its sockets, the database): every
    // descriptor from 3 up is closed in the child before pdftoppm runs.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    pid_t pid = 0;
    int spawned = posix_spawnp(&pid, "pdftoppm", &actions, nullptr, const_cast<char* const*>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        error = "cannot run pdftoppm (Debian package poppler-utils)";
        return nullptr;
    }
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) break;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            error = "pdftoppm took more than 30 s to draw the document";
            return nullptr;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        error = "pdftoppm could not draw the document (exit " + std::to_string(WEXITSTATUS(status)) + ")";
        return nullptr;
    }
    // page-1.png, page-01.png… (pdftoppm pads to the page count's width).
    std::vector<std::pair<int, fs::path>> files;
    for (auto const& e : fs::directory_iterator(scratch.dir)) {
        std::string name = e.path().filename().string();
        if (!name.starts_with("page-") || !name.ends_with(".png")) continue;
        files.emplace_back(std::atoi(name.c_str() + 5), e.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
        error = "the document has no page to show";
        return nullptr;
    }
    auto out = std::make_shared<std::vector<std::string>>();
    for (auto const& [n, path] : files) out->push_back(read_file(path));
    return out;
}

}  // namespace signflow::app::signing
