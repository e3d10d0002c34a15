// Proves that the -Wl,--wrap wrappers of lockstep::tsan_yield really sit on the path of
// std::atomic and std::mutex operations of a gcc -fsanitize=thread build: this executable
// interposes sched_yield() to count the calls the wrappers make on this thread.

#include <gtest/gtest.h>

#include <sys/syscall.h>
#include <unistd.h>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>

namespace {
thread_local long t_yields = 0;
}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming,bugprone-reserved-identifier): libc's name
extern "C" int sched_yield() noexcept {
  ++t_yields;
  return static_cast<int>(::syscall(SYS_sched_yield));
}

namespace {

// Under LOCKSTEP_YIELD_PERMILLE=1000 every wrapped call yields; unset, none does.
long expected_per_call() {
  const char* permille = std::getenv("LOCKSTEP_YIELD_PERMILLE");  // NOLINT(concurrency-mt-unsafe)
  return permille != nullptr && std::string(permille) == "1000" ? 1 : 0;
}

constexpr long kRepetitions = 100;

TEST(TsanYieldWrappers, EveryAtomicOperationWidthAndKindIsWrapped) {
  std::atomic<std::int8_t> a8{0};
  std::atomic<std::int16_t> a16{0};
  std::atomic<std::int32_t> a32{0};
  std::atomic<std::int64_t> a64{0};
  std::atomic<bool> flag{false};
  const long before = t_yields;
  constexpr long kOpsPerRound = 12;
  for (long i = 0; i < kRepetitions; ++i) {
    a8.fetch_add(1);
    a16.fetch_or(1);
    a32.store(static_cast<std::int32_t>(i));
    (void)a32.load();
    a64.fetch_sub(1);
    std::int64_t expected = a64.load();
    a64.compare_exchange_strong(expected, 0);
    std::int32_t expected32 = a32.load();
    a32.compare_exchange_weak(expected32, 1);
    (void)flag.exchange(true);
    a8.fetch_and(1);
    a16.fetch_xor(1);
  }
  EXPECT_EQ(t_yields - before, expected_per_call() * kRepetitions * kOpsPerRound);
}

TEST(TsanYieldWrappers, MutexLockTryLockAndUnlockAreWrapped) {
  std::mutex mutex;
  const long before = t_yields;
  for (long i = 0; i < kRepetitions; ++i) {
    mutex.lock();
    mutex.unlock();
    if (mutex.try_lock()) {
      mutex.unlock();
    }
  }
  EXPECT_EQ(t_yields - before, expected_per_call() * kRepetitions * 4);
}

}  // namespace
