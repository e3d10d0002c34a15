#pragma once

// lockstep::circuit_breaker — a thread-safe circuit breaker: closed → open → half-open.
//
// MUTANT (known-bad on purpose): closing does not reset the consecutive-failure count
// nor empty the failure-rate window, so failures from before the last opening still
// count (the seed lesson's bug).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

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
  explicit CircuitBreaker(Config config, Clock clock = Clock{});

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
  std::invoke_result_t<F> call(F&& f);

  // The current state; moves open → half-open first when the cool-down has passed.
  State state();

  // A snapshot of the counters; each is exact once no call is in progress.
  [[nodiscard]] Metrics metrics() const;

 private:
  using Ticks = typename Clock::duration::rep;

  static constexpr std::uint64_t kStateBits = 2;
  static constexpr std::uint64_t kStateMask = (std::uint64_t{1} << kStateBits) - 1;
  static constexpr std::uint8_t kEmpty = 0;  // window slot values
  static constexpr std::uint8_t kSucceeded = 1;
  static constexpr std::uint8_t kFailed = 2;

  static std::uint64_t make_phase(std::uint64_t generation, State state) {
    return (generation << kStateBits) | static_cast<std::uint64_t>(state);
  }
  static State state_of(std::uint64_t phase) { return static_cast<State>(phase & kStateMask); }

  // What admit() hands the call: the phase it was admitted in, and whether it is a trial.
  struct Ticket {
    std::uint64_t phase;
    bool trial;
  };
  // A state change whose callback is still owed (invoked once mutex_ is released).
  struct Transition {
    State from;
    State to;
  };

  Ticket admit();  // throws CircuitOpen
  void on_success(const Ticket& ticket) noexcept;
  void on_failure(const Ticket& ticket) noexcept;
  void record_closed(std::uint64_t phase, bool failed) noexcept;
  void record_trial(std::uint64_t phase, bool failed) noexcept;
  void open_if_still(std::uint64_t phase) noexcept;
  [[nodiscard]] bool cool_down_over() const noexcept;
  [[nodiscard]] Ticks now_ticks() const noexcept;
  // The two below require mutex_ held.
  std::optional<Transition> half_open_if_due_locked() noexcept;
  Transition transition_locked(State to) noexcept;
  void notify(const std::optional<Transition>& owed) const noexcept;

  const Config config_;
  const Clock clock_;
  const Ticks open_ticks_;  // config_.open_duration in the clock's ticks

  // Written only under mutex_; read lock-free by every call.
  std::atomic<std::uint64_t> phase_{make_phase(0, State::closed)};
  std::atomic<Ticks> open_until_{0};  // while open: the end of the cool-down

  // Closed-state failure accounting (lock-free).
  std::atomic<std::uint32_t> consecutive_failures_{0};
  std::vector<std::atomic<std::uint8_t>> window_;  // failure_rate: a ring of outcomes
  std::atomic<std::uint64_t> window_cursor_{0};    // outcomes recorded since closing
  std::atomic<std::int64_t> window_failures_{0};   // kFailed slots in window_

  mutable std::mutex mutex_;           // serialises transitions and the half-open state
  std::uint32_t trials_running_ = 0;   // guarded by mutex_: trial calls inside f right now
  std::uint32_t trial_successes_ = 0;  // guarded by mutex_: in the current half-open period

  std::atomic<std::uint64_t> successes_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint64_t> rejections_{0};
  std::atomic<std::uint64_t> transitions_{0};
};

// ---- implementation ----------------------------------------------------------------

namespace detail {

inline Config validated(Config config) {
  if (config.mode == Mode::consecutive_failures && config.failure_threshold == 0) {
    throw std::invalid_argument("circuit breaker: failure_threshold must be at least 1");
  }
  if (config.mode == Mode::failure_rate &&
      (config.window_size == 0 || config.failure_rate_percent == 0 ||
       config.failure_rate_percent > 100)) {
    throw std::invalid_argument(
        "circuit breaker: window_size must be at least 1 and failure_rate_percent in 1..100");
  }
  if (config.half_open_trials == 0 || config.success_threshold == 0) {
    throw std::invalid_argument(
        "circuit breaker: half_open_trials and success_threshold must be at least 1");
  }
  if (config.open_duration.count() < 0) {
    throw std::invalid_argument("circuit breaker: open_duration must not be negative");
  }
  return config;
}

}  // namespace detail

