// Public tests: a first check of the basics. The hidden tests go much further (races
// between completion and await, 10k tasks, cancellation, leaks, sanitizers); see README.md.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <async.hpp>

namespace lockstep::async {
namespace {

using namespace std::chrono_literals;

Task<int> twenty_one() {
  co_return 21;
}

Task<int> doubled() {
  const int half = co_await twenty_one();
  co_return 2 * half;
}

TEST(AsyncPublic, TaskReturnsItsValueThroughCoAwait) {
  EXPECT_EQ(sync_wait(doubled()), 42);
}

Task<void> fails() {
  co_await twenty_one();
  throw std::runtime_error("boom");
}

TEST(AsyncPublic, ExceptionReachesSyncWait) {
  EXPECT_THROW(sync_wait(fails()), std::runtime_error);
}

Task<std::thread::id> where_am_i(ThreadPool& pool) {
  co_await pool.schedule();
  co_return std::this_thread::get_id();
}

TEST(AsyncPublic, ScheduleMovesTheTaskOntoThePool) {
  ThreadPool pool(2);
  EXPECT_EQ(pool.thread_count(), 2U);
  EXPECT_NE(sync_wait(where_am_i(pool)), std::this_thread::get_id());
}

Task<int> square_on(ThreadPool& pool, int value) {
  co_await pool.schedule();
  co_return value* value;
}

TEST(AsyncPublic, WhenAllCollectsEveryResultInOrder) {
  ThreadPool pool(2);
  std::vector<Task<int>> tasks;
  tasks.reserve(100);
  for (int i = 0; i < 100; ++i) {
    tasks.push_back(square_on(pool, i));
  }
  const std::vector<int> squares = sync_wait(when_all(std::move(tasks)));
  ASSERT_EQ(squares.size(), 100U);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(squares[static_cast<std::size_t>(i)], i * i);
  }
}

Task<int> sleepy(ThreadPool& pool, std::atomic<int>& cancelled) {
  co_await pool.sleep_for(1h);  // ends early when cancelled
  const std::stop_token token = co_await get_stop_token();
  if (token.stop_requested()) {
    cancelled.fetch_add(1);
  }
  co_return 0;
}

TEST(AsyncPublic, WhenAnyReturnsTheFirstAndCancelsTheRest) {
  ThreadPool pool(2);
  std::atomic<int> cancelled{0};
  std::vector<Task<int>> tasks;
  tasks.push_back(sleepy(pool, cancelled));
  tasks.push_back(square_on(pool, 3));
  tasks.push_back(sleepy(pool, cancelled));
  const WhenAnyResult<int> first = sync_wait(when_any(std::move(tasks)));
  EXPECT_EQ(first.index, 1U);
  EXPECT_EQ(first.value, 9);
  EXPECT_EQ(cancelled.load(), 2);
}

}  // namespace
}  // namespace lockstep::async
