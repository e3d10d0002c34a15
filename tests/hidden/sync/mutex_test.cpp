// Mutex: mutual exclusion under contention, sleeping waiters that are always woken, and
// the standard Lockable requirements.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "sync_test_support.hpp"

namespace lockstep::sync {
namespace {

using sync_test::Probe;

// Plain (non-atomic) data guarded by the mutex: a lost update or a torn pair shows in the
// totals, and a critical section that is not published to the next locker (an unlock with
// too weak a memory order) is a data race ThreadSanitizer reports.
TEST(SyncMutex, PlainCountersGuardedByTheMutexNeverTear) {
  constexpr std::size_t kThreads = 4;
  const std::size_t per_thread = stress::scaled(40000);
  const std::uint64_t seed = stress::seed();
  Mutex mutex;
  std::int64_t counter = 0;  // guarded by mutex
  std::int64_t mirror = 0;   // guarded by mutex; always equal to counter
  std::atomic<std::size_t> torn{0};
  stress::run_threads(kThreads, [&](std::size_t index) {
    stress::Noise noise(seed ^ (index * 0x9e3779b97f4a7c15ULL), 5);
    std::size_t my_torn = 0;
    auto critical_section = [&] {
      const std::int64_t seen = counter;
      if (mirror != seen) {
        ++my_torn;
      }
      noise();
      counter = seen + 1;
      mirror = seen + 1;
    };
    for (std::size_t i = 0; i < per_thread; ++i) {
      switch (i % 3) {
        case 0: {
          const std::lock_guard guard(mutex);
          critical_section();
          break;
        }
        case 1: {
          std::unique_lock guard(mutex);
          critical_section();
          guard.unlock();
          break;
        }
        default:
          while (!mutex.try_lock()) {
            std::this_thread::yield();
          }
          critical_section();
          mutex.unlock();
          break;
      }
    }
    torn.fetch_add(my_torn);
  });
  EXPECT_EQ(torn.load(), 0U) << "two threads were inside the critical section at once";
  EXPECT_EQ(counter, static_cast<std::int64_t>(kThreads * per_thread))
      << "increments were lost: the mutex let two threads in at once";
}

TEST(SyncMutex, TryLockFailsWhileAnotherThreadHoldsTheLock) {
  Mutex mutex;
  mutex.lock();
  bool taken = true;
  Probe other([&] { taken = mutex.try_lock(); });
  other.join();
  EXPECT_FALSE(taken) << "try_lock took a mutex another thread holds";
  mutex.unlock();
  Probe again([&] {
    taken = mutex.try_lock();
    if (taken) {
      mutex.unlock();
    }
  });
  again.join();
  EXPECT_TRUE(taken) << "try_lock failed on a free mutex";
}

TEST(SyncMutex, BlockedLockerWakesWhenTheHolderUnlocks) {
  Mutex mutex;
  mutex.lock();
  bool entered = false;  // written by the locker under the mutex, read after join
  Probe locker([&] {
    const std::lock_guard guard(mutex);
    entered = true;
  });
  locker.wait_until_blocked();
  EXPECT_FALSE(locker.finished()) << "lock() returned while another thread held the mutex";
  mutex.unlock();
  locker.join();  // an unlock that wakes no sleeper hangs here
  EXPECT_TRUE(entered);
}

// Several sleepers: each unlock must wake the next one, so whoever is woken and takes the
// lock must remember that others may still sleep.
TEST(SyncMutex, EverySleepingLockerGetsInInTurn) {
  constexpr std::size_t kLockers = 3;
  Mutex mutex;
  mutex.lock();
  std::size_t entered = 0;  // guarded by mutex
  std::vector<std::unique_ptr<Probe>> lockers;
  lockers.reserve(kLockers);
  for (std::size_t i = 0; i < kLockers; ++i) {
    lockers.push_back(std::make_unique<Probe>([&] {
      const std::lock_guard guard(mutex);
      ++entered;
    }));
  }
  for (auto& locker : lockers) {
    locker->wait_until_blocked();
  }
  mutex.unlock();
  for (auto& locker : lockers) {
    locker->join();  // a sleeper nobody wakes hangs here
  }
  const std::lock_guard guard(mutex);
  EXPECT_EQ(entered, kLockers);
}

// The lesson's first promise: a contended lock() sleeps in the kernel instead of spinning
// (the probe looks at the thread's scheduler state in /proc).
TEST(SyncMutex, ContendedLockersSleepInsteadOfSpinning) {
  Mutex mutex;
  mutex.lock();
  Probe locker([&] { const std::lock_guard guard(mutex); });
  const bool asleep = locker.wait_until_blocked();
  mutex.unlock();
  locker.join();
  EXPECT_TRUE(asleep) << "a thread waiting for the mutex never slept in 5 s: it spins (or "
                         "yields) instead of sleeping on a futex";
}

// std::scoped_lock / std::lock take two mutexes in either order without deadlock by
// backing off with try_lock: the Lockable requirements in use.
TEST(SyncMutex, WorksWithStdScopedLockOverTwoMutexes) {
  const std::size_t rounds = stress::scaled(4000);
  Mutex first;
  Mutex second;
  std::int64_t shared = 0;  // guarded by both
  stress::run_threads(2, [&](std::size_t index) {
    for (std::size_t i = 0; i < rounds; ++i) {
      if (index == 0) {
        const std::scoped_lock guard(first, second);
        ++shared;
      } else {
        const std::scoped_lock guard(second, first);
        ++shared;
      }
    }
  });
  EXPECT_EQ(shared, static_cast<std::int64_t>(2 * rounds));
}

}  // namespace
}  // namespace lockstep::sync
