// call(f) itself: results and exceptions pass through unchanged, a rejection never runs
// f, configs that cannot work are refused, and the default clock is steady_clock.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include "circuit_breaker_test_support.hpp"

namespace lockstep::circuit_breaker {
namespace {

using namespace circuit_breaker_test;  // NOLINT(google-build-using-namespace): test helpers

TEST(CircuitBreakerCall, ResultsPassThroughUnchanged) {
  Breaker breaker(Config{}, ManualClock{});
  // A move-only result.
  auto owned = breaker.call([] { return std::make_unique<int>(42); });
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 42);
  // A reference result refers to the very object f returned.
  int target = 1;
  decltype(auto) ref = breaker.call([&target]() -> int& { return target; });
  static_assert(std::is_same_v<decltype(ref), int&>, "call must return f's reference type");
  ref = 5;
  EXPECT_EQ(target, 5);
  // A void f.
  bool ran = false;
  breaker.call([&ran] { ran = true; });
  EXPECT_TRUE(ran);
  EXPECT_EQ(breaker.metrics().successes, 3U);
}

TEST(CircuitBreakerCall, AnyExceptionPassesThroughAndCountsAsAFailure) {
  Breaker breaker(Config{.failure_threshold = 10}, ManualClock{});
  try {
    breaker.call([]() -> int { throw DependencyDown(503); });
    ADD_FAILURE() << "the exception from f did not reach the caller";
  } catch (const DependencyDown& error) {
    EXPECT_EQ(error.code, 503) << "the exception must reach the caller unchanged";
  }
  // Not derived from std::exception: still passed on, still a failure.
  EXPECT_THROW(breaker.call([] { throw 17; }), int);
  const Metrics metrics = breaker.metrics();
  EXPECT_EQ(metrics.failures, 2U);
  EXPECT_EQ(metrics.successes, 0U);
  EXPECT_EQ(breaker.state(), State::closed);
}

TEST(CircuitBreakerCall, ARejectedCallNeverRunsF) {
  Breaker breaker(Config{.failure_threshold = 1}, ManualClock{});
  fail_once(breaker);
  ASSERT_EQ(breaker.state(), State::open);
  int runs = 0;
  for (int i = 0; i < 5; ++i) {
    EXPECT_THROW(breaker.call([&runs] { ++runs; }), CircuitOpen);
  }
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(breaker.metrics().rejections, 5U);
  // CircuitOpen is distinct from whatever f throws, yet a std::exception.
  static_assert(std::is_base_of_v<std::exception, CircuitOpen>);
}

TEST(CircuitBreakerCall, ConfigsThatCannotWorkAreRejected) {
  EXPECT_THROW(Breaker(Config{.failure_threshold = 0}, ManualClock{}), std::invalid_argument);
  EXPECT_THROW(Breaker(Config{.mode = Mode::failure_rate, .window_size = 0}, ManualClock{}),
               std::invalid_argument);
  EXPECT_THROW(
      Breaker(Config{.mode = Mode::failure_rate, .failure_rate_percent = 0}, ManualClock{}),
      std::invalid_argument);
  EXPECT_THROW(
      Breaker(Config{.mode = Mode::failure_rate, .failure_rate_percent = 101}, ManualClock{}),
      std::invalid_argument);
  EXPECT_THROW(Breaker(Config{.half_open_trials = 0}, ManualClock{}), std::invalid_argument);
  EXPECT_THROW(Breaker(Config{.success_threshold = 0}, ManualClock{}), std::invalid_argument);
  EXPECT_THROW(Breaker(Config{.open_duration = std::chrono::seconds(-1)}, ManualClock{}),
               std::invalid_argument);
  EXPECT_NO_THROW(
      Breaker(Config{.mode = Mode::failure_rate, .window_size = 1, .failure_rate_percent = 100},
              ManualClock{}));
}

TEST(CircuitBreakerCall, TheDefaultClockIsSteadyClock) {
  // A zero cool-down ends at once on any clock, so this needs no waiting.
  CircuitBreaker<> breaker(
      Config{.failure_threshold = 1, .open_duration = std::chrono::seconds(0)});
  EXPECT_THROW(breaker.call([] { throw DependencyDown(1); }), DependencyDown);
  EXPECT_EQ(breaker.state(), State::half_open);
  EXPECT_EQ(breaker.call([] { return 3; }), 3);
  EXPECT_EQ(breaker.state(), State::closed);
}

}  // namespace
}  // namespace lockstep::circuit_breaker
