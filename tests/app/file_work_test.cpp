// The file threads (app/src/serve/file_work.hpp): jobs run off the caller's
// thread; past `max_waiting` waiting jobs post() refuses at once; an
// exception in one is reported and the pool goes on.
#include "serve/file_work.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using signflow::app::FileWork;

TEST_CASE("file work: jobs run on the pool, past max_waiting, post refuses", "[file_work]") {
    std::vector<std::string> failures;
    std::mutex m;
    FileWork work(1, [&](std::string const& why) {
        std::lock_guard lock(m);
        failures.push_back(why);
    }, 2);

    // One job holds the only thread until released; one more may wait; the
    // third is refused.
    std::promise<void> release;
    auto released = release.get_future().share();
    std::promise<std::thread::id> ran_on;
    REQUIRE(work.post([&, released] {
        ran_on.set_value(std::this_thread::get_id());
        released.wait();
    }));
    auto running = ran_on.get_future();
    CHECK(running.get() != std::this_thread::get_id());
    std::promise<void> second_done;
    REQUIRE(work.post([&] { second_done.set_value(); }));
    std::atomic<bool> refused_ran{false};
    CHECK_FALSE(work.post([&] { refused_ran = true; }));
    release.set_value();
    second_done.get_future().wait();
    work.join();  // every job that was taken has run
    CHECK_FALSE(refused_ran);
    CHECK(failures.empty());
}

TEST_CASE("file work: a job that throws is reported, and the next one runs", "[file_work]") {
    std::vector<std::string> failures;
    std::mutex m;
    FileWork work(1, [&](std::string const& why) {
        std::lock_guard lock(m);
        failures.push_back(why);
    });
    REQUIRE(work.post([] { throw std::runtime_error("the reader fell over"); }));
    std::promise<void> after;
    REQUIRE(work.post([&] { after.set_value(); }));
    after.get_future().wait();
    work.join();
    REQUIRE(failures.size() == 1);
    CHECK(failures[0] == "file work: the reader fell over");
}
