// Latch: counts down once, releases every waiter at zero, and publishes what the
// counting threads wrote.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "sync_test_support.hpp"

namespace lockstep::sync {
namespace {

using sync_test::Probe;

TEST(SyncLatch, CountsDownToZeroWithoutBlocking) {
  EXPECT_THROW(Latch(-1), std::invalid_argument);
  Latch latch(3);
  EXPECT_FALSE(latch.try_wait());
  latch.count_down(2);
  EXPECT_FALSE(latch.try_wait());
  EXPECT_THROW(latch.count_down(2), std::invalid_argument) << "count_down below zero";
  latch.count_down();
  EXPECT_TRUE(latch.try_wait());
  latch.wait();  // returns at once
  latch.arrive_and_wait(0);
  Latch open(0);
  EXPECT_TRUE(open.try_wait());
  open.wait();
}

TEST(SyncLatch, EveryWaiterWakesWhenTheCountReachesZero) {
  constexpr std::size_t kWaiters = 3;
  Latch latch(2);
  std::vector<std::unique_ptr<Probe>> waiters;
  waiters.reserve(kWaiters);
  for (std::size_t i = 0; i < kWaiters; ++i) {
    waiters.push_back(std::make_unique<Probe>([&] { latch.wait(); }));
  }
  for (auto& waiter : waiters) {
    waiter->wait_until_blocked();
    EXPECT_FALSE(waiter->finished()) << "wait returned before the count reached zero";
  }
  latch.count_down();
  for (auto& waiter : waiters) {
    waiter->wait_until_blocked();
    EXPECT_FALSE(waiter->finished()) << "wait returned with the count still at one";
  }
  latch.count_down();
  for (auto& waiter : waiters) {
    waiter->join();  // a waiter nobody wakes hangs here
  }
}

// What each thread wrote (plain memory) before count_down is visible to the thread that
// returns from wait, and to the one that sees try_wait() succeed. TSan checks the edges.
TEST(SyncLatch, WritesBeforeCountDownAreVisibleAfterWait) {
  constexpr std::size_t kWorkers = 4;
  const std::size_t rounds = stress::scaled(400);
  for (std::size_t round = 0; round < rounds; ++round) {
    std::vector<std::int64_t> slots(kWorkers, 0);
    Latch latch(static_cast<std::ptrdiff_t>(kWorkers));
    stress::run_threads(kWorkers + 1, [&](std::size_t index) {
      if (index < kWorkers) {
        slots[index] = static_cast<std::int64_t>(round + index + 1);
        latch.count_down();
        return;
      }
      if (round % 2 == 0) {
        latch.wait();
      } else {
        while (!latch.try_wait()) {
          std::this_thread::yield();
        }
      }
      for (std::size_t i = 0; i < kWorkers; ++i) {
        EXPECT_EQ(slots[i], static_cast<std::int64_t>(round + i + 1))
            << "a write made before count_down was not visible after the latch opened";
      }
    });
  }
}

TEST(SyncLatch, ArriveAndWaitReleasesTheWholeGroupTogether) {
  constexpr std::size_t kThreads = 4;
  const std::size_t rounds = stress::scaled(400);
  for (std::size_t round = 0; round < rounds; ++round) {
    std::vector<std::int64_t> slots(kThreads, 0);
    Latch latch(static_cast<std::ptrdiff_t>(kThreads));
    std::atomic<std::size_t> early{0};
    stress::run_threads(kThreads, [&](std::size_t index) {
      slots[index] = 1;
      latch.arrive_and_wait();
      for (std::size_t i = 0; i < kThreads; ++i) {
        if (slots[i] != 1) {
          early.fetch_add(1);
        }
      }
    });
    ASSERT_EQ(early.load(), 0U) << "round " << round
                                << ": a thread left arrive_and_wait before all had arrived";
  }
}

}  // namespace
}  // namespace lockstep::sync
