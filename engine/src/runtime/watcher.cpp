#include "watcher.hpp"

#include <boost/asio/post.hpp>

#include <cerrno>
#include <cstring>
#include <sys/inotify.h>
#include <unistd.h>

namespace signflow::engine::detail {
namespace asio = boost::asio;

namespace {
constexpr std::uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                               IN_DELETE_SELF | IN_ATTRIB | IN_MOVE_SELF;
}

Watcher::Watcher(asio::io_context& io, std::filesystem::path folder, std::chrono::milliseconds debounce,
                 std::function<void()> changed, LogFn const& log)
    : folder_(std::move(folder)), debounce_(debounce), changed_(std::move(changed)), log_(log), stream_(io),
      quiet_(io) {}

Watcher::~Watcher() {
    boost::system::error_code ec;
    stream_.close(ec);
}

void Watcher::add(std::filesystem::path const& dir) {
    int wd = ::inotify_add_watch(fd_, dir.c_str(), mask);
    if (wd < 0) {
        log_(LogLevel::warn, "cannot watch " + dir.string() + ": " + std::strerror(errno) +
                                 " (changes there need SIGHUP or POST /v1/rules/reload)");
        return;
    }
    watches_[wd] = dir;
}

void Watcher::start() {
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) {
        log_(LogLevel::warn, std::string("inotify is not available: ") + std::strerror(errno) +
                                 "; reload with SIGHUP or POST /v1/rules/reload");
        return;
    }
    stream_.assign(fd_);
    add(folder_);
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(folder_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (it->is_directory(ec)) add(it->path());
    read();
}

void Watcher::stop() {
    asio::post(stream_.get_executor(), [this] {
        stopped_ = true;
        quiet_.cancel();
        boost::system::error_code ec;
        stream_.close(ec);
    });
}

void Watcher::read() {
    stream_.async_read_some(asio::buffer(buffer_), [this](boost::system::error_code ec, std::size_t n) {
        if (ec || stopped_) return;
        bool relevant = false;
        for (std::size_t off = 0; off + sizeof(inotify_event) <= n;) {
            auto const* e = reinterpret_cast<inotify_event const*>(buffer_.data() + off);
            std::string name = e->len ? std::string(e->name) : std::string();
            if ((e->mask & IN_ISDIR) && (e->mask & (IN_CREATE | IN_MOVED_TO))) {
                auto it = watches_.find(e->wd);
                if (it != watches_.end()) add(it->second / name);
                relevant = true;
            }
            if (name.ends_with(".flow") || (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_ISDIR))) relevant = true;
            off += sizeof(inotify_event) + e->len;
        }
        if (relevant) {
            quiet_.expires_after(debounce_);
            quiet_.async_wait([this](boost::system::error_code ec) {
                if (!ec && !stopped_) changed_();
            });
        }
        read();
    });
}

}  // namespace signflow::engine::detail
