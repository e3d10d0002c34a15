// The second mode: the breaker opens when at least failure_rate_percent of the last
// window_size outcomes were failures, and only once the window is full.

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "circuit_breaker_test_support.hpp"

namespace lockstep::circuit_breaker {
namespace {

using namespace circuit_breaker_test;  // NOLINT(google-build-using-namespace): test helpers

Config rate_config(std::uint32_t window, std::uint32_t percent) {
  return Config{.mode = Mode::failure_rate,
                .window_size = window,
                .failure_rate_percent = percent,
                .open_duration = kCoolDown};
}

// Feeds outcomes ('F' failure, 'S' success) one by one; the breaker must still be closed
// after each of them.
void feed_staying_closed(Breaker& breaker, const std::string& outcomes) {
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i] == 'F') {
      fail_once(breaker);
    } else {
      succeed_once(breaker);
    }
    ASSERT_EQ(breaker.state(), State::closed)
        << "opened after outcome " << i + 1 << " of \"" << outcomes << "\"";
  }
}

TEST(CircuitBreakerFailureRate, DoesNotOpenBeforeTheWindowIsFull) {
  Breaker breaker(rate_config(10, 50), ManualClock{});
  feed_staying_closed(breaker, "FFFFFFFFF");  // 9 failures: 90 %, but only 9 of 10 outcomes
  fail_once(breaker);
  EXPECT_EQ(breaker.state(), State::open);
}

TEST(CircuitBreakerFailureRate, OpensWhenAFullWindowReachesTheRate) {
  Breaker breaker(rate_config(4, 50), ManualClock{});
  feed_staying_closed(breaker, "SSSSSF");  // windows SSSS, SSSS, SSSF: below 50 %
  fail_once(breaker);                      // window SSFF: 50 %
  EXPECT_EQ(breaker.state(), State::open);
}

TEST(CircuitBreakerFailureRate, OldOutcomesSlideOutOfTheWindow) {
  Breaker breaker(rate_config(4, 75), ManualClock{});
  // Windows: FFSS 50 %, FSSS 25 %, SSSS, SSSS, SSSF 25 %, SSFF 50 %: all below 75 %,
  // although 4 of the 9 outcomes so far were failures.
  feed_staying_closed(breaker, "FFSSSSSFF");
  fail_once(breaker);  // window SFFF: 75 %
  EXPECT_EQ(breaker.state(), State::open);
}

TEST(CircuitBreakerFailureRate, TheWindowStartsEmptyAfterClosing) {
  ManualClock clock;
  Breaker breaker(rate_config(4, 50), clock);
  feed_staying_closed(breaker, "SSF");
  fail_once(breaker);  // SSFF
  ASSERT_EQ(breaker.state(), State::open);
  clock.advance(kCoolDown);
  succeed_once(breaker);  // the trial closes it
  ASSERT_EQ(breaker.state(), State::closed);
  // A fresh window: three outcomes do not fill it, whatever they are.
  feed_staying_closed(breaker, "FFF");
  fail_once(breaker);
  EXPECT_EQ(breaker.state(), State::open);
}

TEST(CircuitBreakerFailureRate, TrialsFollowTheSameRulesAsInTheOtherMode) {
  ManualClock clock;
  Config config = rate_config(2, 100);
  config.success_threshold = 2;
  Breaker breaker(config, clock);
  fail_once(breaker);
  fail_once(breaker);
  ASSERT_EQ(breaker.state(), State::open);
  EXPECT_TRUE(is_rejected(breaker));
  clock.advance(kCoolDown);
  fail_once(breaker);  // a failed trial reopens at once: no window in half-open
  EXPECT_EQ(breaker.state(), State::open);
  clock.advance(kCoolDown);
  succeed_once(breaker);
  EXPECT_EQ(breaker.state(), State::half_open);
  succeed_once(breaker);
  EXPECT_EQ(breaker.state(), State::closed);
}

}  // namespace
}  // namespace lockstep::circuit_breaker
