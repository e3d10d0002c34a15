// Many callers at once: exactly K trials get in when 32 threads race in half-open, f runs
// outside any lock, counters are exact, transitions balance, throwing trials never leak
// their slots. Oracles are checked after the threads have joined.

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "circuit_breaker_test_support.hpp"

namespace lockstep::circuit_breaker {
namespace {

using namespace circuit_breaker_test;  // NOLINT(google-build-using-namespace): test helpers
using std::chrono::steady_clock;

// A bound far beyond any scheduling delay: it only turns a hang into a failure message.
constexpr std::chrono::seconds kGiveUp{10};

std::size_t index_of(State state) {
  return static_cast<std::size_t>(state);
}

class CircuitBreakerTrials : public testing::TestWithParam<std::uint32_t> {};

TEST_P(CircuitBreakerTrials, ExactlyKTrialsAreAdmittedWhen32ThreadsRace) {
  constexpr std::size_t kRacers = 32;
  const std::uint32_t trials = GetParam();
  const std::size_t rounds = stress::scaled(16);
  for (std::size_t round = 0; round < rounds; ++round) {
    ManualClock clock;
    Breaker breaker(Config{.failure_threshold = 1,
                           .open_duration = kCoolDown,
                           .half_open_trials = trials,
                           .success_threshold = trials},
                    clock);
    trip(breaker, 1);
    clock.advance(kCoolDown);
    ASSERT_EQ(breaker.state(), State::half_open);
    std::atomic<std::size_t> admitted{0};
    std::atomic<std::size_t> rejected{0};
    std::atomic<bool> release{false};
    // Racers 0..31 call at once; each admitted trial stays inside f until every racer has
    // been admitted or rejected, so no slot frees up during the race. Thread 32 releases.
    stress::run_threads(kRacers + 1, [&](std::size_t index) {
      if (index == kRacers) {
        const auto give_up = steady_clock::now() + kGiveUp;
        while (admitted.load() + rejected.load() < kRacers && steady_clock::now() < give_up) {
          std::this_thread::yield();
        }
        release.store(true);
        return;
      }
      try {
        breaker.call([&] {
          admitted.fetch_add(1);
          while (!release.load()) {
            std::this_thread::yield();
          }
        });
      } catch (const CircuitOpen&) {
        rejected.fetch_add(1);
      }
    });
    ASSERT_EQ(admitted.load(), trials) << "round " << round << ": " << admitted.load()
                                       << " trials ran at once with half_open_trials " << trials;
    ASSERT_EQ(rejected.load(), kRacers - trials) << "round " << round;
    const Metrics metrics = breaker.metrics();
    EXPECT_EQ(metrics.successes, trials);
    EXPECT_EQ(metrics.rejections, kRacers - trials);
    EXPECT_EQ(breaker.state(), State::closed) << "all " << trials << " trials succeeded";
  }
}

INSTANTIATE_TEST_SUITE_P(Slots, CircuitBreakerTrials, testing::Values(1U, 3U),
                         [](const testing::TestParamInfo<std::uint32_t>& param_info) {
                           return "k" + std::to_string(param_info.param);
                         });

TEST(CircuitBreakerConcurrency, ClosedCallsRunFAtTheSameTime) {
  constexpr std::size_t kCallers = 4;
  Breaker breaker(Config{}, ManualClock{});
  std::atomic<std::size_t> inside{0};
  std::atomic<bool> gave_up{false};
  // Each f waits until all callers are inside f together: impossible if the breaker
  // holds a lock while f runs.
  stress::run_threads(kCallers, [&](std::size_t /*index*/) {
    breaker.call([&] {
      inside.fetch_add(1);
      const auto give_up = steady_clock::now() + kGiveUp;
      while (inside.load() < kCallers && !gave_up.load()) {
        if (steady_clock::now() > give_up) {
          gave_up.store(true);
        }
        std::this_thread::yield();
      }
    });
  });
  EXPECT_FALSE(gave_up.load()) << "closed calls could not run f at the same time: is a lock held "
                                  "while f runs?";
  EXPECT_EQ(breaker.metrics().successes, kCallers);
}

// Workers call through a breaker whose dependency fails 30 % of the time and now and then
// move the manual clock on, so the breaker cycles through all its states while they call.
TEST(CircuitBreakerConcurrency, CountersAreExactAndTransitionsBalance) {
  constexpr std::size_t kWorkers = 6;
  const std::size_t calls_per_worker = stress::scaled(12000) / kWorkers;
  const std::uint64_t seed = stress::seed();
  ManualClock clock;
  std::array<std::atomic<std::uint64_t>, 3> entered{};
  std::array<std::atomic<std::uint64_t>, 3> left{};
  Breaker breaker(Config{.failure_threshold = 3,
                         .open_duration = kCoolDown,
                         .half_open_trials = 2,
                         .success_threshold = 2,
                         .on_transition =
                             [&](State from, State to) {
                               left.at(index_of(from)).fetch_add(1);
                               entered.at(index_of(to)).fetch_add(1);
                             }},
                  clock);
  struct Tally {
    std::uint64_t returned = 0;
    std::uint64_t threw = 0;
    std::uint64_t rejected = 0;
    std::uint64_t f_runs = 0;
  };
  std::vector<Tally> tallies(kWorkers);

  stress::run_threads(kWorkers, [&](std::size_t index) {
    stress::Rng rng(seed + index);
    stress::Noise noise(seed ^ (index * 0x9e3779b97f4a7c15ULL), 20);
    Tally& tally = tallies[index];
    for (std::size_t i = 0; i < calls_per_worker; ++i) {
      if (rng.chance(50)) {
        clock.advance(kCoolDown / 2);
      }
      const bool fails = rng.chance(300);
      try {
        const int result = breaker.call([&] {
          ++tally.f_runs;
          if (fails) {
            throw DependencyDown(static_cast<int>(index));
          }
          return static_cast<int>(i);
        });
        EXPECT_EQ(result, static_cast<int>(i));
        ++tally.returned;
      } catch (const DependencyDown& error) {
        EXPECT_EQ(error.code, static_cast<int>(index));
        ++tally.threw;
      } catch (const CircuitOpen&) {
        ++tally.rejected;
      }
      noise();
    }
  });

  Tally total;
  for (const Tally& tally : tallies) {
    total.returned += tally.returned;
    total.threw += tally.threw;
    total.rejected += tally.rejected;
    total.f_runs += tally.f_runs;
  }
  const State final_state = breaker.state();
  const Metrics metrics = breaker.metrics();
  EXPECT_EQ(total.f_runs, total.returned + total.threw) << "f ran for a rejected call";
  EXPECT_EQ(metrics.successes, total.returned);
  EXPECT_EQ(metrics.failures, total.threw);
  EXPECT_EQ(metrics.rejections, total.rejected);
  std::uint64_t callbacks = 0;
  for (const State state : {State::closed, State::open, State::half_open}) {
    const auto in = static_cast<std::int64_t>(entered.at(index_of(state)).load());
    const auto out = static_cast<std::int64_t>(left.at(index_of(state)).load());
    callbacks += static_cast<std::uint64_t>(in);
    const std::int64_t expected = (final_state == state ? 1 : 0) - (state == State::closed ? 1 : 0);
    EXPECT_EQ(in - out, expected) << "state " << state << " entered " << in << " times, left "
                                  << out << " times, final state " << final_state;
  }
  EXPECT_EQ(metrics.transitions, callbacks) << "every transition calls the callback once";
  EXPECT_GT(entered.at(index_of(State::open)).load(), 0U) << "the test never opened the breaker";
}

TEST(CircuitBreakerConcurrency, ThrowingTrialsNeverLeakTheirSlots) {
  constexpr std::size_t kWorkers = 4;
  const std::size_t calls_per_worker = stress::scaled(8000) / kWorkers;
  const std::uint64_t seed = stress::seed();
  ManualClock clock;
  Breaker breaker(Config{.failure_threshold = 1,
                         .open_duration = kCoolDown,
                         .half_open_trials = 2,
                         .success_threshold = 3},
                  clock);
  stress::run_threads(kWorkers, [&](std::size_t index) {
    stress::Rng rng(seed + index);
    for (std::size_t i = 0; i < calls_per_worker; ++i) {
      if (rng.chance(100)) {
        clock.advance(kCoolDown);  // the next call may find the breaker half-open
      }
      const bool fails = rng.chance(500);
      try {
        breaker.call([fails] {
          if (fails) {
            throw DependencyDown(0);
          }
        });
      } catch (const DependencyDown&) {  // NOLINT(bugprone-empty-catch): expected
      } catch (const CircuitOpen&) {     // NOLINT(bugprone-empty-catch): expected
      }
    }
  });
  ASSERT_GT(breaker.metrics().transitions, 2U) << "the test never reached half-open";
  // Nobody is inside the breaker now, so both trial slots must be free: bring it to
  // half-open and run two trials at once.
  if (breaker.state() != State::open) {
    if (breaker.state() == State::half_open) {
      fail_once(breaker);
    } else {
      trip(breaker, 1);
    }
  }
  ASSERT_EQ(breaker.state(), State::open);
  clock.advance(kCoolDown);
  ASSERT_EQ(breaker.state(), State::half_open);
  bool both_ran = false;
  try {
    breaker.call([&] { breaker.call([&] { both_ran = true; }); });
  } catch (const CircuitOpen&) {
    ADD_FAILURE() << "a trial was rejected with no trial running: a throwing trial leaked its "
                     "slot";
  }
  EXPECT_TRUE(both_ran);
}

}  // namespace
}  // namespace lockstep::circuit_breaker
