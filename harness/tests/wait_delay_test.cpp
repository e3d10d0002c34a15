// Behaviour of code under the wait-delay shim (lib/liblockstep_wait_delay.so). The script
// tests in CMakeLists.txt run these with the shim preloaded; without it they check the
// same guarantees, so they also run as ordinary self-tests.

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <thread>

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(WaitDelayShim, ConditionVariablePingPongCompletes) {
  constexpr int kRounds = 2000;
  std::mutex mutex;
  std::condition_variable cv;
  int turn = 0;  // guarded by mutex: even = ping's turn, odd = pong's turn
  std::thread pong([&] {
    for (int i = 0; i < kRounds; ++i) {
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return turn % 2 == 1; });
      ++turn;
      cv.notify_one();
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return turn % 2 == 0; });
    ++turn;
    cv.notify_one();
  }
  pong.join();
  EXPECT_EQ(turn, 2 * kRounds);
}

TEST(WaitDelayShim, AtomicWaitPingPongCompletes) {
  constexpr int kRounds = 2000;
  std::atomic<int> turn{0};
  std::thread pong([&] {
    for (int i = 0; i < kRounds; ++i) {
      const int mine = 2 * i + 1;
      for (int seen = turn.load(); seen != mine; seen = turn.load()) {
        turn.wait(seen);
      }
      turn.store(mine + 1);
      turn.notify_one();
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    const int mine = 2 * i;
    for (int seen = turn.load(); seen != mine; seen = turn.load()) {
      turn.wait(seen);
    }
    turn.store(mine + 1);
    turn.notify_one();
  }
  pong.join();
  EXPECT_EQ(turn.load(), 2 * kRounds);
}

TEST(WaitDelayShim, TimedWaitsStillTimeOutOnTime) {
  std::mutex mutex;
  std::condition_variable cv;
  std::unique_lock lock(mutex);
  constexpr milliseconds kTimeout{30};
  const auto start = steady_clock::now();
  EXPECT_EQ(cv.wait_for(lock, kTimeout), std::cv_status::timeout);
  const auto took = steady_clock::now() - start;
  EXPECT_GE(took, kTimeout);
  EXPECT_LT(took, kTimeout + milliseconds(500));  // generous: sanitizers, loaded CI
}

// With LOCKSTEP_EXPECT_WAIT_DELAY=1 (set by the script tests that preload the shim): futex
// waits made through syscall() are measurably delayed, condition-variable waits go through
// the shim.
TEST(WaitDelayShim, WaitsAreDelayedWhenPreloaded) {
  if (std::getenv("LOCKSTEP_EXPECT_WAIT_DELAY") == nullptr) {  // NOLINT(concurrency-mt-unsafe)
    GTEST_SKIP() << "run by the harness_wait_delay_shim test, which preloads the shim";
  }
  constexpr int kCalls = 200;
  // Each delay is uniform in 0..LOCKSTEP_WAIT_DELAY_US (200 us here): ~100 us on average.
  constexpr milliseconds kAtLeast{5};
  int word = 0;
  const auto start = steady_clock::now();
  for (int i = 0; i < kCalls; ++i) {
    // The value differs, so the kernel returns EAGAIN at once: any time spent is the shim's.
    EXPECT_EQ(::syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, nullptr, nullptr, 0), -1);
    EXPECT_EQ(errno, EAGAIN);
  }
  EXPECT_GE(steady_clock::now() - start, kAtLeast);

  // Condition-variable timed waits cost a timer slack of their own, so instead of timing
  // them check that the process-wide definitions are the shim's.
  for (const char* name :
       {"pthread_cond_wait", "pthread_cond_timedwait", "pthread_cond_clockwait", "syscall"}) {
    Dl_info info{};
    ASSERT_NE(::dladdr(::dlsym(RTLD_DEFAULT, name), &info), 0) << name;
    EXPECT_NE(std::string_view(info.dli_fname).find("liblockstep_wait_delay"),
              std::string_view::npos)
        << name << " resolves to " << info.dli_fname;
  }
}

}  // namespace
