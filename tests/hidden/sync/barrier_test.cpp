// Barrier: reusable phase after phase, a completion step that runs once per phase and
// sees every arrival, and arrive_and_drop.

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "sync_test_support.hpp"

namespace lockstep::sync {
namespace {

using sync_test::Probe;

TEST(SyncBarrier, RejectsAnEmptyGroupAndRunsAloneWithOneThread) {
  EXPECT_THROW(Barrier(0), std::invalid_argument);
  int completions = 0;
  Barrier barrier(1, [&] { ++completions; });
  for (int phase = 0; phase < 5; ++phase) {
    barrier.arrive_and_wait();  // the only thread: never blocks
  }
  EXPECT_EQ(completions, 5);
}

TEST(SyncBarrier, LastArrivalReleasesEveryWaiter) {
  constexpr std::size_t kWaiters = 3;
  Barrier barrier(static_cast<std::ptrdiff_t>(kWaiters + 1));
  std::vector<std::unique_ptr<Probe>> waiters;
  waiters.reserve(kWaiters);
  for (std::size_t i = 0; i < kWaiters; ++i) {
    waiters.push_back(std::make_unique<Probe>([&] { barrier.arrive_and_wait(); }));
  }
  for (auto& waiter : waiters) {
    waiter->wait_until_blocked();
    EXPECT_FALSE(waiter->finished()) << "arrive_and_wait returned before everyone arrived";
  }
  barrier.arrive_and_wait();
  for (auto& waiter : waiters) {
    waiter->join();  // a waiter nobody wakes hangs here
  }
}

// Reuse: the same threads go through thousands of phases. Each writes its phase number
// into a slot (plain memory, two sets used in turn) before arriving and reads everybody's
// after: a thread let through early, or a waiter confused by a fast thread that already
// arrived at the next phase, shows up here, as a wrong slot or as a hang.
TEST(SyncBarrier, ManyPhasesKeepEveryThreadInStep) {
  constexpr std::size_t kThreads = 4;
  const std::size_t phases = stress::scaled(4000);
  const std::uint64_t seed = stress::seed();
  Barrier barrier(static_cast<std::ptrdiff_t>(kThreads));
  std::array<std::vector<std::size_t>, 2> slots{std::vector<std::size_t>(kThreads, 0),
                                                std::vector<std::size_t>(kThreads, 0)};
  std::atomic<std::size_t> out_of_step{0};
  stress::run_threads(kThreads, [&](std::size_t index) {
    stress::Noise noise(seed ^ (index * 0x9e3779b97f4a7c15ULL), 20);
    for (std::size_t phase = 1; phase <= phases; ++phase) {
      auto& mine = slots.at(phase % 2);
      mine[index] = phase;
      noise();
      barrier.arrive_and_wait();
      for (std::size_t other = 0; other < kThreads; ++other) {
        if (mine[other] != phase) {
          out_of_step.fetch_add(1);
        }
      }
    }
  });
  EXPECT_EQ(out_of_step.load(), 0U) << "a thread left a phase before all had arrived";
}

// The completion runs once per phase, after every arrival (it sees each thread's write for
// the phase) and before anyone is released (each thread sees what it wrote).
TEST(SyncBarrier, CompletionRunsOncePerPhaseAndSeesEveryArrival) {
  constexpr std::size_t kThreads = 3;
  const std::size_t phases = stress::scaled(2000);
  std::vector<std::size_t> slots(kThreads, 0);  // written by each thread before arriving
  std::size_t completions = 0;                  // written only by the completion
  std::size_t missed_arrivals = 0;              // written only by the completion
  std::size_t published = 0;                    // written by the completion, read by all
  Barrier barrier(static_cast<std::ptrdiff_t>(kThreads), [&] {
    ++completions;
    if (completions % 2 == 0) {
      return;  // the second barrier of each round
    }
    const std::size_t phase = (completions + 1) / 2;
    for (const auto slot : slots) {
      if (slot != phase) {
        ++missed_arrivals;
      }
    }
    published = phase;
  });
  std::atomic<std::size_t> stale{0};
  stress::run_threads(kThreads, [&](std::size_t index) {
    for (std::size_t phase = 1; phase <= phases; ++phase) {
      slots[index] = phase;
      barrier.arrive_and_wait();
      if (published != phase) {
        stale.fetch_add(1);
      }
      barrier.arrive_and_wait();  // nobody writes a slot before all have read `published`
    }
  });
  EXPECT_EQ(completions, 2 * phases) << "the completion must run exactly once per phase";
  EXPECT_EQ(missed_arrivals, 0U) << "the completion ran before every thread had arrived";
  EXPECT_EQ(stale.load(), 0U) << "a thread was released before the completion had run";
}

TEST(SyncBarrier, ArriveAndDropShrinksTheGroup) {
  constexpr std::size_t kStaying = 2;
  const std::size_t phases = stress::scaled(1000);
  std::size_t completions = 0;  // written only by the completion
  Barrier barrier(static_cast<std::ptrdiff_t>(kStaying + 1), [&] { ++completions; });
  stress::run_threads(kStaying + 1, [&](std::size_t index) {
    if (index == kStaying) {
      barrier.arrive_and_drop();  // arrives at phase 1 and leaves; never waits
      return;
    }
    for (std::size_t phase = 0; phase < phases; ++phase) {
      barrier.arrive_and_wait();  // later phases need only the threads that stayed
    }
  });
  EXPECT_EQ(completions, phases);
}

TEST(SyncBarrier, ADropCanCompleteThePhaseItArrivesAt) {
  Barrier barrier(2);
  Probe waiter([&] {
    barrier.arrive_and_wait();
    barrier.arrive_and_wait();  // alone in the group now: returns at once
  });
  waiter.wait_until_blocked();
  EXPECT_FALSE(waiter.finished()) << "arrive_and_wait returned before everyone arrived";
  barrier.arrive_and_drop();
  waiter.join();  // a drop that does not complete the phase hangs here
}

}  // namespace
}  // namespace lockstep::sync
