// Timers and cancellation: sleep_for lasts at least its duration without holding a worker,
// ends early when cancelled; with_timeout; stop tokens flow from awaiter to awaited task.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stop_token>
#include <thread>
#include <vector>

#include "async_test_support.hpp"

namespace lockstep::async {
namespace {

using namespace std::chrono_literals;

using async_test::eventually;
using async_test::FrameCounter;
using Clock = std::chrono::steady_clock;

Task<bool> sleeps(ThreadPool& pool, std::chrono::milliseconds duration) {
  co_await pool.schedule();
  const bool full = co_await pool.sleep_for(duration);
  co_return full;
}

TEST(AsyncTimer, SleepLastsAtLeastItsDuration) {
  ThreadPool pool(2);
  for (const auto duration : {0ms, 1ms, 50ms, 200ms}) {
    const auto start = Clock::now();
    EXPECT_TRUE(sync_wait(sleeps(pool, duration)));
    const auto elapsed = Clock::now() - start;
    EXPECT_GE(elapsed, duration) << "sleep_for woke up early";
    EXPECT_LT(elapsed, duration + 20s) << "sleep_for overslept by far";
  }
}

Task<bool> sleep_and_tell(ThreadPool& pool, std::chrono::milliseconds duration,
                          std::atomic<int>& asleep) {
  co_await pool.schedule();
  asleep.fetch_add(1);
  const bool full = co_await pool.sleep_for(duration);
  co_return full;
}

// 1000 tasks asleep at once on a pool of 2 threads: no thread per sleeper. The check
// counts this process's threads while all of them sleep.
TEST(AsyncTimer, ThousandSleepingTasksDoNotNeedAThreadEach) {
  constexpr int kSleepers = 1000;
  ThreadPool pool(2);
  const std::size_t threads_before = async_test::thread_count_of_process();
  std::atomic<int> asleep{0};
  std::stop_source stop;
  std::vector<bool> full;
  std::thread waiter([&] {
    std::vector<Task<bool>> tasks;
    tasks.reserve(kSleepers);
    for (int i = 0; i < kSleepers; ++i) {
      tasks.push_back(sleep_and_tell(pool, 1h, asleep));
    }
    full = sync_wait(when_all(std::move(tasks)), stop.get_token());
  });
  const bool all_asleep = eventually([&] { return asleep.load() == kSleepers; }, 10s);
  const std::size_t threads_during = async_test::thread_count_of_process();
  stop.request_stop();  // wakes every sleeper early
  waiter.join();
  ASSERT_TRUE(all_asleep) << "only " << asleep.load() << " of " << kSleepers
                          << " tasks got to sleep on a pool of 2 threads within 10 s: "
                             "a sleeping task must not hold its worker";
  // +1 for the waiter thread, and room for a timer thread or two.
  EXPECT_LE(threads_during, threads_before + 4)
      << kSleepers << " sleeping tasks used " << threads_during - threads_before
      << " extra threads";
  ASSERT_EQ(full.size(), static_cast<std::size_t>(kSleepers));
  for (const bool was_full : full) {
    EXPECT_FALSE(was_full) << "a cancelled sleep must report that it was cut short";
  }
}

Task<int> sleeps_an_hour(ThreadPool& pool) {
  co_await pool.schedule();
  co_await pool.sleep_for(1h);
  co_return 0;
}

Task<int> sets_flag(ThreadPool& pool, async_test::Flag& flag) {
  co_await pool.schedule();
  flag.set();
  co_return 1;
}

// A pool of ONE thread: while one task sleeps, another must still run on that thread.
TEST(AsyncTimer, ASleepingTaskDoesNotBlockItsWorker) {
  ThreadPool pool(1);
  async_test::Flag other_ran;
  std::stop_source stop;
  std::thread waiter([&] {
    std::vector<Task<int>> tasks;
    tasks.push_back(sleeps_an_hour(pool));
    tasks.push_back(sets_flag(pool, other_ran));
    (void)sync_wait(when_any(std::move(tasks)), stop.get_token());
  });
  const bool ran = other_ran.wait_for(10s);
  stop.request_stop();  // lets a broken implementation end too
  waiter.join();
  EXPECT_TRUE(ran) << "a task could not run on the pool's only thread while another task "
                      "slept: sleep_for blocks the worker";
}

TEST(AsyncTimer, CancellationEndsASleepEarly) {
  ThreadPool pool(2);
  std::stop_source stop;
  std::atomic<int> asleep{0};
  bool full = true;
  std::thread waiter([&] { full = sync_wait(sleep_and_tell(pool, 1h, asleep), stop.get_token()); });
  ASSERT_TRUE(eventually([&] { return asleep.load() == 1; }));
  stop.request_stop();
  waiter.join();  // an hour unless the stop request ends the sleep
  EXPECT_FALSE(full) << "a sleep ended by cancellation must yield false";
  // Already cancelled before it starts: the sleep ends at once.
  std::stop_source already;
  already.request_stop();
  EXPECT_FALSE(sync_wait(sleeps(pool, 1h), already.get_token()));
}

Task<int> answer_after(ThreadPool& pool, std::chrono::milliseconds delay) {
  co_await pool.schedule();
  co_await pool.sleep_for(delay);
  co_return 42;
}

TEST(AsyncTimer, WithTimeoutReturnsNothingWhenTheDeadlinePasses) {
  ThreadPool pool(2);
  const auto start = Clock::now();
  const std::optional<int> result = sync_wait(with_timeout(pool, answer_after(pool, 1h), 100ms));
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(result, std::nullopt);
  EXPECT_GE(elapsed, 100ms) << "with_timeout gave up before its deadline";
  EXPECT_LT(elapsed, 20s) << "with_timeout did not cancel the task at its deadline";
}

TEST(AsyncTimer, WithTimeoutReturnsTheValueOfATaskThatFinishesInTime) {
  ThreadPool pool(2);
  // The timer is an hour: this returns only if the timer is cancelled once the task won.
  EXPECT_EQ(sync_wait(with_timeout(pool, answer_after(pool, 10ms), 1h)), 42);
  EXPECT_EQ(sync_wait(with_timeout(pool, answer_after(pool, 0ms), 1h)), 42);
}

Task<void> void_after(ThreadPool& pool, std::chrono::milliseconds delay) {
  co_await pool.sleep_for(delay);
}

TEST(AsyncTimer, WithTimeoutOfAVoidTaskTellsWhetherItFinished) {
  ThreadPool pool(2);
  EXPECT_TRUE(sync_wait(with_timeout(pool, void_after(pool, 1ms), 1h)));
  EXPECT_FALSE(sync_wait(with_timeout(pool, void_after(pool, 1h), 50ms)));
}

Task<bool> child_sees_stop(ThreadPool& pool) {
  co_await pool.schedule();
  const std::stop_token token = co_await get_stop_token();
  co_return token.stop_possible() && token.stop_requested();
}

Task<bool> parent_of(ThreadPool& pool) {
  const bool seen = co_await child_sees_stop(pool);
  co_return seen;
}

TEST(AsyncCancellation, AwaitedTasksInheritTheStopToken) {
  ThreadPool pool(2);
  std::stop_source stop;
  stop.request_stop();
  EXPECT_TRUE(sync_wait(parent_of(pool), stop.get_token()))
      << "a task must see the stop token of the task that awaits it";
  EXPECT_FALSE(sync_wait(parent_of(pool))) << "without a token, nothing is stopped";
}

// Cancelling the whole tree from outside: sync_wait's token reaches the children of a
// when_any and a when_all, which all stop promptly and free their frames.
TEST(AsyncCancellation, CancellingTheRootStopsEveryDescendant) {
  ThreadPool pool(2);
  FrameCounter frames;
  std::atomic<int> stopped{0};
  std::stop_source stop;
  std::thread waiter([&] {
    std::vector<Task<int>> race;
    race.push_back(async_test::wait_for_cancellation(pool, stopped, frames.probe()));
    race.push_back(async_test::wait_for_cancellation(pool, stopped, frames.probe()));
    std::vector<Task<int>> all;
    all.push_back(async_test::wait_for_cancellation(pool, stopped, frames.probe()));
    all.push_back(async_test::wait_for_cancellation(pool, stopped, frames.probe()));
    auto both = when_all(when_any(std::move(race)), when_all(std::move(all)));
    (void)sync_wait(std::move(both), stop.get_token());
  });
  // Whether the stop request comes before or after the sleepers started, all must end.
  stop.request_stop();
  waiter.join();  // an hour unless cancellation reaches every sleeper
  EXPECT_EQ(stopped.load(), 4);
  EXPECT_EQ(frames.live(), 0);
}

}  // namespace
}  // namespace lockstep::async
