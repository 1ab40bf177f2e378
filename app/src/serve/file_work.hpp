#pragma once
// Work on files that may take seconds runs here, on threads of its own:
// reading an upload or a PDF to verify (a signflow-parse child, isolated.hpp)
// and drawing a document's pages (pdftoppm, signing/pages.hpp). The threads
// that serve requests and run the envelopes' shards never wait for a child
// process; a request whose file is being read is answered from here.
//
// What waits is bounded twice: by the connections (each request in flight
// holds one, and the server caps them per client and in all), and by
// `max_waiting`: past it post() refuses, and the request gets a 503 rather
// than a place at the end of a queue minutes long.
#include <cstddef>
#include <functional>
#include <atomic>
#include <memory>
#include <string>

namespace signflow::app {

class FileWork {
public:
    // `failed` hears of a job that threw (its client gets a 500 when the
    // job's Respond goes unanswered).
    explicit FileWork(std::size_t threads, std::function<void(std::string const&)> failed = {},
                      std::size_t max_waiting = 64);
    ~FileWork();  // waits for the work in hand; what is queued still runs
    FileWork(FileWork const&) = delete;
    FileWork& operator=(FileWork const&) = delete;

    // False (and the job dropped) when `max_waiting` jobs wait already.
    [[nodiscard]] bool post(std::function<void()> job);
    // Lets the queued work finish and joins the threads: before the runtime
    // and the store the jobs use are destroyed.
    void join();

private:
    struct Pool;
    std::unique_ptr<Pool> pool_;
    std::function<void(std::string const&)> failed_;
    std::size_t max_waiting_;
    std::atomic<std::size_t> waiting_{0};
};

}  // namespace signflow::app
