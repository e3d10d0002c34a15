#pragma once

// lockstep::ManualClock — a clock that moves only when a test moves it.
//
// For time-dependent exercises (the circuit breaker's cool-down): pass a ManualClock where
// the component takes a clock, then advance() it instead of sleeping. It has the members
// of a std::chrono clock (rep, period, duration, time_point, is_steady, now()), except that
// now() is a member function, not static: a ManualClock is a cheap handle, and every copy
// of it shares one time, so a component that stores its clock by value still sees the
// test's advance().
//
// Thread-safety: now(), advance() and set() may be called concurrently from any threads;
// each is one atomic operation on the shared time (seq_cst), so every thread sees the
// clock's moves in one order. Time never goes backwards: set() to an earlier time and
// advance() by a negative duration throw std::invalid_argument.
//
// The clock starts at one hour past its epoch, not at zero, so code that (reasonably)
// uses a zero time_point as "never" is not confused by the first instant.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>

namespace lockstep {

class ManualClock {
 public:
  // The names std::chrono clocks use (the Clock requirements), hence not CamelCase.
  using rep = std::int64_t;                             // NOLINT(readability-identifier-naming)
  using period = std::nano;                             // NOLINT(readability-identifier-naming)
  using duration = std::chrono::duration<rep, period>;  // NOLINT(readability-identifier-naming)
  // NOLINTNEXTLINE(readability-identifier-naming)
  using time_point = std::chrono::time_point<ManualClock, duration>;
  static constexpr bool is_steady = true;  // NOLINT(readability-identifier-naming)

  ManualClock() : now_(std::make_shared<std::atomic<rep>>(std::chrono::hours(1) / duration(1))) {}

  // The current manual time.
  [[nodiscard]] time_point now() const noexcept { return time_point(duration(now_->load())); }

  // Moves the time forward by `step` (>= 0).
  void advance(duration step) {
    if (step.count() < 0) {
      throw std::invalid_argument("ManualClock::advance: time never goes backwards");
    }
    now_->fetch_add(step.count());
  }

  // Moves the time forward to `when` (not earlier than now()).
  void set(time_point when) {
    rep current = now_->load();
    do {
      if (when.time_since_epoch().count() < current) {
        throw std::invalid_argument("ManualClock::set: time never goes backwards");
      }
    } while (!now_->compare_exchange_weak(current, when.time_since_epoch().count()));
  }

 private:
  std::shared_ptr<std::atomic<rep>> now_;  // shared by every copy of this clock
};

}  // namespace lockstep
