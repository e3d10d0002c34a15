// Tests run only by the script tests in CMakeLists.txt: they deadlock or fail on purpose.

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace {

TEST(HarnessSelfCheck, DISABLED_LostWakeupIsReportedByTheWatchdog) {
  // The classic lost wakeup: the waiter's predicate never becomes true.
  std::mutex mutex;
  std::condition_variable cv;
  const bool ready = false;
  std::thread waiter([&] {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return ready; });
  });
  waiter.join();
}

TEST(HarnessSelfCheck, DISABLED_FailureIsRecorded) {
  ADD_FAILURE_AT("quote\".cpp", 12) << "bad byte \xff and \"quotes\"\n";
}

TEST(HarnessSelfCheck, DISABLED_SkipIsRecorded) {
  GTEST_SKIP() << "skipped on purpose";
}

TEST(HarnessSelfCheck, DISABLED_PassIsRecorded) {
  SUCCEED();
}

}  // namespace
