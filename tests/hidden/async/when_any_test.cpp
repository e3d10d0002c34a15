// when_any: the first task to finish wins; the others are cancelled through their stop
// token and awaited before when_any returns (structured concurrency: nothing outlives it).

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "async_test_support.hpp"

namespace lockstep::async {
namespace {

using namespace std::chrono_literals;

using async_test::FrameCounter;
using async_test::wait_for_cancellation;

Task<int> quick(ThreadPool& pool, int value, FrameCounter::Probe /*frame*/) {
  co_await pool.schedule();
  co_return value;
}

TEST(AsyncWhenAny, TheFirstToFinishWinsAndTheOthersAreCancelled) {
  ThreadPool pool(2);
  FrameCounter frames;
  std::atomic<int> stopped{0};
  std::vector<Task<int>> tasks;
  tasks.push_back(wait_for_cancellation(pool, stopped, frames.probe()));
  tasks.push_back(wait_for_cancellation(pool, stopped, frames.probe()));
  tasks.push_back(quick(pool, 7, frames.probe()));
  tasks.push_back(wait_for_cancellation(pool, stopped, frames.probe()));
  // The losers sleep for an hour unless cancelled: this returns only if they are.
  const WhenAnyResult<int> result = sync_wait(when_any(std::move(tasks)));
  EXPECT_EQ(result.index, 2U);
  EXPECT_EQ(result.value, 7);
  EXPECT_EQ(stopped.load(), 3) << "every loser must see its stop token triggered";
  EXPECT_EQ(frames.live(), 0) << "a task frame outlived sync_wait(when_any(...))";
}

// A loser that needs a while to wind down after it was cancelled (it keeps its worker busy
// for 100 ms), then records that it finished. when_any must wait for it.
Task<int> slow_to_stop(ThreadPool& pool, std::atomic<int>& wound_down,
                       FrameCounter::Probe /*frame*/) {
  co_await pool.schedule();
  co_await pool.sleep_for(1h);
  const std::stop_token token = co_await get_stop_token();
  if (token.stop_requested()) {
    std::this_thread::sleep_for(100ms);  // deliberately blocks: clean-up takes time
  }
  co_await pool.schedule();
  wound_down.fetch_add(1);
  co_return -1;
}

Task<int> winner_after_all_started(ThreadPool& pool, std::atomic<int>& started) {
  started.fetch_add(1);
  co_await pool.schedule();
  co_return 1;
}

TEST(AsyncWhenAny, LosersHaveFinishedWhenItReturns) {
  ThreadPool pool(2);
  FrameCounter frames;
  for (int round = 0; round < 5; ++round) {
    std::atomic<int> wound_down{0};
    std::atomic<int> started{0};
    std::vector<Task<int>> tasks;
    tasks.push_back(slow_to_stop(pool, wound_down, frames.probe()));
    tasks.push_back(winner_after_all_started(pool, started));
    tasks.push_back(slow_to_stop(pool, wound_down, frames.probe()));
    const WhenAnyResult<int> result = sync_wait(when_any(std::move(tasks)));
    EXPECT_EQ(result.index, 1U);
    EXPECT_EQ(wound_down.load(), 2)
        << "round " << round << ": when_any returned while cancelled tasks were still running";
    EXPECT_EQ(frames.live(), 0) << "round " << round << ": a loser's frame outlived when_any";
  }
}

Task<int> fails_on(ThreadPool& pool) {
  co_await pool.schedule();
  throw std::out_of_range("winner failed");
}

TEST(AsyncWhenAny, AWinnerThatThrowsHasItsExceptionRethrown) {
  ThreadPool pool(2);
  FrameCounter frames;
  std::atomic<int> stopped{0};
  std::vector<Task<int>> tasks;
  tasks.push_back(wait_for_cancellation(pool, stopped, frames.probe()));
  tasks.push_back(fails_on(pool));
  EXPECT_THROW(sync_wait(when_any(std::move(tasks))), std::out_of_range);
  EXPECT_EQ(stopped.load(), 1);
  EXPECT_EQ(frames.live(), 0);
}

Task<void> void_quick(ThreadPool& pool) {
  co_await pool.schedule();
}

Task<void> void_waits(ThreadPool& pool) {
  co_await pool.sleep_for(1h);
}

TEST(AsyncWhenAny, VoidTasksReportTheWinnersIndexAndEmptyIsRejected) {
  ThreadPool pool(2);
  std::vector<Task<void>> tasks;
  tasks.push_back(void_waits(pool));
  tasks.push_back(void_quick(pool));
  EXPECT_EQ(sync_wait(when_any(std::move(tasks))), 1U);
  EXPECT_THROW(sync_wait(when_any(std::vector<Task<int>>{})), std::invalid_argument);
  EXPECT_THROW(sync_wait(when_any(std::vector<Task<void>>{})), std::invalid_argument);
}

// Cancelled work that only polls its token (no sleep) also ends promptly.
Task<int> spins_until_stopped(ThreadPool& pool, std::atomic<long>& spins) {
  const std::stop_token token = co_await get_stop_token();
  while (!token.stop_requested()) {
    co_await pool.schedule();
    spins.fetch_add(1);
  }
  co_return 0;
}

Task<int> after_some_spins(ThreadPool& pool, std::atomic<long>& spins) {
  while (spins.load() < 100) {
    co_await pool.schedule();
  }
  co_return 5;
}

TEST(AsyncWhenAny, LosersThatPollTheirTokenStop) {
  ThreadPool pool(2);
  std::atomic<long> spins{0};
  std::vector<Task<int>> tasks;
  tasks.push_back(spins_until_stopped(pool, spins));
  tasks.push_back(after_some_spins(pool, spins));
  const WhenAnyResult<int> result = sync_wait(when_any(std::move(tasks)));
  EXPECT_EQ(result.index, 1U);
  EXPECT_EQ(result.value, 5);
}

}  // namespace
}  // namespace lockstep::async
