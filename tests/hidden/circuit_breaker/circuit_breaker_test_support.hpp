#pragma once

// Small helpers shared by the circuit breaker's hidden tests.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <ostream>
#include <stdexcept>
#include <utility>
#include <vector>

#include <circuit_breaker.hpp>
#include <lockstep/manual_clock.hpp>
#include <lockstep/stress.hpp>

namespace lockstep::circuit_breaker {

inline std::ostream& operator<<(std::ostream& out, State state) {
  switch (state) {
    case State::closed:
      return out << "closed";
    case State::open:
      return out << "open";
    case State::half_open:
      return out << "half_open";
  }
  return out << "State(" << static_cast<int>(state) << ")";
}

}  // namespace lockstep::circuit_breaker

namespace lockstep::circuit_breaker_test {

using circuit_breaker::CircuitBreaker;
using circuit_breaker::CircuitOpen;
using circuit_breaker::Config;
using circuit_breaker::Metrics;
using circuit_breaker::Mode;
using circuit_breaker::State;
using Breaker = CircuitBreaker<ManualClock>;

constexpr std::chrono::seconds kCoolDown{10};

// The failure of the protected dependency, with a payload that must reach the caller.
struct DependencyDown : std::runtime_error {
  explicit DependencyDown(int code_in) : std::runtime_error("dependency down"), code(code_in) {}
  int code;
};

// One call whose f throws DependencyDown; fails the test unless exactly that came back.
inline void fail_once(Breaker& breaker) {
  EXPECT_THROW(breaker.call([]() -> int { throw DependencyDown(1); }), DependencyDown);
}

// One call whose f succeeds; fails the test unless f ran and its result came back.
inline void succeed_once(Breaker& breaker) {
  int result = 0;
  EXPECT_NO_THROW(result = breaker.call([] { return 7; }));
  EXPECT_EQ(result, 7);
}

// True when the call was rejected with CircuitOpen; fails the test if f ran anyway.
inline bool is_rejected(Breaker& breaker) {
  bool ran = false;
  try {
    breaker.call([&ran] { ran = true; });
  } catch (const CircuitOpen&) {
    EXPECT_FALSE(ran) << "f ran although the call was rejected";
    return true;
  }
  return false;
}

// Drives a closed breaker in consecutive-failure mode to open.
inline void trip(Breaker& breaker, std::uint32_t threshold) {
  for (std::uint32_t i = 0; i < threshold; ++i) {
    fail_once(breaker);
  }
}

// Every transition the callback reported, in the order the callbacks started.
class TransitionLog {
 public:
  std::function<void(State, State)> callback() {
    return [this](State from, State to) {
      std::lock_guard lock(mutex_);
      log_.emplace_back(from, to);
    };
  }
  [[nodiscard]] std::vector<std::pair<State, State>> entries() const {
    std::lock_guard lock(mutex_);
    return log_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<State, State>> log_;
};

}  // namespace lockstep::circuit_breaker_test
