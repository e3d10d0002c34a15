#pragma once

// lockstep::circuit_breaker — a thread-safe circuit breaker: closed → open → half-open.
//
// Alternate solution: the textbook design. One mutex guards the whole state machine (the
// state, its generation, the failure count or window, the cool-down deadline, the trial
// slots and the counters). Every call takes it twice for a moment, to be admitted and to
// record its outcome, and never while f runs. A transition made under the lock is
// returned to the caller, which invokes the callback after unlocking. Simpler to get right
// than the reference's lock-free closed path; concurrent callers queue briefly on the lock.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

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
  // Throws std::invalid_argument on a config that cannot work.
  explicit CircuitBreaker(Config config, Clock clock = Clock{})
      : config_(validated(std::move(config))), clock_(std::move(clock)) {}

  ~CircuitBreaker() = default;
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;
  CircuitBreaker(CircuitBreaker&&) = delete;
  CircuitBreaker& operator=(CircuitBreaker&&) = delete;

  // Thread-safe; f runs with no lock held; throws CircuitOpen when rejected.
  template <class F>
  std::invoke_result_t<F> call(F&& f) {
    using Result = std::invoke_result_t<F>;
    const Admission admission = admit();
    auto run = [&]() -> Result {
      try {
        return std::invoke(std::forward<F>(f));
      } catch (...) {
        record(admission, false);
        throw;
      }
    };
    if constexpr (std::is_void_v<Result>) {
      run();
      record(admission, true);
    } else {
      Result result = run();
      record(admission, true);
      if constexpr (std::is_reference_v<Result>) {
        return std::forward<Result>(result);
      }
      return result;
    }
  }

  State state() {
    std::optional<Transition> owed;
    State now{};
    {
      std::lock_guard lock(mutex_);
      owed = half_open_if_due_locked();
      now = state_;
    }
    notify(owed);
    return now;
  }

  [[nodiscard]] Metrics metrics() const {
    std::lock_guard lock(mutex_);
    return metrics_;
  }

 private:
  struct Admission {
    std::uint64_t generation;
    bool trial;
  };
  struct Transition {
    State from;
    State to;
  };

  static Config validated(Config config) {
    const bool rate = config.mode == Mode::failure_rate;
    if ((!rate && config.failure_threshold == 0) ||
        (rate && (config.window_size == 0 || config.failure_rate_percent == 0 ||
                  config.failure_rate_percent > 100)) ||
        config.half_open_trials == 0 || config.success_threshold == 0 ||
        config.open_duration.count() < 0) {
      throw std::invalid_argument("circuit breaker: invalid config");
    }
    return config;
  }

  Admission admit() {
    std::optional<Transition> owed;
    std::optional<Admission> admission;
    {
      std::lock_guard lock(mutex_);
      owed = half_open_if_due_locked();
      if (state_ == State::closed) {
        admission = Admission{generation_, false};
      } else if (state_ == State::half_open && trials_running_ < config_.half_open_trials) {
        ++trials_running_;
        admission = Admission{generation_, true};
      } else {
        ++metrics_.rejections;
      }
    }
    notify(owed);
    if (!admission) {
      throw CircuitOpen();
    }
    return *admission;
  }

  void record(const Admission& admission, bool succeeded) noexcept {
    std::optional<Transition> owed;
    {
      std::lock_guard lock(mutex_);
      ++(succeeded ? metrics_.successes : metrics_.failures);
      if (admission.trial) {
        --trials_running_;
      }
      if (admission.generation == generation_) {  // else: a call from an earlier period
        owed = admission.trial ? decide_trial_locked(succeeded) : count_locked(succeeded);
      }
    }
    notify(owed);
  }

  std::optional<Transition> decide_trial_locked(bool succeeded) {
    if (!succeeded) {
      return transition_locked(State::open);
    }
    if (++trial_successes_ >= config_.success_threshold) {
      return transition_locked(State::closed);
    }
    return std::nullopt;
  }

  std::optional<Transition> count_locked(bool succeeded) {
    if (config_.mode == Mode::consecutive_failures) {
      consecutive_failures_ = succeeded ? 0 : consecutive_failures_ + 1;
      if (consecutive_failures_ >= config_.failure_threshold) {
        return transition_locked(State::open);
      }
      return std::nullopt;
    }
    window_.push_back(succeeded);
    failures_in_window_ += succeeded ? 0 : 1;
    if (window_.size() > config_.window_size) {
      failures_in_window_ -= window_.front() ? 0 : 1;
      window_.pop_front();
    }
    if (window_.size() == config_.window_size &&
        std::uint64_t{failures_in_window_} * 100 >=
            std::uint64_t{config_.failure_rate_percent} * config_.window_size) {
      return transition_locked(State::open);
    }
    return std::nullopt;
  }

  std::optional<Transition> half_open_if_due_locked() {
    if (state_ == State::open && clock_.now() >= open_until_) {
      return transition_locked(State::half_open);
    }
    return std::nullopt;
  }

  Transition transition_locked(State to) {
    const Transition done{state_, to};
    state_ = to;
    ++generation_;
    ++metrics_.transitions;
    if (to == State::open) {
      open_until_ =
          clock_.now() + std::chrono::ceil<typename Clock::duration>(config_.open_duration);
    } else if (to == State::half_open) {
      trial_successes_ = 0;
    } else {
      consecutive_failures_ = 0;
      window_.clear();
      failures_in_window_ = 0;
    }
    return done;
  }

  // Called with no lock held.
  void notify(const std::optional<Transition>& owed) const {
    if (owed && config_.on_transition) {
      config_.on_transition(owed->from, owed->to);
    }
  }

  const Config config_;
  const Clock clock_;
  mutable std::mutex mutex_;  // guards everything below
  State state_ = State::closed;
  std::uint64_t generation_ = 0;  // bumped by every transition
  typename Clock::time_point open_until_{};
  std::uint32_t consecutive_failures_ = 0;
  std::deque<bool> window_;  // failure_rate: the last outcomes, true = success
  std::uint32_t failures_in_window_ = 0;
  std::uint32_t trials_running_ = 0;
  std::uint32_t trial_successes_ = 0;
  Metrics metrics_;
};

}  // namespace lockstep::circuit_breaker
