// Executors: schedule() hands the coroutine over to the executor (it is not resumed
// inline, and it is resumed exactly once), the thread pool runs every task exactly once.

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "async_test_support.hpp"

namespace lockstep::async {
namespace {

using namespace std::chrono_literals;

using async_test::ManualExecutor;

TEST(AsyncExecutor, APoolNeedsAtLeastOneThread) {
  EXPECT_THROW(ThreadPool(0), std::invalid_argument);
  const ThreadPool pool(3);
  EXPECT_EQ(pool.thread_count(), 3U);
}

Task<std::thread::id> thread_after_schedule(Executor& executor) {
  co_await executor.schedule();
  co_return std::this_thread::get_id();
}

TEST(AsyncExecutor, ScheduleResumesTheTaskOnAPoolThread) {
  ThreadPool pool(2);
  std::set<std::thread::id> seen;
  for (int i = 0; i < 50; ++i) {
    seen.insert(sync_wait(thread_after_schedule(pool)));
  }
  EXPECT_EQ(seen.count(std::this_thread::get_id()), 0U)
      << "after co_await pool.schedule() the task must run on a pool thread, not the caller's";
  EXPECT_LE(seen.size(), 2U) << "a pool of 2 threads ran tasks on more than 2 threads";
}

Task<int> steps_through(Executor& executor, std::atomic<int>& step) {
  step.store(1);
  co_await executor.schedule();
  step.store(2);
  co_await executor.schedule();
  step.store(3);
  co_return 3;
}

// schedule() through an executor the test drives by hand: the coroutine must be handed
// over (queued) and must not continue until the executor resumes it, once.
TEST(AsyncExecutor, ScheduleHandsTheCoroutineToTheExecutorAndResumesItOnce) {
  ManualExecutor executor;
  std::atomic<int> step{0};
  auto outcome = async_test::spawn(steps_through(executor, step));
  EXPECT_EQ(step.load(), 1);
  ASSERT_EQ(executor.queued(), 1U) << "schedule() must pass the coroutine to execute()";
  EXPECT_FALSE(outcome->done.is_set());
  ASSERT_TRUE(executor.run_one());
  EXPECT_EQ(step.load(), 2) << "resumed by the executor, the task runs to its next suspension";
  ASSERT_EQ(executor.queued(), 1U);
  ASSERT_TRUE(executor.run_one());
  EXPECT_EQ(step.load(), 3);
  EXPECT_EQ(executor.queued(), 0U) << "the task was handed to the executor more than once";
  ASSERT_TRUE(outcome->done.is_set());
  EXPECT_EQ(outcome->value, 3);
}

Task<void> count_once(ThreadPool& pool, std::atomic<int>& runs) {
  co_await pool.schedule();
  runs.fetch_add(1);
  co_await pool.schedule();
  runs.fetch_add(1);
}

// Many small tasks from a plain thread and from the pool's own workers: each runs once.
TEST(AsyncExecutor, EveryScheduledTaskRunsExactlyOnce) {
  ThreadPool pool(2);
  const std::size_t count = stress::scaled(4000);
  std::vector<std::atomic<int>> runs(count);
  std::vector<Task<void>> tasks;
  tasks.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    tasks.push_back(count_once(pool, runs[i]));
  }
  sync_wait(when_all(std::move(tasks)));
  for (std::size_t i = 0; i < count; ++i) {
    ASSERT_EQ(runs[i].load(), 2) << "task " << i << " ran its steps " << runs[i].load()
                                 << " times instead of once each";
  }
}

Task<int> on_one_thread(ThreadPool& pool, std::atomic<int>& inside, std::atomic<int>& most) {
  co_await pool.schedule();
  const int now = inside.fetch_add(1) + 1;
  int seen = most.load();
  while (now > seen && !most.compare_exchange_weak(seen, now)) {
  }
  std::this_thread::yield();
  inside.fetch_sub(1);
  co_return 1;
}

TEST(AsyncExecutor, APoolOfOneThreadRunsOneTaskAtATime) {
  ThreadPool pool(1);
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::vector<Task<int>> tasks;
  tasks.reserve(200);
  for (int i = 0; i < 200; ++i) {
    tasks.push_back(on_one_thread(pool, inside, most));
  }
  const std::vector<int> results = sync_wait(when_all(std::move(tasks)));
  EXPECT_EQ(results.size(), 200U);
  EXPECT_EQ(most.load(), 1) << "two tasks ran at once on a pool of one thread";
}

}  // namespace
}  // namespace lockstep::async
