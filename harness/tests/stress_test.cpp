#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "lockstep/not_implemented.hpp"
#include "lockstep/stress.hpp"

namespace {

using lockstep::stress::Rng;

TEST(StressRng, SameSeedGivesSameSequence) {
  Rng a(42);
  Rng b(42);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(a.next(), b.next());
  }
}

TEST(StressRng, KnownSplitmix64Output) {
  Rng rng(0);  // reference values of splitmix64 seeded with 0
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ULL);
}

TEST(StressRng, BelowStaysInRangeAndChanceFollowsPermille) {
  Rng rng(7);
  int hits = 0;
  for (int i = 0; i < 10000; ++i) {
    ASSERT_LT(rng.below(13), 13U);
    hits += rng.chance(250) ? 1 : 0;
  }
  EXPECT_NEAR(hits, 2500, 300);
  EXPECT_FALSE(rng.chance(0));
  EXPECT_TRUE(rng.chance(1000));
}

TEST(StressSeed, IsStableWithinTheProcess) {
  EXPECT_EQ(lockstep::stress::seed(), lockstep::stress::seed());
}

TEST(StressScaled, NeverReturnsZeroAndNeverGrows) {
  EXPECT_EQ(lockstep::stress::scaled(0), 1U);
  EXPECT_EQ(lockstep::stress::scaled(1), 1U);
  EXPECT_LE(lockstep::stress::scaled(1000), 1000U);
  EXPECT_GE(lockstep::stress::scaled(1000), 250U);
}

TEST(StressNoise, RunsEveryKindWithoutTouchingSharedState) {
  lockstep::stress::Noise noise(1, 1000);
  for (int i = 0; i < 200; ++i) {
    noise();
  }
}

TEST(StressRunThreads, RunsEveryIndexOnce) {
  std::vector<std::atomic<int>> runs(8);
  lockstep::stress::run_threads(8, [&](std::size_t i) { runs[i].fetch_add(1); });
  for (const auto& count : runs) {
    EXPECT_EQ(count.load(), 1);
  }
}

TEST(StressRunThreads, RethrowsTheFirstExceptionAfterJoiningAll) {
  std::atomic<int> finished{0};
  EXPECT_THROW(lockstep::stress::run_threads(4,
                                             [&](std::size_t i) {
                                               finished.fetch_add(1);
                                               if (i == 2) {
                                                 throw lockstep::not_implemented("x");
                                               }
                                             }),
               lockstep::not_implemented);
  EXPECT_EQ(finished.load(), 4);
}

TEST(StressWaitUntilBlocked, SeesAThreadBlockedOnAConditionVariable) {
  std::mutex mutex;
  std::condition_variable cv;
  bool go = false;
  std::atomic<pid_t> tid{0};
  std::thread waiter([&] {
    tid.store(lockstep::stress::current_tid());
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return go; });
  });
  while (tid.load() == 0) {
    std::this_thread::yield();
  }
  EXPECT_TRUE(lockstep::stress::wait_until_blocked(tid.load()));
  {
    const std::lock_guard lock(mutex);
    go = true;
  }
  cv.notify_one();
  waiter.join();
}

TEST(StressWaitUntilBlocked, TimesOutOnASpinningThread) {
  std::atomic<bool> stop{false};
  std::atomic<pid_t> tid{0};
  std::thread spinner([&] {
    tid.store(lockstep::stress::current_tid());
    while (!stop.load()) {
    }
  });
  while (tid.load() == 0) {
    std::this_thread::yield();
  }
  EXPECT_FALSE(lockstep::stress::wait_until_blocked(tid.load(), std::chrono::milliseconds(50)));
  stop.store(true);
  spinner.join();
}

TEST(StressWaitUntilBlocked, ReturnsFalseForAThreadThatDoesNotExist) {
  EXPECT_FALSE(lockstep::stress::wait_until_blocked(-1, std::chrono::milliseconds(10)));
}

}  // namespace