template <class Clock>
CircuitBreaker<Clock>::CircuitBreaker(Config config, Clock clock)
    : config_(detail::validated(std::move(config))),
      clock_(std::move(clock)),
      open_ticks_(std::chrono::ceil<typename Clock::duration>(config_.open_duration).count()),
      window_(config_.mode == Mode::failure_rate ? config_.window_size : 0) {}

template <class Clock>
template <class F>
std::invoke_result_t<F> CircuitBreaker<Clock>::call(F&& f) {
  using Result = std::invoke_result_t<F>;
  const Ticket ticket = admit();  // throws CircuitOpen without running f
  auto run = [&]() -> Result {
    try {
      return std::invoke(std::forward<F>(f));
    } catch (...) {
      on_failure(ticket);  // f's exception is a failure; it reaches the caller unchanged
      throw;
    }
  };
  if constexpr (std::is_void_v<Result>) {
    run();
    on_success(ticket);
  } else {
    Result result = run();
    on_success(ticket);
    if constexpr (std::is_reference_v<Result>) {
      return std::forward<Result>(result);
    }
    return result;
  }
}

template <class Clock>
State CircuitBreaker<Clock>::state() {
  // (1) acquire: pairs with the release store (T) of the last transition.
  const std::uint64_t phase = phase_.load(std::memory_order_acquire);
  if (state_of(phase) != State::open || !cool_down_over()) {
    return state_of(phase);
  }
  std::optional<Transition> owed;
  State now{};
  {
    std::lock_guard lock(mutex_);
    owed = half_open_if_due_locked();
    now = state_of(phase_.load(std::memory_order_relaxed));  // stores to phase_ hold mutex_
  }
  notify(owed);
  return now;
}

template <class Clock>
Metrics CircuitBreaker<Clock>::metrics() const {
  // Relaxed: plain counters that publish nothing; a caller that joined the calling
  // threads (or synchronised with them) reads their final values.
  return Metrics{
      successes_.load(std::memory_order_relaxed), failures_.load(std::memory_order_relaxed),
      rejections_.load(std::memory_order_relaxed), transitions_.load(std::memory_order_relaxed)};
}

template <class Clock>
auto CircuitBreaker<Clock>::admit() -> Ticket {
  // (2) acquire: pairs with the release store (T), so open_until_ and the resets the
  // transition made are visible before this call acts on the state it read.
  const std::uint64_t phase = phase_.load(std::memory_order_acquire);
  if (state_of(phase) == State::closed) {
    return Ticket{phase, false};  // the closed path: one atomic load, no lock
  }
  if (state_of(phase) == State::open && !cool_down_over()) {
    rejections_.fetch_add(1, std::memory_order_relaxed);  // a counter; publishes nothing
    throw CircuitOpen();
  }
  // Half-open, or open with the cool-down over: decide under the lock, where the trial
  // slots are counted exactly.
  std::optional<Transition> owed;
  std::optional<Ticket> ticket;
  {
    std::lock_guard lock(mutex_);
    owed = half_open_if_due_locked();
    const std::uint64_t current = phase_.load(std::memory_order_relaxed);  // under mutex_
    if (state_of(current) == State::closed) {
      ticket = Ticket{current, false};
    } else if (state_of(current) == State::half_open &&
               trials_running_ < config_.half_open_trials) {
      ++trials_running_;
      ticket = Ticket{current, true};
    }
  }
  notify(owed);
  if (!ticket) {
    rejections_.fetch_add(1, std::memory_order_relaxed);
    throw CircuitOpen();
  }
  return *ticket;
}

template <class Clock>
void CircuitBreaker<Clock>::on_success(const Ticket& ticket) noexcept {
  successes_.fetch_add(1, std::memory_order_relaxed);
  if (ticket.trial) {
    record_trial(ticket.phase, false);
  } else {
    record_closed(ticket.phase, false);
  }
}

template <class Clock>
void CircuitBreaker<Clock>::on_failure(const Ticket& ticket) noexcept {
  failures_.fetch_add(1, std::memory_order_relaxed);
  if (ticket.trial) {
    record_trial(ticket.phase, true);
  } else {
    record_closed(ticket.phase, true);
  }
}

