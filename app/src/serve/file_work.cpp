#include "file_work.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <exception>

namespace signflow::app {

struct FileWork::Pool {
    explicit Pool(std::size_t threads) : pool(threads) {}
    boost::asio::thread_pool pool;
};

FileWork::FileWork(std::size_t threads, std::function<void(std::string const&)> failed, std::size_t max_waiting)
    : pool_(std::make_unique<Pool>(threads == 0 ? 1 : threads)), failed_(std::move(failed)), max_waiting_(max_waiting) {}

FileWork::~FileWork() { join(); }

bool FileWork::post(std::function<void()> job) {
    if (waiting_.fetch_add(1) >= max_waiting_) {
        waiting_.fetch_sub(1);
        return false;
    }
    // An exception must not leave the pool's thread (it would end the
    // daemon): it is reported, and the job's request gets its 500.
    boost::asio::post(pool_->pool, [this, job = std::move(job)] {
        struct Done {
            std::atomic<std::size_t>& waiting;
            ~Done() { waiting.fetch_sub(1); }
        } done{waiting_};
        try {
            job();
        } catch (std::exception const& e) {
            if (failed_) failed_(std::string("file work: ") + e.what());
        } catch (...) {
            if (failed_) failed_("file work: an unknown exception");
        }
    });
    return true;
}

void FileWork::join() { pool_->pool.join(); }

}  // namespace signflow::app
