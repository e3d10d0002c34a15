// Public tests: a first check of the basics. The hidden tests go much further (the whole
// state machine, the failure-rate window, 32 threads racing for trial slots, re-entrant
// callbacks, exact counters under concurrency, sanitizers); see README.md.

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include <circuit_breaker.hpp>
#include <lockstep/manual_clock.hpp>

namespace lockstep::circuit_breaker {
namespace {

using Breaker = CircuitBreaker<ManualClock>;

TEST(CircuitBreakerPublic, ClosedCallReturnsWhatFReturns) {
  Breaker breaker(Config{}, ManualClock{});
  EXPECT_EQ(breaker.call([] { return std::string("pong"); }), "pong");
  EXPECT_TRUE(breaker.state() == State::closed);
}

TEST(CircuitBreakerPublic, ExceptionFromFReachesTheCallerUnchanged) {
  Breaker breaker(Config{}, ManualClock{});
  try {
    breaker.call([]() -> int { throw std::out_of_range("no such key"); });
    ADD_FAILURE() << "the exception from f did not reach the caller";
  } catch (const std::out_of_range& error) {
    EXPECT_STREQ(error.what(), "no such key");
  }
}

TEST(CircuitBreakerPublic, OpensAfterThresholdConsecutiveFailuresAndRejects) {
  Breaker breaker(Config{.failure_threshold = 3}, ManualClock{});
  auto failing = []() -> int { throw std::runtime_error("down"); };
  for (int i = 0; i < 2; ++i) {
    EXPECT_THROW(breaker.call(failing), std::runtime_error);
    EXPECT_TRUE(breaker.state() == State::closed) << "opened after " << i + 1 << " failures";
  }
  EXPECT_THROW(breaker.call(failing), std::runtime_error);
  EXPECT_TRUE(breaker.state() == State::open) << "still closed after 3 failures in a row";
  bool ran = false;
  EXPECT_THROW(breaker.call([&ran] { ran = true; }), CircuitOpen);
  EXPECT_FALSE(ran) << "an open breaker must not run f";
}

TEST(CircuitBreakerPublic, AfterTheCoolDownASuccessfulTrialCloses) {
  ManualClock clock;
  Breaker breaker(Config{.failure_threshold = 1, .open_duration = std::chrono::seconds(5)}, clock);
  EXPECT_THROW(breaker.call([]() -> int { throw std::runtime_error("down"); }), std::runtime_error);
  ASSERT_TRUE(breaker.state() == State::open);
  clock.advance(std::chrono::seconds(5));
  EXPECT_TRUE(breaker.state() == State::half_open) << "the cool-down has passed";
  EXPECT_EQ(breaker.call([] { return 1; }), 1);
  EXPECT_TRUE(breaker.state() == State::closed) << "one trial success closes (success_threshold 1)";
}

TEST(CircuitBreakerPublic, MetricsCountSuccessesFailuresAndRejections) {
  Breaker breaker(Config{.failure_threshold = 2}, ManualClock{});
  breaker.call([] {});
  breaker.call([] {});
  for (int i = 0; i < 2; ++i) {
    EXPECT_THROW(breaker.call([] { throw std::runtime_error("down"); }), std::runtime_error);
  }
  EXPECT_THROW(breaker.call([] {}), CircuitOpen);
  const Metrics metrics = breaker.metrics();
  EXPECT_EQ(metrics.successes, 2U);
  EXPECT_EQ(metrics.failures, 2U);
  EXPECT_EQ(metrics.rejections, 1U);
  EXPECT_EQ(metrics.transitions, 1U) << "closed -> open";
}

}  // namespace
}  // namespace lockstep::circuit_breaker
