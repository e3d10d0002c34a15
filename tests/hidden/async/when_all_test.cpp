// when_all: every result in argument order, exceptions only after every task finished,
// 10k tasks on two threads, and the join that races completion against the await.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "async_test_support.hpp"

namespace lockstep::async {
namespace {

using namespace std::chrono_literals;

using async_test::FrameCounter;
using async_test::value_on;

Task<int> ready(int value) {
  co_return value;
}

TEST(AsyncWhenAll, ResultsComeBackInArgumentOrder) {
  ThreadPool pool(2);
  std::vector<Task<int>> tasks;
  tasks.reserve(20);
  for (int i = 0; i < 20; ++i) {
    tasks.push_back(i % 2 == 0 ? value_on(pool, i) : ready(i));
  }
  const std::vector<int> results = sync_wait(when_all(std::move(tasks)));
  ASSERT_EQ(results.size(), 20U);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(results[static_cast<std::size_t>(i)], i);
  }
  EXPECT_TRUE(sync_wait(when_all(std::vector<Task<int>>{})).empty());
}

TEST(AsyncWhenAll, VariadicFormReturnsATupleOfMixedTypes) {
  ThreadPool pool(2);
  auto [number, text, box] = sync_wait(when_all(value_on(pool, 5), value_on(pool, std::string("x")),
                                                value_on(pool, std::make_unique<int>(3))));
  EXPECT_EQ(number, 5);
  EXPECT_EQ(text, "x");
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(*box, 3);
}

Task<void> bump_on(ThreadPool& pool, std::atomic<int>& count) {
  co_await pool.schedule();
  count.fetch_add(1);
}

TEST(AsyncWhenAll, VoidTasksAllRunBeforeItReturns) {
  ThreadPool pool(2);
  std::atomic<int> count{0};
  std::vector<Task<void>> tasks;
  tasks.reserve(100);
  for (int i = 0; i < 100; ++i) {
    tasks.push_back(bump_on(pool, count));
  }
  sync_wait(when_all(std::move(tasks)));
  EXPECT_EQ(count.load(), 100);
}

Task<int> numbered(ThreadPool& pool, FrameCounter::Probe /*frame*/, int value) {
  co_await pool.schedule();
  co_return value;
}

TEST(AsyncWhenAll, TenThousandTasksOnTwoThreads) {
  ThreadPool pool(2);
  FrameCounter frames;
  constexpr int kTasks = 10'000;
  std::vector<Task<int>> tasks;
  tasks.reserve(kTasks);
  for (int i = 0; i < kTasks; ++i) {
    tasks.push_back(numbered(pool, frames.probe(), i));
  }
  const std::vector<int> results = sync_wait(when_all(std::move(tasks)));
  ASSERT_EQ(results.size(), static_cast<std::size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_EQ(results[static_cast<std::size_t>(i)], i);
  }
  EXPECT_EQ(frames.live(), 0) << "task frames outlived sync_wait(when_all(...))";
  EXPECT_EQ(pool.thread_count(), 2U);
}

Task<int> fails_with(const char* what) {
  throw std::runtime_error(what);
  co_return 0;
}

Task<int> slow_success(ThreadPool& pool, std::atomic<int>& finished) {
  co_await pool.schedule();
  co_await pool.sleep_for(20ms);
  co_await pool.schedule();
  finished.fetch_add(1);
  co_return 1;
}

// The first exception (tasks that fail at once fail in argument order) is rethrown, and
// only once every task has finished: nothing may still run when when_all is done.
TEST(AsyncWhenAll, FirstExceptionIsRethrownAfterEveryTaskFinished) {
  ThreadPool pool(2);
  std::atomic<int> finished{0};
  std::vector<Task<int>> tasks;
  tasks.push_back(slow_success(pool, finished));
  tasks.push_back(ready(1));
  tasks.push_back(fails_with("first"));
  tasks.push_back(slow_success(pool, finished));
  tasks.push_back(fails_with("second"));
  tasks.push_back(slow_success(pool, finished));
  try {
    sync_wait(when_all(std::move(tasks)));
    ADD_FAILURE() << "when_all swallowed the exceptions of its tasks";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "first");
  }
  EXPECT_EQ(finished.load(), 3) << "when_all rethrew before every task had finished";
}

// The join itself: children finish on the pool while the parent is still starting them or
// suspending. Whichever side arrives last must resume the parent, exactly once. A join that
// checks "anyone left?" and stores its continuation in two steps loses the wake-up when the
// last child finishes in between, and the parent sleeps for ever.
Task<int> hop_and_return(ThreadPool& pool, int value) {
  co_await pool.schedule();
  co_return value;
}

Task<int> join_round(ThreadPool& pool, std::atomic<int>& resumed, int round) {
  std::vector<Task<int>> tasks;
  tasks.push_back(hop_and_return(pool, round));
  tasks.push_back(hop_and_return(pool, 1));
  const std::vector<int> results = co_await when_all(std::move(tasks));
  resumed.fetch_add(1);
  co_return results[0] + results[1];
}

TEST(AsyncRace, ContinuationRunsExactlyOnceWhenCompletionRacesTheAwait) {
  ThreadPool pool(2);
  const int rounds = static_cast<int>(stress::scaled(20'000));
  std::atomic<int> resumed{0};
  for (int round = 0; round < rounds; ++round) {
    auto outcome = async_test::spawn(join_round(pool, resumed, round));
    ASSERT_TRUE(outcome->done.wait_for(20s))
        << "round " << round << ": when_all never resumed its awaiter although both tasks "
        << "finished (a lost wake-up: the continuation was stored after the last task had "
           "already looked for it)";
    ASSERT_EQ(outcome->value, round + 1);
    ASSERT_EQ(resumed.load(), round + 1)
        << "round " << round << ": the awaiter of when_all was resumed more than once";
  }
}

}  // namespace
}  // namespace lockstep::async
