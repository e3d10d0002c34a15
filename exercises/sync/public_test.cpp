// Public tests: a first check of the basics. The hidden tests go much further (contention,
// sleeping waiters, starvation, many phases, deadlines, sanitizers); see README.md.

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include <sync.hpp>

namespace lockstep::sync {
namespace {

TEST(SyncPublic, MutexGuardsACounterWithLockGuard) {
  constexpr int kThreads = 2;
  constexpr int kPerThread = 2000;
  Mutex mutex;
  int counter = 0;  // guarded by mutex
  std::vector<std::future<void>> workers;
  workers.reserve(kThreads);
  // std::async rather than std::thread: an exception in a worker reaches get().
  for (int t = 0; t < kThreads; ++t) {
    workers.push_back(std::async(std::launch::async, [&] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::lock_guard guard(mutex);
        ++counter;
      }
    }));
  }
  for (auto& worker : workers) {
    worker.get();
  }
  EXPECT_EQ(counter, kThreads * kPerThread);
}

TEST(SyncPublic, RwLockLetsReadersShareAndKeepsWritersOut) {
  RwLock lock;
  const std::shared_lock reader(lock);
  // Another thread may read too, but may not write.
  auto other = std::async(std::launch::async, [&] {
    const bool shared = lock.try_lock_shared();
    if (shared) {
      lock.unlock_shared();
    }
    const bool exclusive = lock.try_lock();
    if (exclusive) {
      lock.unlock();
    }
    return std::pair{shared, exclusive};
  });
  const auto [shared, exclusive] = other.get();
  EXPECT_TRUE(shared) << "two readers must be able to hold the lock together";
  EXPECT_FALSE(exclusive) << "a writer got in while a reader held the lock";
}

TEST(SyncPublic, SemaphoreCountsPermits) {
  Semaphore semaphore(2);
  EXPECT_TRUE(semaphore.try_acquire());
  EXPECT_TRUE(semaphore.try_acquire());
  EXPECT_FALSE(semaphore.try_acquire());
  semaphore.release(2);
  EXPECT_TRUE(semaphore.try_acquire_for(std::chrono::milliseconds(10)));
  semaphore.acquire();
  EXPECT_FALSE(semaphore.try_acquire_for(std::chrono::milliseconds(10)));
}

TEST(SyncPublic, LatchReleasesAWaiterAtZero) {
  Latch latch(2);
  auto waiter = std::async(std::launch::async, [&] { latch.wait(); });
  latch.count_down();
  EXPECT_FALSE(latch.try_wait());
  latch.count_down();
  waiter.get();
  EXPECT_TRUE(latch.try_wait());
}

TEST(SyncPublic, BarrierRunsTheCompletionOncePerPhase) {
  constexpr int kThreads = 3;
  constexpr int kPhases = 5;
  int completions = 0;  // written only by the completion step
  Barrier barrier(kThreads, [&] { ++completions; });
  std::vector<std::future<void>> workers;
  workers.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    workers.push_back(std::async(std::launch::async, [&] {
      for (int phase = 0; phase < kPhases; ++phase) {
        barrier.arrive_and_wait();
      }
    }));
  }
  for (auto& worker : workers) {
    worker.get();
  }
  EXPECT_EQ(completions, kPhases);
}

}  // namespace
}  // namespace lockstep::sync
