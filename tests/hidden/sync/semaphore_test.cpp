// Semaphore: permits are never over-taken, waiters are never forgotten, releases of many
// permits wake many waiters, and timed acquires honour their deadline.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "sync_test_support.hpp"

namespace lockstep::sync {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using sync_test::Probe;

TEST(SyncSemaphore, CountsPermitsAndRejectsNegativeCounts) {
  EXPECT_THROW(Semaphore(-1), std::invalid_argument);
  Semaphore semaphore(2);
  EXPECT_TRUE(semaphore.try_acquire());
  EXPECT_TRUE(semaphore.try_acquire());
  EXPECT_FALSE(semaphore.try_acquire()) << "took a third permit out of two";
  semaphore.release(3);
  EXPECT_TRUE(semaphore.try_acquire());
  EXPECT_TRUE(semaphore.try_acquire());
  EXPECT_TRUE(semaphore.try_acquire());
  EXPECT_FALSE(semaphore.try_acquire());
  semaphore.release(0);
  EXPECT_FALSE(semaphore.try_acquire()) << "release(0) added a permit";
  EXPECT_THROW(semaphore.release(-1), std::invalid_argument);
}

// Threads hammer a semaphore of few permits with every way of acquiring; at no moment may
// more threads hold a permit than there are permits, and none may be lost or made up.
TEST(SyncSemaphore, HoldersNeverOutnumberThePermits) {
  constexpr std::size_t kThreads = 4;
  constexpr std::ptrdiff_t kPermits = 2;
  const std::size_t per_thread = stress::scaled(40000);
  const std::uint64_t seed = stress::seed();
  Semaphore semaphore(kPermits);
  std::atomic<int> holders{0};
  std::atomic<int> most_holders{0};
  stress::run_threads(kThreads, [&](std::size_t index) {
    stress::Rng rng(seed + index);
    stress::Noise noise(seed ^ (index * 0x9e3779b97f4a7c15ULL), 10);
    for (std::size_t i = 0; i < per_thread; ++i) {
      switch (rng.below(3)) {
        case 0:
          semaphore.acquire();
          break;
        case 1:
          while (!semaphore.try_acquire()) {
            noise();
          }
          break;
        default:
          while (!semaphore.try_acquire_for(std::chrono::microseconds(50))) {
          }
          break;
      }
      const int now = holders.fetch_add(1) + 1;
      int most = most_holders.load();
      while (now > most && !most_holders.compare_exchange_weak(most, now)) {
      }
      noise();
      holders.fetch_sub(1);
      semaphore.release();
    }
  });
  EXPECT_LE(most_holders.load(), kPermits) << "more threads held a permit than there are permits";
  for (std::ptrdiff_t i = 0; i < kPermits; ++i) {
    EXPECT_TRUE(semaphore.try_acquire()) << "a permit was lost";
  }
  EXPECT_FALSE(semaphore.try_acquire()) << "permits were made up (the count went wrong)";
}

// Round after round, more threads race for the last permits than there are: exactly the
// number of permits may be taken.
TEST(SyncSemaphore, RacingAcquirersNeverTakeMoreThanThePermits) {
  constexpr std::size_t kThreads = 4;
  constexpr std::ptrdiff_t kPermits = 2;
  const std::size_t rounds = stress::scaled(1000);
  for (std::size_t round = 0; round < rounds; ++round) {
    Semaphore semaphore(kPermits);
    std::atomic<std::ptrdiff_t> taken{0};
    stress::run_threads(kThreads, [&](std::size_t index) {
      for (int attempt = 0; attempt < 2; ++attempt) {
        const bool ok = (index % 2 == 0)
                            ? semaphore.try_acquire()
                            : semaphore.try_acquire_for(std::chrono::microseconds(200));
        if (ok) {
          taken.fetch_add(1);
        }
      }
    });
    ASSERT_EQ(taken.load(), kPermits)
        << "round " << round << ": " << taken.load() << " permits taken out of " << kPermits
        << " (seed " << stress::seed() << ")";
    ASSERT_FALSE(semaphore.try_acquire()) << "round " << round << ": the count went wrong";
  }
}

// Two threads hand a turn back and forth through two semaphores thousands of times; a
// single lost wake-up stops them for good.
TEST(SyncSemaphore, PingPongHandOffNeverLosesAWakeup) {
  const std::size_t rounds = stress::scaled(20000);
  Semaphore ping(0);
  Semaphore pong(0);
  std::int64_t ball = 0;  // plain: each side touches it only while it holds the turn
  std::atomic<std::size_t> misses{0};
  stress::run_threads(2, [&](std::size_t index) {
    for (std::size_t i = 0; i < rounds; ++i) {
      if (index == 0) {
        ball = ball + 1;
        ping.release();
        if (i % 2 == 0) {
          pong.acquire();
        } else {
          while (!pong.try_acquire_for(std::chrono::seconds(30))) {
          }
        }
      } else {
        if (i % 2 == 0) {
          ping.acquire();
        } else {
          while (!ping.try_acquire_for(std::chrono::seconds(30))) {
          }
        }
        if (ball != static_cast<std::int64_t>(i) + 1) {
          misses.fetch_add(1);
        }
        pong.release();
      }
    }
  });
  EXPECT_EQ(misses.load(), 0U) << "a turn was taken twice or skipped";
  EXPECT_EQ(ball, static_cast<std::int64_t>(rounds));
}

// release(n) with n sleepers: every one of them must be woken, not just one.
TEST(SyncSemaphore, ReleaseOfManyPermitsWakesAsManyWaiters) {
  constexpr std::size_t kWaiters = 4;
  Semaphore semaphore(0);
  std::vector<std::unique_ptr<Probe>> waiters;
  waiters.reserve(kWaiters);
  for (std::size_t i = 0; i < kWaiters; ++i) {
    waiters.push_back(std::make_unique<Probe>([&, i] {
      if (i % 2 == 0) {
        semaphore.acquire();
      } else {
        EXPECT_TRUE(semaphore.try_acquire_for(std::chrono::seconds(60)));
      }
    }));
  }
  for (auto& waiter : waiters) {
    waiter->wait_until_blocked();
    EXPECT_FALSE(waiter->finished()) << "acquire returned with no permit available";
  }
  semaphore.release(static_cast<std::ptrdiff_t>(kWaiters));
  for (auto& waiter : waiters) {
    waiter->join();  // a waiter the release did not wake hangs here
  }
  EXPECT_FALSE(semaphore.try_acquire());
}

TEST(SyncSemaphore, BlockedAcquirerWakesOnRelease) {
  Semaphore semaphore(0);
  Probe waiter([&] { semaphore.acquire(); });
  waiter.wait_until_blocked();
  EXPECT_FALSE(waiter.finished()) << "acquire returned with no permit available";
  semaphore.release();
  waiter.join();
  EXPECT_FALSE(semaphore.try_acquire());
}

TEST(SyncSemaphore, TryAcquireForGivesUpAtItsDeadline) {
  Semaphore semaphore(0);
  for (const auto timeout : {milliseconds(1), milliseconds(40)}) {
    const auto start = steady_clock::now();
    EXPECT_FALSE(semaphore.try_acquire_for(timeout));
    const auto waited = steady_clock::now() - start;
    EXPECT_GE(waited, timeout) << "try_acquire_for returned before its deadline";
    // Generous: only a wait that does not end near its deadline at all fails this.
    EXPECT_LT(waited, timeout + std::chrono::seconds(5)) << "try_acquire_for overslept";
  }
}

TEST(SyncSemaphore, TryAcquireForTakesAPermitReleasedInTime) {
  Semaphore semaphore(0);
  bool got = false;
  Probe waiter([&] { got = semaphore.try_acquire_for(std::chrono::seconds(60)); });
  waiter.wait_until_blocked();
  semaphore.release();
  waiter.join();
  EXPECT_TRUE(got) << "try_acquire_for missed a permit released before its deadline";
  EXPECT_FALSE(semaphore.try_acquire());
}

TEST(SyncSemaphore, TryAcquireForWithoutTimeLeftNeverBlocks) {
  Semaphore semaphore(1);
  EXPECT_TRUE(semaphore.try_acquire_for(milliseconds(0))) << "a free permit was not taken";
  EXPECT_FALSE(semaphore.try_acquire_for(milliseconds(0)));
  EXPECT_FALSE(semaphore.try_acquire_for(milliseconds(-5)));
  semaphore.release();
  EXPECT_TRUE(semaphore.try_acquire_for(std::chrono::hours(1)));
}

}  // namespace
}  // namespace lockstep::sync
