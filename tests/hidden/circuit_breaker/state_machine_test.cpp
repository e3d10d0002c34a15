// The whole state machine, one step at a time, under a manual clock: when the breaker
// opens, how long it stays open, how half-open admits and decides, what closing resets,
// and which calls are allowed to decide anything at all.

#include <gtest/gtest.h>

#include <chrono>
#include <utility>
#include <vector>

#include "circuit_breaker_test_support.hpp"

namespace lockstep::circuit_breaker {
namespace {

using namespace circuit_breaker_test;  // NOLINT(google-build-using-namespace): test helpers
using std::chrono::nanoseconds;

TEST(CircuitBreakerStateMachine, ASuccessResetsTheConsecutiveFailureCount) {
  Breaker breaker(Config{.failure_threshold = 3}, ManualClock{});
  for (int round = 0; round < 3; ++round) {
    fail_once(breaker);
    fail_once(breaker);
    succeed_once(breaker);
  }
  EXPECT_EQ(breaker.state(), State::closed) << "failures with a success between are not in a row";
  fail_once(breaker);
  fail_once(breaker);
  EXPECT_EQ(breaker.state(), State::closed);
  fail_once(breaker);
  EXPECT_EQ(breaker.state(), State::open);
}

TEST(CircuitBreakerStateMachine, StaysOpenUntilTheCoolDownHasFullyPassed) {
  ManualClock clock;
  Breaker breaker(Config{.failure_threshold = 2, .open_duration = kCoolDown}, clock);
  trip(breaker, 2);
  ASSERT_EQ(breaker.state(), State::open);
  clock.advance(kCoolDown - nanoseconds(1));
  EXPECT_TRUE(is_rejected(breaker)) << "admitted a call 1 ns before the cool-down ended";
  EXPECT_EQ(breaker.state(), State::open);
  clock.advance(nanoseconds(1));
  EXPECT_EQ(breaker.state(), State::half_open) << "the cool-down ends at open time + open_duration";
}

TEST(CircuitBreakerStateMachine, TheFirstCallAfterTheCoolDownIsATrial) {
  ManualClock clock;
  Breaker breaker(Config{.failure_threshold = 1, .open_duration = kCoolDown}, clock);
  trip(breaker, 1);
  clock.advance(kCoolDown);
  // No state() in between: the call itself must notice that the cool-down is over.
  succeed_once(breaker);
  EXPECT_EQ(breaker.state(), State::closed);
}

TEST(CircuitBreakerStateMachine, ClosingTakesSuccessThresholdTrialSuccesses) {
  ManualClock clock;
  Breaker breaker(
      Config{.failure_threshold = 1, .open_duration = kCoolDown, .success_threshold = 3}, clock);
  trip(breaker, 1);
  clock.advance(kCoolDown);
  succeed_once(breaker);
  EXPECT_EQ(breaker.state(), State::half_open) << "closed after 1 of 3 trial successes";
  succeed_once(breaker);
  EXPECT_EQ(breaker.state(), State::half_open) << "closed after 2 of 3 trial successes";
  succeed_once(breaker);
  EXPECT_EQ(breaker.state(), State::closed);
}

TEST(CircuitBreakerStateMachine, ATrialFailureReopensForAFullCoolDown) {
  ManualClock clock;
  Breaker breaker(
      Config{.failure_threshold = 1, .open_duration = kCoolDown, .success_threshold = 2}, clock);
  trip(breaker, 1);
  clock.advance(kCoolDown);
  succeed_once(breaker);
  ASSERT_EQ(breaker.state(), State::half_open);
  clock.advance(std::chrono::seconds(3));
  fail_once(breaker);
  EXPECT_EQ(breaker.state(), State::open) << "a failed trial must reopen the breaker";
  clock.advance(kCoolDown - nanoseconds(1));
  EXPECT_TRUE(is_rejected(breaker)) << "the cool-down restarts when a trial fails";
  clock.advance(nanoseconds(1));
  EXPECT_EQ(breaker.state(), State::half_open);
  // A new half-open period starts counting trial successes from zero.
  succeed_once(breaker);
  EXPECT_EQ(breaker.state(), State::half_open) << "trial successes of the last period carried over";
  succeed_once(breaker);
  EXPECT_EQ(breaker.state(), State::closed);
}

TEST(CircuitBreakerStateMachine, FailureCountStartsAfreshAfterClosing) {
  ManualClock clock;
  Breaker breaker(Config{.failure_threshold = 3, .open_duration = kCoolDown}, clock);
  trip(breaker, 3);
  clock.advance(kCoolDown);
  succeed_once(breaker);
  ASSERT_EQ(breaker.state(), State::closed);
  fail_once(breaker);
  fail_once(breaker);
  EXPECT_EQ(breaker.state(), State::closed)
      << "opened after 2 failures: the failures from before the last opening still counted";
  fail_once(breaker);
  EXPECT_EQ(breaker.state(), State::open);
}

TEST(CircuitBreakerStateMachine, HalfOpenRunsAtMostKTrialsAtOnce) {
  ManualClock clock;
  Breaker breaker(Config{.failure_threshold = 1,
                         .open_duration = kCoolDown,
                         .half_open_trials = 2,
                         .success_threshold = 10},
                  clock);
  trip(breaker, 1);
  clock.advance(kCoolDown);
  ASSERT_EQ(breaker.state(), State::half_open);
  // Trials nested inside one another are running at the same time: two fit, the third not.
  bool third_rejected = false;
  breaker.call([&] { breaker.call([&] { third_rejected = is_rejected(breaker); }); });
  EXPECT_TRUE(third_rejected) << "a third trial ran while two were running (half_open_trials 2)";
  EXPECT_EQ(breaker.state(), State::half_open);
  // Both slots are free again.
  bool second_admitted = false;
  breaker.call([&] { breaker.call([&] { second_admitted = true; }); });
  EXPECT_TRUE(second_admitted) << "trial slots were not freed when the trials returned";
  const Metrics metrics = breaker.metrics();
  EXPECT_EQ(metrics.rejections, 1U);
  EXPECT_EQ(metrics.successes, 4U);
}

TEST(CircuitBreakerStateMachine, AThrowingTrialFreesItsSlot) {
  ManualClock clock;
  Breaker breaker(Config{.failure_threshold = 1,
                         .open_duration = kCoolDown,
                         .half_open_trials = 1,
                         .success_threshold = 2},
                  clock);
  trip(breaker, 1);
  for (int round = 0; round < 3; ++round) {
    clock.advance(kCoolDown);
    fail_once(breaker);  // the only trial slot's call throws
    ASSERT_EQ(breaker.state(), State::open);
  }
  clock.advance(kCoolDown);
  succeed_once(breaker);
  succeed_once(breaker);
  EXPECT_EQ(breaker.state(), State::closed) << "a trial slot stayed taken after its f threw";
}

TEST(CircuitBreakerStateMachine, ACallFromAnEarlierPeriodDecidesNothing) {
  ManualClock clock;
  Breaker breaker(Config{.failure_threshold = 2, .open_duration = kCoolDown}, clock);
  // This closed call is still inside f while the breaker opens and its cool-down passes.
  breaker.call([&] {
    trip(breaker, 2);
    clock.advance(kCoolDown);
    EXPECT_EQ(breaker.state(), State::half_open);
  });
  EXPECT_EQ(breaker.state(), State::half_open)
      << "a call admitted while closed closed a half-open breaker without being a trial";
  // And a closed call that fails late does not reopen a breaker that closed meanwhile.
  succeed_once(breaker);
  ASSERT_EQ(breaker.state(), State::closed);
  EXPECT_THROW(breaker.call([&]() -> int {
    trip(breaker, 2);
    clock.advance(kCoolDown);
    succeed_once(breaker);  // the trial that closes it
    EXPECT_EQ(breaker.state(), State::closed);
    fail_once(breaker);  // one failure in the new closed period
    throw DependencyDown(2);
  }),
               DependencyDown);
  EXPECT_EQ(breaker.state(), State::closed)
      << "a failure from the previous closed period counted towards the new one";
}

TEST(CircuitBreakerStateMachine, TransitionsAreReportedInOrderAndCounted) {
  ManualClock clock;
  TransitionLog log;
  Breaker breaker(
      Config{.failure_threshold = 1, .open_duration = kCoolDown, .on_transition = log.callback()},
      clock);
  trip(breaker, 1);
  clock.advance(kCoolDown);
  fail_once(breaker);
  clock.advance(kCoolDown);
  succeed_once(breaker);
  const std::vector<std::pair<State, State>> expected = {
      {State::closed, State::open},      {State::open, State::half_open},
      {State::half_open, State::open},   {State::open, State::half_open},
      {State::half_open, State::closed},
  };
  EXPECT_EQ(log.entries(), expected);
  EXPECT_EQ(breaker.metrics().transitions, 5U);
}

}  // namespace
}  // namespace lockstep::circuit_breaker
