// The transition callback runs with no internal lock held: it may call back into the
// breaker (state, metrics, call), even in a way that causes the next transition.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <utility>
#include <vector>

#include "circuit_breaker_test_support.hpp"

namespace lockstep::circuit_breaker {
namespace {

using namespace circuit_breaker_test;  // NOLINT(google-build-using-namespace): test helpers

TEST(CircuitBreakerCallback, TheCallbackMayCallBackIntoTheBreaker) {
  ManualClock clock;
  std::vector<std::pair<State, State>> seen;
  Breaker* self = nullptr;
  auto on_transition = [&](State from, State to) {
    seen.emplace_back(from, to);
    Breaker& breaker = *self;
    (void)breaker.metrics();
    if (to == State::open) {
      EXPECT_TRUE(is_rejected(breaker)) << "an open breaker admitted a call from its callback";
      clock.advance(kCoolDown);
      // Causes the next transition from inside this callback.
      EXPECT_EQ(breaker.state(), State::half_open);
    } else if (to == State::half_open) {
      // A trial from inside the callback; its success closes the breaker.
      EXPECT_EQ(breaker.call([] { return 5; }), 5);
    }
  };
  Breaker breaker(
      Config{.failure_threshold = 1, .open_duration = kCoolDown, .on_transition = on_transition},
      clock);
  self = &breaker;
  fail_once(breaker);
  EXPECT_EQ(breaker.state(), State::closed);
  const std::vector<std::pair<State, State>> expected = {
      {State::closed, State::open},
      {State::open, State::half_open},
      {State::half_open, State::closed},
  };
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(breaker.metrics().transitions, 3U);
}

TEST(CircuitBreakerCallback, AnotherThreadCanUseTheBreakerWhileTheCallbackRuns) {
  ManualClock clock;
  std::atomic<bool> other_done{false};
  Breaker* self = nullptr;
  auto on_transition = [&](State /*from*/, State to) {
    if (to != State::open) {
      return;
    }
    // Another thread drives the breaker through its next transitions while this
    // callback is still running; it must not have to wait for the callback to end.
    std::thread other([&] {
      clock.advance(kCoolDown);
      EXPECT_EQ(self->call([] { return 1; }), 1);
      other_done.store(true);
    });
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!other_done.load() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::yield();
    }
    EXPECT_TRUE(other_done.load())
        << "another thread's call waited for the transition callback: is a lock held?";
    other.join();
  };
  Breaker breaker(
      Config{.failure_threshold = 1, .open_duration = kCoolDown, .on_transition = on_transition},
      clock);
  self = &breaker;
  fail_once(breaker);
  EXPECT_EQ(breaker.state(), State::closed);
}

}  // namespace
}  // namespace lockstep::circuit_breaker
