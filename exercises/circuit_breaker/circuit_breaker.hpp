#pragma once

// lockstep::circuit_breaker — a thread-safe circuit breaker: closed → open → half-open.
//
// Your task: implement every member below so that it keeps the promise written above it.
// The lesson (README.md beside this file) explains the state machine, the guarantees and
// how they are tested. You own this whole file: add private members and helpers as you
// like, but keep the public API exactly as it is, because the tests are written against it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <lockstep/not_implemented.hpp>

namespace lockstep::circuit_breaker {

enum class State : std::uint8_t {
  closed,     // calls run; failures are counted
  open,       // calls are rejected with CircuitOpen until the cool-down has passed
  half_open,  // a limited number of trial calls run; the others are rejected
};

// How the closed state decides to open.
enum class Mode : std::uint8_t {
  consecutive_failures,  // failure_threshold failures in a row
  failure_rate,          // failure_rate_percent of the last window_size outcomes failed
};

struct Config {
  Mode mode = Mode::consecutive_failures;
  std::uint32_t failure_threshold = 5;      // consecutive_failures: failures in a row that open
  std::uint32_t window_size = 20;           // failure_rate: outcomes in the sliding window
  std::uint32_t failure_rate_percent = 50;  // failure_rate: opens at >= this % of a full window
  std::chrono::nanoseconds open_duration = std::chrono::seconds(30);  // the cool-down
  std::uint32_t half_open_trials = 1;   // trial calls allowed to run at once in half-open
  std::uint32_t success_threshold = 1;  // trial successes that close the breaker
  // Called after every state change with (from, to); never with an internal lock held.
  // It may call back into the breaker. It must not throw.
  std::function<void(State, State)> on_transition = nullptr;
};

struct Metrics {
  std::uint64_t successes = 0;    // calls whose f returned
  std::uint64_t failures = 0;     // calls whose f threw
  std::uint64_t rejections = 0;   // calls rejected with CircuitOpen (f did not run)
  std::uint64_t transitions = 0;  // state changes
};

// Thrown by call() when the breaker rejects the call without running f.
class CircuitOpen : public std::runtime_error {
 public:
  CircuitOpen() : std::runtime_error("circuit breaker: call rejected, the circuit is open") {}
};

// Clock: std::chrono::steady_clock by default; any type with a member or static now()
// and a time_point, e.g. lockstep::ManualClock in tests.
template <class Clock = std::chrono::steady_clock>
class CircuitBreaker {
 public:
  // Throws std::invalid_argument on a config that cannot work (a threshold, window size,
  // trial count or success count of 0, a rate outside 1..100, a negative cool-down).
  explicit CircuitBreaker(Config config, Clock clock = Clock{})
      : config_(std::move(config)), clock_(std::move(clock)) {
    // TODO(student): reject the configs that cannot work.
  }

  // No thread may still be inside a member function when the breaker is destroyed.
  ~CircuitBreaker() = default;
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;
  CircuitBreaker(CircuitBreaker&&) = delete;
  CircuitBreaker& operator=(CircuitBreaker&&) = delete;

  // All members may be called concurrently from any number of threads, and from inside
  // f or the transition callback.

  // Runs f when the breaker is closed, or half-open with a free trial slot, and returns
  // what f returned; an exception from f counts as a failure and is rethrown unchanged.
  // Otherwise throws CircuitOpen without running f. Never holds a lock while f runs.
  template <class F>
  std::invoke_result_t<F> call(F&& f) {
    // TODO(student): admit or reject (an open breaker whose cool-down has passed becomes
    // half-open first), run f with no lock held, then record the outcome for the period
    // the call was admitted in. A throwing f must free its trial slot too.
    (void)f;
    throw lockstep::not_implemented("circuit_breaker: call");
  }

  // The current state; moves open → half-open first when the cool-down has passed.
  State state() {
    // TODO(student)
    throw lockstep::not_implemented("circuit_breaker: state");
  }

  // A snapshot of the counters; each is exact once no call is in progress.
  [[nodiscard]] Metrics metrics() const {
    // TODO(student): safe to call while other threads call.
    throw lockstep::not_implemented("circuit_breaker: metrics");
  }

 private:
  const Config config_;
  const Clock clock_;
  // TODO(student): the state, the counters and whatever synchronisation guards them.
};

}  // namespace lockstep::circuit_breaker
