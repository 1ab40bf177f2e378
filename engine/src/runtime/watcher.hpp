#pragma once
// Watches the rules folder with inotify (through an Asio stream descriptor,
// so no thread blocks on it) and calls `changed` once things have been quiet
// for the debounce interval: an editor's save (write, rename, chmod) or a
// `git pull` touching many files makes one reload, not dozens.
#include "signflow/engine/runtime.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <filesystem>
#include <functional>
#include <map>

namespace signflow::engine::detail {

class Watcher {
public:
    Watcher(boost::asio::io_context& io, std::filesystem::path folder, std::chrono::milliseconds debounce,
            std::function<void()> changed, LogFn const& log);
    ~Watcher();
    void start();
    void stop();

private:
    void add(std::filesystem::path const& dir);
    void read();

    std::filesystem::path folder_;
    std::chrono::milliseconds debounce_;
    std::function<void()> changed_;
    LogFn const& log_;
    int fd_ = -1;
    boost::asio::posix::stream_descriptor stream_;
    boost::asio::steady_timer quiet_;
    std::array<char, 16 * 1024> buffer_{};
    std::map<int, std::filesystem::path> watches_;
    bool stopped_ = false;
};

}  // namespace signflow::engine::detail
