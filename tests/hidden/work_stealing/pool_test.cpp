// The pool's promises: results and exceptions reach their futures, fork-join with helping
// waits, and wait_idle.

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <lockstep/stress.hpp>
#include <work_stealing.hpp>

#include "work_stealing_test_support.hpp"

namespace lockstep::work_stealing {
namespace {

TEST(ThreadPoolBasics, ZeroThreadsAreRejected) {
  EXPECT_THROW(ThreadPool(0), std::invalid_argument);
}

TEST(ThreadPoolBasics, EveryTaskSubmittedFromOutsideReturnsItsOwnResult) {
  constexpr int kTasks = 2000;
  ThreadPool pool(3);
  EXPECT_EQ(pool.size(), 3U);
  std::vector<std::future<int>> futures;
  futures.reserve(kTasks);
  for (int i = 0; i < kTasks; ++i) {
    futures.push_back(pool.submit([i] { return i * 3; }));
  }
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_EQ(futures[static_cast<std::size_t>(i)].get(), i * 3);
  }
}

TEST(ThreadPoolBasics, AnExceptionReachesItsFutureAndThePoolKeepsWorking) {
  ThreadPool pool(2);
  std::future<int> failing = pool.submit([]() -> int { throw std::out_of_range("task 1"); });
  std::future<std::string> fine = pool.submit([] { return std::string("still working"); });
  EXPECT_THROW(failing.get(), std::out_of_range);
  EXPECT_EQ(fine.get(), "still working");
  // Thrown from a forked task and rethrown by a helping wait inside another task.
  std::future<bool> outer = pool.submit([&pool] {
    std::future<void> inner = pool.submit([] { throw std::runtime_error("inner"); });
    try {
      pool.wait(std::move(inner));
    } catch (const std::runtime_error&) {
      return true;
    }
    return false;
  });
  EXPECT_TRUE(pool.wait(std::move(outer)));
}

TEST(ThreadPoolBasics, MoveOnlyCallablesAndResultsPassThrough) {
  ThreadPool pool(2);
  auto input = std::make_unique<int>(41);
  std::future<std::unique_ptr<int>> result = pool.submit([owned = std::move(input)]() mutable {
    ++*owned;
    return std::move(owned);
  });
  const std::unique_ptr<int> value = pool.wait(std::move(result));
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(*value, 42);
}

long fib(ThreadPool& pool, int n) {
  if (n < 2) {
    return n;
  }
  std::future<long> left = pool.submit([&pool, n] { return fib(pool, n - 1); });
  const long right = fib(pool, n - 2);
  return pool.wait(std::move(left)) + right;
}

long fib_sequential(int n) {
  return n < 2 ? n : fib_sequential(n - 1) + fib_sequential(n - 2);
}

// Every call forks a task and waits for it: about fib(n) tasks, each waited for by the
// task that forked it (usually on the same worker, which helps while it waits).
TEST(ThreadPoolForkJoin, RecursiveFibonacciIsCorrect) {
  // fib(25) (243 000 tasks) optimised; fewer under the sanitizers.
  const std::size_t scale = stress::scaled(4);
  const int n = scale >= 4 ? 25 : (scale >= 2 ? 22 : 20);
  ThreadPool pool(4);
  std::future<long> result = pool.submit([&pool, n] { return fib(pool, n); });
  EXPECT_EQ(pool.wait(std::move(result)), fib_sequential(n));
}

// A chain of tasks on ONE worker, each waiting for the next: only a wait that runs other
// tasks while it waits can finish it.
TEST(ThreadPoolForkJoin, NestedWaitsOnASingleWorkerDoNotDeadlock) {
  constexpr int kDepth = 200;
  ThreadPool pool(1);
  std::function<int(int)> chain = [&](int depth) -> int {
    if (depth == kDepth) {
      return depth;
    }
    return pool.wait(pool.submit([&chain, depth] { return chain(depth + 1); }));
  };
  EXPECT_EQ(pool.wait(pool.submit([&chain] { return chain(0); })), kDepth);
}

// Trees of tasks that each fork two children and wait for both, on two workers, started
// from several outside tasks at once: waits nest on both workers and across them.
int tree(ThreadPool& pool, int depth) {
  if (depth == 0) {
    return 1;
  }
  std::future<int> left = pool.submit([&pool, depth] { return tree(pool, depth - 1); });
  std::future<int> right = pool.submit([&pool, depth] { return tree(pool, depth - 1); });
  return pool.wait(std::move(left)) + pool.wait(std::move(right)) + 1;
}

TEST(ThreadPoolForkJoin, NestedWaitsAcrossWorkersDoNotDeadlock) {
  constexpr int kDepth = 9;
  constexpr int kTrees = 4;
  ThreadPool pool(2);
  std::vector<std::future<int>> trees;
  trees.reserve(kTrees);
  for (int i = 0; i < kTrees; ++i) {
    trees.push_back(pool.submit([&pool] { return tree(pool, kDepth); }));
  }
  for (auto& result : trees) {
    EXPECT_EQ(pool.wait(std::move(result)), (1 << (kDepth + 1)) - 1);
  }
}

// Tasks fork children they never wait for; wait_idle still waits for all of them.
TEST(ThreadPoolForkJoin, WaitIdleWaitsForForkedTasksToo) {
  constexpr int kRoots = 50;
  constexpr int kChildren = 20;
  ThreadPool pool(3);
  std::atomic<int> done{0};
  for (int i = 0; i < kRoots; ++i) {
    (void)pool.submit([&pool, &done] {
      for (int c = 0; c < kChildren; ++c) {
        (void)pool.submit([&pool, &done] {
          (void)pool.submit([&done] { done.fetch_add(1); });
          done.fetch_add(1);
        });
      }
      done.fetch_add(1);
    });
  }
  pool.wait_idle();
  EXPECT_EQ(done.load(), kRoots * (1 + 2 * kChildren));
  EXPECT_THROW((void)pool.wait(pool.submit([&pool] { pool.wait_idle(); })), std::logic_error)
      << "wait_idle from a task of the same pool throws std::logic_error";
}

}  // namespace
}  // namespace lockstep::work_stealing
