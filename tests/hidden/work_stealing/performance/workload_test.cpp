// The work-stealing pool's performance workload (DESIGN 7.8): the grader times this test in
// the release build against the reference's and scores the ratio. Each round starts a pool
// of 2 workers (on one CPU, like every thread of the round), runs fork-join fib with a
// sequential cutoff eight times (tasks fork onto their own worker's deque, pool.wait helps,
// an idle worker steals), then 60 bursts of 24 tiny tasks from one outside submitter, each
// burst waited for before the next. Every fork-join and every burst starts on a pool whose
// workers have gone idle, so besides the cost of submit, pop, steal and the helping wait,
// the time goes into waking sleeping workers: a pool whose idle workers poll (nap, look
// again) or spin pays for it on every one of those hand-offs.

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <future>
#include <utility>
#include <vector>

#include <lockstep/performance.hpp>
#include <work_stealing.hpp>

namespace lockstep::work_stealing {
namespace {

constexpr std::size_t kRounds = 5;
constexpr std::size_t kWorkers = 2;
constexpr int kFibN = 25;
constexpr int kFibCutoff = 12;  // below it a task computes sequentially
constexpr int kForkJoins = 8;   // fork-join computations per round, each from outside
constexpr std::int64_t kBursts = 60;
constexpr std::int64_t kBurstSize = 24;

std::int64_t fib_sequential(int n) {
  return n < 2 ? n : fib_sequential(n - 1) + fib_sequential(n - 2);
}

// Forks fib(n - 1) onto the running worker's deque, computes fib(n - 2) itself, then
// helps in pool.wait until the forked half is done (or an idle worker stole it).
std::int64_t fib_fork_join(ThreadPool& pool, int n) {
  if (n < kFibCutoff) {
    return fib_sequential(n);
  }
  std::future<std::int64_t> left = pool.submit([&pool, n] { return fib_fork_join(pool, n - 1); });
  const std::int64_t right = fib_fork_join(pool, n - 2);
  return pool.wait(std::move(left)) + right;
}

std::int64_t fib_iterative(int n) {
  std::int64_t a = 0;
  std::int64_t b = 1;
  for (int i = 0; i < n; ++i) {
    const std::int64_t next = a + b;
    a = b;
    b = next;
  }
  return a;
}

TEST(WorkStealingPerformance, ForkJoinFibAndBurstsOfTinyTasksOnTwoWorkers) {
  const std::int64_t expected_fib = fib_iterative(kFibN);
  performance::time_rounds(kRounds, [expected_fib] {
    ThreadPool pool(kWorkers);  // its workers start here: pinned like this thread

    for (int i = 0; i < kForkJoins; ++i) {
      std::future<std::int64_t> result =
          pool.submit([&pool] { return fib_fork_join(pool, kFibN); });
      EXPECT_EQ(pool.wait(std::move(result)), expected_fib) << "fork-join " << i;
    }

    std::atomic<std::int64_t> runs{0};
    std::int64_t sum = 0;
    std::vector<std::future<std::int64_t>> burst;
    burst.reserve(static_cast<std::size_t>(kBurstSize));
    for (std::int64_t b = 0; b < kBursts; ++b) {
      burst.clear();
      for (std::int64_t i = 0; i < kBurstSize; ++i) {
        const std::int64_t value = b * kBurstSize + i + 1;
        burst.push_back(pool.submit([&runs, value] {
          runs.fetch_add(1, std::memory_order_relaxed);
          return value;
        }));
      }
      for (auto& f : burst) {
        sum += pool.wait(std::move(f));
      }
    }
    pool.wait_idle();
    // Correct results are part of the workload: a fast pool that loses or repeats tasks
    // earns nothing.
    constexpr std::int64_t kTiny = kBursts * kBurstSize;
    EXPECT_EQ(runs.load(), kTiny);
    EXPECT_EQ(sum, kTiny * (kTiny + 1) / 2);
  });
}

}  // namespace
}  // namespace lockstep::work_stealing
