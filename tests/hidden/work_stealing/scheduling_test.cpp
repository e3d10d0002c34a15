// The pool's scheduling: work forked on one worker really runs on others, idle workers
// sleep and wake without loss, and shutdown runs everything already submitted.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <lockstep/stress.hpp>
#include <work_stealing.hpp>

#include "work_stealing_test_support.hpp"

namespace lockstep::work_stealing {
namespace {

using namespace std::chrono_literals;
using work_stealing_test::process_cpu_time;
using work_stealing_test::wait_for_flag;

// A task forks children onto its own deque and then blocks (without helping) until one of
// them has run on another thread. Only a worker that steals from another worker's deque
// can release it; a correct pool does so at once, the 10 s bound only keeps a pool that
// never steals from hanging.
TEST(ThreadPoolStealing, WorkForkedOnOneWorkerRunsOnOtherWorkers) {
  constexpr int kChildren = 16;
  ThreadPool pool(2);
  std::atomic<bool> ran_elsewhere{false};
  std::future<bool> outer = pool.submit([&pool, &ran_elsewhere] {
    const std::thread::id forker = std::this_thread::get_id();
    std::vector<std::future<std::thread::id>> children;
    children.reserve(kChildren);
    for (int i = 0; i < kChildren; ++i) {
      children.push_back(pool.submit([forker, &ran_elsewhere] {
        if (std::this_thread::get_id() != forker) {
          ran_elsewhere.store(true);
        }
        return std::this_thread::get_id();
      }));
    }
    const bool stolen = wait_for_flag(ran_elsewhere, 10s);
    for (auto& child : children) {
      (void)pool.wait(std::move(child));
    }
    return stolen;
  });
  EXPECT_TRUE(outer.get())
      << "no task forked on a worker ran on another worker within 10 s: idle workers must "
         "steal from the other workers' deques";
}

// Many forking tasks at once: every worker ends up running some of the forked work.
TEST(ThreadPoolStealing, EveryWorkerTakesPartInForkedWork) {
  constexpr std::size_t kWorkers = 3;
  ThreadPool pool(kWorkers);
  std::mutex ids_mutex;
  std::set<std::thread::id> ids;
  std::atomic<std::size_t> seen{0};
  std::atomic<bool> all_seen{false};
  // One root forks children that each record their thread and wait (bounded) until every
  // worker has recorded itself: a worker holding one of them cannot run the others, so
  // they spread over all workers.
  std::future<void> root = pool.submit([&] {
    std::vector<std::future<void>> children;
    children.reserve(kWorkers);
    for (std::size_t i = 0; i < kWorkers; ++i) {
      children.push_back(pool.submit([&] {
        {
          const std::lock_guard lock(ids_mutex);
          if (ids.insert(std::this_thread::get_id()).second) {
            if (seen.fetch_add(1) + 1 == kWorkers) {
              all_seen.store(true);
            }
          }
        }
        (void)wait_for_flag(all_seen, 10s);
      }));
    }
    {
      const std::lock_guard lock(ids_mutex);
      if (ids.insert(std::this_thread::get_id()).second) {
        if (seen.fetch_add(1) + 1 == kWorkers) {
          all_seen.store(true);
        }
      }
    }
    (void)wait_for_flag(all_seen, 10s);
    for (auto& child : children) {
      pool.wait(std::move(child));
    }
  });
  pool.wait(std::move(root));
  const std::lock_guard lock(ids_mutex);
  EXPECT_EQ(ids.size(), kWorkers) << "forked work did not reach every worker within 10 s";
}

// An idle pool's workers sleep: over 200 ms the whole process uses far less CPU than one
// spinning worker would (a generous bound; a sleeping pool uses next to none).
TEST(ThreadPoolSleep, AnIdlePoolUsesAlmostNoCpu) {
  ThreadPool pool(4);
  std::vector<std::future<int>> warm_up;
  warm_up.reserve(16);
  for (int i = 0; i < 16; ++i) {
    warm_up.push_back(pool.submit([i] { return i; }));
  }
  for (auto& f : warm_up) {
    (void)f.get();
  }
  std::this_thread::sleep_for(100ms);  // a pool may spin briefly before it sleeps
  const auto cpu_before = process_cpu_time();
  std::this_thread::sleep_for(200ms);
  const auto used = process_cpu_time() - cpu_before;
  EXPECT_LT(used, 50ms) << "an idle pool of 4 used "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(used).count()
                        << " ms of CPU in 200 ms: idle workers must sleep, not spin";
  // And it still works after the idle period.
  EXPECT_EQ(pool.submit([] { return 5; }).get(), 5);
}

// One worker, many rounds of "sleep, then one task arrives": a wake-up lost between the
// worker's last look for work and its sleep leaves the task unrun for good.
TEST(ThreadPoolSleep, ASleepingWorkerNeverMissesASubmittedTask) {
  const std::size_t rounds = stress::scaled(800);
  ThreadPool pool(1);
  stress::Noise noise(stress::seed(), 300);
  for (std::size_t round = 0; round < rounds; ++round) {
    if (round % 200 == 0) {
      std::this_thread::sleep_for(50ms);  // a long idle period: the worker is asleep
    }
    std::future<std::size_t> result = pool.submit([round] { return round; });
    ASSERT_EQ(result.wait_for(10s), std::future_status::ready)
        << "round " << round << ": a task submitted to an idle pool did not run within 10 s "
        << "(lost wakeup)";
    ASSERT_EQ(result.get(), round);
    noise();
  }
}

// Tasks submitted from many outside threads at once to a pool whose workers keep going to
// sleep: every one runs.
TEST(ThreadPoolSleep, SubmitsFromManyThreadsAllRun) {
  const std::size_t per_thread = stress::scaled(2000);
  constexpr std::size_t kSubmitters = 4;
  ThreadPool pool(2);
  std::atomic<std::size_t> done{0};
  std::vector<std::vector<std::future<void>>> futures(kSubmitters);
  stress::run_threads(kSubmitters, [&](std::size_t index) {
    stress::Noise noise(stress::seed() + index, 100);
    futures[index].reserve(per_thread);
    for (std::size_t i = 0; i < per_thread; ++i) {
      futures[index].push_back(pool.submit([&done] { done.fetch_add(1); }));
      noise();
    }
  });
  for (auto& list : futures) {
    for (auto& f : list) {
      ASSERT_EQ(f.wait_for(10s), std::future_status::ready) << "a submitted task never ran";
    }
  }
  EXPECT_EQ(done.load(), per_thread * kSubmitters);
}

// The destructor runs every task already queued, then joins.
TEST(ThreadPoolShutdown, TheDestructorRunsEveryQueuedTask) {
  constexpr int kTasks = 3000;
  std::atomic<int> done{0};
  std::vector<std::future<int>> futures;
  futures.reserve(kTasks);
  std::atomic<bool> gate{false};  // outlives the pool: its tasks read it
  {
    ThreadPool pool(2);
    // The first tasks hold both workers until everything is queued.
    for (int i = 0; i < 2; ++i) {
      futures.push_back(pool.submit([&gate, &done] {
        (void)wait_for_flag(gate, 10s);
        done.fetch_add(1);
        return 0;
      }));
    }
    for (int i = 2; i < kTasks; ++i) {
      futures.push_back(pool.submit([&done, i] {
        done.fetch_add(1);
        return i;
      }));
    }
    gate.store(true);
  }  // ~ThreadPool
  EXPECT_EQ(done.load(), kTasks) << "tasks queued before destruction were dropped";
  for (int i = 2; i < kTasks; ++i) {
    auto& f = futures[static_cast<std::size_t>(i)];
    ASSERT_EQ(f.wait_for(0s), std::future_status::ready);
    ASSERT_EQ(f.get(), i);
  }
}

// Tasks running at shutdown fork more tasks: those run too before the destructor returns.
TEST(ThreadPoolShutdown, TasksForkedDuringShutdownRunToo) {
  constexpr int kRoots = 40;
  constexpr int kChildren = 25;
  std::atomic<int> done{0};
  {
    ThreadPool pool(2);
    for (int i = 0; i < kRoots; ++i) {
      (void)pool.submit([&pool, &done] {
        std::this_thread::sleep_for(100us);  // the destructor starts while roots still run
        for (int c = 0; c < kChildren; ++c) {
          (void)pool.submit([&done] { done.fetch_add(1); });
        }
        done.fetch_add(1);
      });
    }
  }
  EXPECT_EQ(done.load(), kRoots * (1 + kChildren));
}

}  // namespace
}  // namespace lockstep::work_stealing