template <class Clock>
void CircuitBreaker<Clock>::record_closed(std::uint64_t phase, bool failed) noexcept {
  // A call admitted before the last transition no longer speaks for this closed period.
  // (Relaxed loads and RMWs below: these counts only feed the decision to open, which is
  // taken again under mutex_ against phase_; no other data is published through them.)
  if (phase_.load(std::memory_order_relaxed) != phase) {
    return;
  }
  bool trip = false;
  if (config_.mode == Mode::consecutive_failures) {
    if (!failed) {
      consecutive_failures_.store(0, std::memory_order_relaxed);
      return;
    }
    trip = consecutive_failures_.fetch_add(1, std::memory_order_relaxed) + 1 >=
           config_.failure_threshold;
  } else {
    const std::uint64_t size = window_.size();
    const std::uint64_t position = window_cursor_.fetch_add(1, std::memory_order_relaxed);
    const std::uint8_t old =
        window_[position % size].exchange(failed ? kFailed : kSucceeded, std::memory_order_relaxed);
    // Every change of a slot is followed by its delta, so window_failures_ always settles
    // on the number of failed slots.
    const std::int64_t delta = (failed ? 1 : 0) - (old == kFailed ? 1 : 0);
    const std::int64_t failures =
        window_failures_.fetch_add(delta, std::memory_order_relaxed) + delta;
    trip = failed && position + 1 >= size &&
           failures * 100 >= static_cast<std::int64_t>(config_.failure_rate_percent * size);
  }
  if (trip) {
    open_if_still(phase);
  }
}

template <class Clock>
void CircuitBreaker<Clock>::record_trial(std::uint64_t phase, bool failed) noexcept {
  std::optional<Transition> owed;
  {
    std::lock_guard lock(mutex_);
    --trials_running_;  // the slot is free again, whatever happened meanwhile
    // Only a trial of the current half-open period decides it.
    if (phase_.load(std::memory_order_relaxed) == phase) {
      if (failed) {
        owed = transition_locked(State::open);
      } else if (++trial_successes_ >= config_.success_threshold) {
        owed = transition_locked(State::closed);
      }
    }
  }
  notify(owed);
}

template <class Clock>
void CircuitBreaker<Clock>::open_if_still(std::uint64_t phase) noexcept {
  std::optional<Transition> owed;
  {
    std::lock_guard lock(mutex_);
    // Several failing callers may get here at once; only the first one opens.
    if (phase_.load(std::memory_order_relaxed) == phase) {
      owed = transition_locked(State::open);
    }
  }
  notify(owed);
}

template <class Clock>
auto CircuitBreaker<Clock>::now_ticks() const noexcept -> Ticks {
  return clock_.now().time_since_epoch().count();
}

template <class Clock>
bool CircuitBreaker<Clock>::cool_down_over() const noexcept {
  // Relaxed: called after the acquire load (1)/(2) of an open phase, which made the
  // open_until_ of that transition visible; a later open period only stores a later time.
  return now_ticks() >= open_until_.load(std::memory_order_relaxed);
}

template <class Clock>
auto CircuitBreaker<Clock>::half_open_if_due_locked() noexcept -> std::optional<Transition> {
  if (state_of(phase_.load(std::memory_order_relaxed)) == State::open && cool_down_over()) {
    return transition_locked(State::half_open);
  }
  return std::nullopt;
}

template <class Clock>
auto CircuitBreaker<Clock>::transition_locked(State to) noexcept -> Transition {
  const std::uint64_t phase = phase_.load(std::memory_order_relaxed);  // under mutex_
  switch (to) {
    case State::open:
      open_until_.store(now_ticks() + open_ticks_, std::memory_order_relaxed);
      break;
    case State::half_open:
      trial_successes_ = 0;
      break;
    case State::closed:
      break;
  }
  transitions_.fetch_add(1, std::memory_order_relaxed);
  // (T) release: publishes open_until_ and the resets above to the acquire loads (1), (2)
  // of threads that see the new phase. The generation makes every phase value unique.
  phase_.store(make_phase((phase >> kStateBits) + 1, to), std::memory_order_release);
  return Transition{state_of(phase), to};
}

template <class Clock>
void CircuitBreaker<Clock>::notify(const std::optional<Transition>& owed) const noexcept {
  // Never called with mutex_ held: the callback may call back into the breaker.
  if (owed && config_.on_transition) {
    config_.on_transition(owed->from, owed->to);
  }
}

}  // namespace lockstep::circuit_breaker
