// Task<T>: lazy start, results and exceptions reaching the awaiter, move-only results,
// frames owned and destroyed, symmetric transfer.

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "async_test_support.hpp"

namespace lockstep::async {
namespace {

using namespace std::chrono_literals;

using async_test::FrameCounter;

Task<int> forty_two() {
  co_return 42;
}

Task<std::string> greeting(int n) {
  const int value = co_await forty_two();
  co_return "hello " + std::to_string(value + n);
}

Task<void> add_into(int& sum, int amount) {
  sum += amount;
  co_return;
}

Task<int> sum_of_children() {
  int sum = 0;
  co_await add_into(sum, 1);
  co_await add_into(sum, 2);
  const std::string text = co_await greeting(1);
  co_return sum + static_cast<int>(text.size());
}

TEST(AsyncTask, ResultsReachTheAwaiterThroughNestedAwaits) {
  EXPECT_EQ(sync_wait(forty_two()), 42);
  EXPECT_EQ(sync_wait(greeting(0)), "hello 42");
  EXPECT_EQ(sync_wait(sum_of_children()), 3 + 8);
  int sum = 0;
  sync_wait(add_into(sum, 5));
  EXPECT_EQ(sum, 5);
}

Task<int> counts_its_start(int& started) {
  ++started;
  co_return started;
}

TEST(AsyncTask, IsLazyItsBodyStartsOnlyWhenAwaited) {
  int started = 0;
  Task<int> task = counts_its_start(started);
  EXPECT_EQ(started, 0) << "creating a task must not run its body (Task is lazy)";
  EXPECT_EQ(sync_wait(std::move(task)), 1);
  EXPECT_EQ(started, 1);
}

Task<int> never_started(FrameCounter::Probe /*frame*/, bool& ran) {
  ran = true;
  co_return 0;
}

TEST(AsyncTask, DestroyingAnUnstartedTaskFreesItsFrameWithoutRunningIt) {
  FrameCounter frames;
  bool ran = false;
  {
    Task<int> task = never_started(frames.probe(), ran);
    EXPECT_EQ(frames.live(), 1);
    Task<int> moved = std::move(task);
    EXPECT_FALSE(task.valid());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    EXPECT_TRUE(moved.valid());
    EXPECT_EQ(frames.live(), 1) << "moving a task must not copy or destroy its frame";
  }
  EXPECT_EQ(frames.live(), 0) << "a destroyed task must destroy its frame";
  EXPECT_FALSE(ran);
}

Task<int> throws_logic_error() {
  throw std::logic_error("deep failure");
  co_return 0;
}

Task<int> passes_it_on() {
  const int value = co_await throws_logic_error();
  co_return value + 1;  // never reached
}

Task<void> void_that_throws() {
  co_await forty_two();
  throw std::runtime_error("void failure");
}

Task<std::string> catches_and_recovers() {
  try {
    co_await passes_it_on();
  } catch (const std::logic_error& error) {
    co_return std::string("caught: ") + error.what();
  }
  co_return "nothing thrown";
}

TEST(AsyncTask, ExceptionsPropagateThroughEveryAwaiter) {
  EXPECT_THROW(sync_wait(passes_it_on()), std::logic_error);
  EXPECT_EQ(sync_wait(catches_and_recovers()), "caught: deep failure");
  EXPECT_THROW(sync_wait(void_that_throws()), std::runtime_error);
}

Task<std::unique_ptr<int>> boxed(int value) {
  co_return std::make_unique<int>(value);
}

Task<int> unboxed() {
  std::unique_ptr<int> box = co_await boxed(7);
  co_return *box;
}

TEST(AsyncTask, MoveOnlyResultsPassThrough) {
  EXPECT_EQ(sync_wait(unboxed()), 7);
  const std::unique_ptr<int> box = sync_wait(boxed(9));
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(*box, 9);
}

Task<int> leaf_on(ThreadPool& pool, FrameCounter::Probe /*frame*/, int value) {
  co_await pool.schedule();
  co_return value;
}

Task<int> middle_on(ThreadPool& pool, FrameCounter& frames, FrameCounter::Probe /*frame*/) {
  const int a = co_await leaf_on(pool, frames.probe(), 1);
  co_await pool.schedule();
  const int b = co_await leaf_on(pool, frames.probe(), 2);
  co_return a + b;
}

Task<int> throws_on(ThreadPool& pool, FrameCounter::Probe /*frame*/) {
  co_await pool.schedule();
  throw std::runtime_error("from a worker");
}

TEST(AsyncTask, NoTaskFrameOutlivesSyncWait) {
  ThreadPool pool(2);
  FrameCounter frames;
  for (int round = 0; round < 200; ++round) {
    ASSERT_EQ(sync_wait(middle_on(pool, frames, frames.probe())), 3);
    ASSERT_EQ(frames.live(), 0) << "round " << round
                                << ": a task frame still exists after sync_wait returned";
    ASSERT_THROW(sync_wait(throws_on(pool, frames.probe())), std::runtime_error);
    ASSERT_EQ(frames.live(), 0) << "round " << round
                                << ": the frame of a task that threw outlived sync_wait";
  }
}

Task<int> ready_value(int value) {
  co_return value;
}

Task<long> long_chain(int steps) {
  long sum = 0;
  for (int i = 0; i < steps; ++i) {
    sum += co_await ready_value(1);
  }
  co_return sum;
}

Task<void> nested(int depth, long& reached) {
  if (depth > 0) {
    co_await nested(depth - 1, reached);
  }
  ++reached;
}

// A million awaits of tasks that complete at once: with symmetric transfer each completion
// returns the continuation's handle and the stack stays flat; resuming the continuation
// from inside the finishing task grows the stack by a few frames per await and overflows.
TEST(AsyncTask, AMillionSynchronousCompletionsDoNotGrowTheStack) {
  constexpr int kSteps = 1'000'000;
  EXPECT_EQ(sync_wait(long_chain(kSteps)), kSteps);
  long reached = 0;
  sync_wait(nested(2000, reached));
  EXPECT_EQ(reached, 2001);
}

}  // namespace
}  // namespace lockstep::async
