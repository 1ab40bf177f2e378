// A shard's pending timers without a store, a clock or Asio: order by due
// time, re-arming, cancelling, what is due.
#include "runtime/timer_queue.hpp"

#include <catch2/catch.hpp>

using signflow::engine::detail::TimerQueue;

TEST_CASE("timer queue: due timers come out earliest first, each once", "[timers]") {
    TimerQueue q;
    CHECK_FALSE(q.next_due());
    CHECK(q.arm(7, 1, 300, 0) == 1);
    CHECK(q.arm(8, 1, 100, 2) == 1);
    CHECK(q.arm(7, 2, 200, 0) == 1);
    CHECK(q.size() == 3);
    CHECK(q.next_due() == 100);
    CHECK(q.count_due(250) == 2);
    CHECK_FALSE(q.pop_due(99));

    auto first = q.pop_due(1000);
    REQUIRE(first);
    CHECK(first->instance == 8);
    CHECK(first->due_ms == 100);
    CHECK(first->fired == 2);
    auto second = q.pop_due(1000);
    REQUIRE(second);
    CHECK((second->instance == 7 && second->timer == 2));
    CHECK(q.size() == 1);
    CHECK(q.armed(8).empty());
}

TEST_CASE("timer queue: re-arming replaces, cancelling removes", "[timers]") {
    TimerQueue q;
    CHECK(q.arm(1, 4, 500, 0) == 1);
    CHECK(q.arm(1, 4, 50, 1) == 0);  // the same timer, earlier: replaced, not added
    CHECK(q.size() == 1);
    CHECK(q.next_due() == 50);
    CHECK(q.disarm(1, 4));
    CHECK_FALSE(q.disarm(1, 4));
    CHECK_FALSE(q.next_due());

    q.arm(2, 1, 10, 0);
    q.arm(2, 3, 30, 0);
    q.arm(3, 1, 20, 0);
    CHECK(q.armed(2) == std::vector<signflow::engine::TimerId>{1, 3});
    CHECK(q.disarm_all(2) == std::vector<signflow::engine::TimerId>{1, 3});
    CHECK(q.size() == 1);
    CHECK(q.next_due() == 20);
    CHECK(q.disarm_all(2).empty());
}
