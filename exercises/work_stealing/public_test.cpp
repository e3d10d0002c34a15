// Public tests: a first check of the basics. The hidden tests go much further (concurrent
// steals, growth, real stealing between workers, sleeping, shutdown); see README.md.

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <optional>
#include <stdexcept>
#include <vector>

#include <work_stealing.hpp>

namespace lockstep::work_stealing {
namespace {

TEST(WorkStealingPublic, OwnerPopsLifoAndThiefStealsFifo) {
  WorkStealingDeque<int> deque;
  deque.push(1);
  deque.push(2);
  deque.push(3);
  EXPECT_EQ(deque.pop(), 3);
  EXPECT_EQ(deque.steal(), 1);
  EXPECT_EQ(deque.pop(), 2);
  EXPECT_EQ(deque.pop(), std::nullopt);
  EXPECT_EQ(deque.steal(), std::nullopt);
}

TEST(WorkStealingPublic, SubmitReturnsTheResultThroughTheFuture) {
  ThreadPool pool(2);
  std::future<int> answer = pool.submit([] { return 6 * 7; });
  EXPECT_EQ(answer.get(), 42);
}

TEST(WorkStealingPublic, AnExceptionInATaskReachesItsFuture) {
  ThreadPool pool(2);
  std::future<void> failing = pool.submit([] { throw std::runtime_error("boom"); });
  EXPECT_THROW(failing.get(), std::runtime_error);
}

int fib(ThreadPool& pool, int n) {
  if (n < 2) {
    return n;
  }
  std::future<int> left = pool.submit([&pool, n] { return fib(pool, n - 1); });
  const int right = fib(pool, n - 2);
  return pool.wait(std::move(left)) + right;
}

TEST(WorkStealingPublic, ATaskCanWaitForTheTasksItForks) {
  ThreadPool pool(2);
  std::future<int> result = pool.submit([&pool] { return fib(pool, 12); });
  EXPECT_EQ(pool.wait(std::move(result)), 144);
}

TEST(WorkStealingPublic, WaitIdleWaitsForEveryTask) {
  ThreadPool pool(2);
  std::atomic<int> done{0};
  std::vector<std::future<void>> futures;
  futures.reserve(100);
  for (int i = 0; i < 100; ++i) {
    futures.push_back(pool.submit([&done] { done.fetch_add(1); }));
  }
  pool.wait_idle();
  EXPECT_EQ(done.load(), 100);
}

}  // namespace
}  // namespace lockstep::work_stealing
