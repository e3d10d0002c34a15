#pragma once

// lockstep::sync — the standard synchronisation primitives, built from scratch.
//
// Reference solution: every primitive sleeps on a 32-bit std::atomic "futex word" through
// the Linux futex system call (detail::futex_wait / futex_wake below): a thread that must
// wait checks the word and, if it still holds the value that means "wait", asks the kernel
// to put it to sleep *unless the word has changed meanwhile*. That atomic re-check inside
// the kernel is what makes "check, then sleep" safe against a wake-up that lands between
// the two (the lost wakeup). The timed waits use the same call with an absolute deadline,
// which std::atomic::wait cannot express.
//
//   Mutex      two-state futex mutex (0 free, 1 locked); every unlock wakes one sleeper
//   RwLock     phase-fair: a waiting writer stops new readers; readers that queued during a
//              write phase all get in before the next writer (neither side starves)
//   Semaphore  a permit count that is the futex word itself, plus a count of sleepers
//   Latch      a count that is the futex word; zero wakes everybody
//   Barrier    phases numbered by a generation word that waiters sleep on
//
// The numbered comments (1), (2), ... name each synchronising pair of atomic operations.

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <limits>
#include <mutex>  // std::lock_guard / std::unique_lock over our own Mutex
#include <stdexcept>
#include <utility>

namespace lockstep::sync {

// ---- Mutex -----------------------------------------------------------------------------

// A non-recursive mutual-exclusion lock meeting the standard Lockable requirements, so it
// works with std::lock_guard, std::unique_lock, std::scoped_lock and std::lock.
class Mutex {
 public:
  Mutex() = default;
  // Must not be locked when destroyed.
  ~Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  Mutex(Mutex&&) = delete;
  Mutex& operator=(Mutex&&) = delete;

  // Blocks until the calling thread holds the lock; sleeps in the kernel while it waits.
  // Must not be called by the thread that holds the lock.
  void lock();
  // Never blocks: takes the lock when it is free and returns whether it did.
  bool try_lock();
  // Releases the lock (the calling thread must hold it) and wakes one sleeping locker.
  void unlock();

 private:
  static constexpr std::uint32_t kFree = 0;
  static constexpr std::uint32_t kLocked = 1;  // held (sleepers are not tracked)

  std::atomic<std::uint32_t> state_{kFree};  // the futex word
};

// ---- RwLock ----------------------------------------------------------------------------

// A reader-writer lock meeting the standard SharedLockable requirements (std::shared_lock
// for readers, std::unique_lock / std::lock_guard for writers). Fair both ways: once a
// writer waits, readers arriving after it wait for that writer; readers that waited during
// a write phase all enter before the next writer does.
class RwLock {
 public:
  RwLock() = default;
  // Must not be held when destroyed.
  ~RwLock() = default;
  RwLock(const RwLock&) = delete;
  RwLock& operator=(const RwLock&) = delete;
  RwLock(RwLock&&) = delete;
  RwLock& operator=(RwLock&&) = delete;

  // Exclusive (writer) side. lock blocks until no reader and no other writer holds the lock.
  void lock();
  bool try_lock();  // never blocks
  void unlock();

  // Shared (reader) side. lock_shared blocks while a writer holds the lock or waits for it.
  void lock_shared();
  bool try_lock_shared();  // never blocks
  void unlock_shared();

 private:
  Mutex state_mutex_;                 // guards the counters below; held only for a few instructions
  std::uint32_t active_readers_ = 0;  // readers inside, or admitted and about to be
  std::uint32_t parked_readers_ = 0;  // readers waiting for the current write phase to end
  std::uint32_t waiting_writers_ = 0;  // writers inside lock() that have not got in yet
  bool writer_active_ = false;
  std::atomic<std::uint32_t> read_phase_{0};  // futex word: +1 when parked readers are admitted
  std::atomic<std::uint32_t> write_turn_{0};  // futex word: +1 when a writer may get in
};

// ---- Semaphore -------------------------------------------------------------------------

// A counting semaphore.
class Semaphore {
 public:
  // The largest count a semaphore can hold.
  static constexpr std::ptrdiff_t max() noexcept {
    return std::numeric_limits<std::int32_t>::max();
  }

  // Throws std::invalid_argument unless 0 <= initial <= max().
  explicit Semaphore(std::ptrdiff_t initial);
  // No thread may still be waiting when the semaphore is destroyed.
  ~Semaphore() = default;
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  Semaphore(Semaphore&&) = delete;
  Semaphore& operator=(Semaphore&&) = delete;

  // All members may be called concurrently from any number of threads.

  // Blocks (asleep) until it can take one permit, then takes it.
  void acquire();
  // Never blocks: takes a permit if one is available and returns whether it did.
  bool try_acquire();
  // Like acquire, but gives up and returns false once `timeout` has passed.
  template <class Rep, class Period>
  bool try_acquire_for(std::chrono::duration<Rep, Period> timeout);
  // Adds n permits (n >= 0; throws std::invalid_argument when negative) and wakes up to n
  // waiters.
  void release(std::ptrdiff_t n = 1);

 private:
  using Clock = std::chrono::steady_clock;
  bool acquire_until(Clock::time_point deadline);

  std::atomic<std::uint32_t> permits_;      // the futex word
  std::atomic<std::uint32_t> sleepers_{0};  // threads in (or entering) a futex wait
};

// ---- Latch -----------------------------------------------------------------------------

// A single-use count-down latch.
class Latch {
 public:
  // Throws std::invalid_argument unless 0 <= expected <= max().
  explicit Latch(std::ptrdiff_t expected);
  static constexpr std::ptrdiff_t max() noexcept {
    return std::numeric_limits<std::int32_t>::max();
  }
  ~Latch() = default;
  Latch(const Latch&) = delete;
  Latch& operator=(const Latch&) = delete;
  Latch(Latch&&) = delete;
  Latch& operator=(Latch&&) = delete;

  // Never blocks. Lowers the count by n (throws std::invalid_argument when n < 0 or n is
  // larger than the count); reaching zero releases every waiter.
  void count_down(std::ptrdiff_t n = 1);
  // Never blocks: whether the count has reached zero.
  [[nodiscard]] bool try_wait() const;
  // Blocks until the count reaches zero.
  void wait() const;
  // count_down(n), then wait().
  void arrive_and_wait(std::ptrdiff_t n = 1);

 private:
  mutable std::atomic<std::uint32_t> count_;  // the futex word
};

// ---- Barrier ---------------------------------------------------------------------------

// A reusable barrier for a fixed group of threads, phase after phase.
class Barrier {
 public:
  // `expected` threads take part (throws std::invalid_argument unless 1 <= expected <=
  // max()). `completion`, when given, runs once per phase, on the last thread to arrive,
  // after every arrival of the phase and before any waiter is released. It must not throw.
  explicit Barrier(std::ptrdiff_t expected, std::function<void()> completion = {});
  static constexpr std::ptrdiff_t max() noexcept {
    return std::numeric_limits<std::int32_t>::max();
  }
  // No thread may still be waiting when the barrier is destroyed.
  ~Barrier() = default;
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;
  Barrier(Barrier&&) = delete;
  Barrier& operator=(Barrier&&) = delete;

  // Arrives at the current phase and blocks until every expected thread has arrived.
  void arrive_and_wait();
  // Arrives at the current phase without waiting, and leaves the group: later phases
  // expect one thread fewer.
  void arrive_and_drop();

 private:
  // The last arrival of a phase: runs the completion, resets the count, opens the next
  // phase. Called with state_mutex_ NOT held.
  void complete_phase(std::uint32_t phase);
  // Arrives; returns the phase arrived at and whether this arrival completed it.
  std::pair<std::uint32_t, bool> arrive(bool drop);

  std::function<void()> completion_;
  Mutex state_mutex_;                    // guards the two counts below
  std::uint32_t expected_;               // threads taking part in the next phases
  std::uint32_t remaining_;              // arrivals still missing in the current phase
  std::atomic<std::uint32_t> phase_{0};  // futex word: the generation, +1 per completed phase
};

// ---- implementation ----------------------------------------------------------------------

namespace detail {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "a futex word must be a plain, lock-free 32-bit integer");

// Sleeps while `word` holds `expected`. Returns at once when it does not; may also return
// spuriously (a signal, a wake-up meant for an earlier value): callers re-check and loop.
inline void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) {
  ::syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

// Like futex_wait, but wakes at `deadline` at the latest. Returns false when the deadline
// has passed, true otherwise (woken, spurious, or the word had already changed).
inline bool futex_wait_until(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                             std::chrono::steady_clock::time_point deadline) {
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time, the clock of steady_clock
  // on Linux, so a wait that is retried keeps its original deadline.
  const auto since_epoch = deadline.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - secs);
  if (secs.count() < 0) {
    return false;
  }
  const timespec absolute{static_cast<time_t>(secs.count()), static_cast<long>(nanos.count())};
  const long result = ::syscall(SYS_futex, &word, FUTEX_WAIT_BITSET_PRIVATE, expected, &absolute,
                                nullptr, FUTEX_BITSET_MATCH_ANY);
  return !(result == -1 && errno == ETIMEDOUT);
}

// Wakes up to `count` threads sleeping on `word`.
inline void futex_wake(std::atomic<std::uint32_t>& word, int count) {
  ::syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
}

inline void futex_wake_all(std::atomic<std::uint32_t>& word) {
  futex_wake(word, INT_MAX);
}

inline std::uint32_t checked_count(std::ptrdiff_t value, std::ptrdiff_t lowest, const char* what) {
  if (value < lowest || value > std::numeric_limits<std::int32_t>::max()) {
    throw std::invalid_argument(what);
  }
  return static_cast<std::uint32_t>(value);
}

}  // namespace detail

// ---- Mutex (Drepper, "Futexes Are Tricky", mutex 1) ----

inline bool Mutex::try_lock() {
  std::uint32_t expected = kFree;
  // (1) acquire: synchronises with the release exchange (2) of the previous holder's unlock,
  // so everything it wrote inside the lock is visible here.
  return state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                        std::memory_order_relaxed);
}

inline void Mutex::lock() {
  std::uint32_t seen = kFree;
  // (1') acquire, for the same reason as (1).
  while (!state_.compare_exchange_strong(seen, kLocked, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
    // Sleeps only if the word is still `seen` (held): an unlock in between changed it to
    // kFree, and the kernel then returns at once instead of sleeping through it.
    detail::futex_wait(state_, seen);
    seen = kFree;
  }
}

inline void Mutex::unlock() {
  // (2) release: publishes the critical section to the next locker's acquire (1)/(1').
  state_.store(kFree, std::memory_order_release);
  // Two states cannot tell "held" from "held with sleepers", so every unlock pays for a
  // wake-up system call, even when nobody sleeps.
  detail::futex_wake(state_, 1);
}

// ---- RwLock ----
// The counters live under state_mutex_ (whose acquire/release orders everything they
// guard); the two futex words only carry wake-ups, and every change to them is made under
// state_mutex_, so a waiter that read a word under the mutex and then sleeps on that value
// cannot miss a change made after it let go of the mutex.

inline void RwLock::lock_shared() {
  std::uint32_t phase = 0;
  {
    std::lock_guard guard(state_mutex_);
    if (!writer_active_ && waiting_writers_ == 0) {
      ++active_readers_;
      return;
    }
    // A writer holds or waits for the lock: queue behind it (no writer starvation). The
    // writer's unlock admits every parked reader at once (no reader starvation).
    ++parked_readers_;
    phase = read_phase_.load(std::memory_order_relaxed);  // stable: changed only under the mutex
  }
  // (3) acquire: pairs with the release increment (4); the writer's unlock counted this
  // reader into active_readers_ and released its critical section before (4).
  while (read_phase_.load(std::memory_order_acquire) == phase) {
    detail::futex_wait(read_phase_, phase);
  }
}

inline bool RwLock::try_lock_shared() {
  std::lock_guard guard(state_mutex_);
  if (writer_active_ || waiting_writers_ != 0) {
    return false;
  }
  ++active_readers_;
  return true;
}

inline void RwLock::unlock_shared() {
  bool wake_writer = false;
  {
    std::lock_guard guard(state_mutex_);
    --active_readers_;
    if (active_readers_ == 0 && waiting_writers_ != 0) {
      write_turn_.fetch_add(1, std::memory_order_relaxed);  // ordered by state_mutex_
      wake_writer = true;
    }
  }
  if (wake_writer) {
    detail::futex_wake(write_turn_, 1);
  }
}

inline void RwLock::lock() {
  std::unique_lock guard(state_mutex_);
  ++waiting_writers_;  // from now on new readers park instead of entering
  while (writer_active_ || active_readers_ != 0) {
    const std::uint32_t turn = write_turn_.load(std::memory_order_relaxed);
    guard.unlock();
    // Returns at once if an unlock changed the turn after we let go of the mutex.
    detail::futex_wait(write_turn_, turn);
    guard.lock();  // the re-check happens under the mutex, which orders what we read
  }
  --waiting_writers_;
  writer_active_ = true;
}

inline bool RwLock::try_lock() {
  std::lock_guard guard(state_mutex_);
  if (writer_active_ || active_readers_ != 0) {
    return false;
  }
  writer_active_ = true;
  return true;
}

inline void RwLock::unlock() {
  bool wake_readers = false;
  bool wake_writer = false;
  {
    std::lock_guard guard(state_mutex_);
    writer_active_ = false;
    if (parked_readers_ != 0) {
      // Readers first: they waited through this write phase. Counting them in as active
      // now keeps every writer (including one that barges in) out until they have left.
      active_readers_ += parked_readers_;
      parked_readers_ = 0;
      // (4) release: pairs with (3); the parked readers read what this writer wrote.
      read_phase_.fetch_add(1, std::memory_order_release);
      wake_readers = true;
    } else if (waiting_writers_ != 0) {
      write_turn_.fetch_add(1, std::memory_order_relaxed);  // ordered by state_mutex_
      wake_writer = true;
    }
  }
  if (wake_readers) {
    detail::futex_wake_all(read_phase_);
  }
  if (wake_writer) {
    detail::futex_wake(write_turn_, 1);
  }
}

// ---- Semaphore ----

inline Semaphore::Semaphore(std::ptrdiff_t initial)
    : permits_(detail::checked_count(initial, 0, "semaphore: initial count out of range")) {}

inline bool Semaphore::try_acquire() {
  std::uint32_t permits = permits_.load(std::memory_order_relaxed);
  // Check and take in one step: the compare-exchange fails if anyone took (or added) a
  // permit since we looked, so two threads can never both take the last one.
  while (permits != 0) {
    // (5) acquire: pairs with the release part of (6), so what the releaser wrote before
    // release() is visible to the thread that takes its permit.
    if (permits_.compare_exchange_weak(permits, permits - 1, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

inline void Semaphore::acquire() {
  acquire_until(Clock::time_point::max());
}

template <class Rep, class Period>
bool Semaphore::try_acquire_for(std::chrono::duration<Rep, Period> timeout) {
  const auto now = Clock::now();
  // Saturate instead of overflowing for huge timeouts (e.g. duration::max()).
  const auto room =
      std::chrono::duration_cast<std::chrono::duration<double>>(Clock::time_point::max() - now);
  if (std::chrono::duration_cast<std::chrono::duration<double>>(timeout) >= room) {
    return acquire_until(Clock::time_point::max());
  }
  return acquire_until(now + std::chrono::ceil<Clock::duration>(timeout));
}

inline bool Semaphore::acquire_until(Clock::time_point deadline) {
  for (;;) {
    if (try_acquire()) {
      return true;
    }
    // (7) Dekker pair with (6): announce the sleeper, then look at the permits. Both sides
    // are seq_cst, so either release() sees sleepers_ > 0 and wakes, or this thread sees
    // its permit and does not sleep. The kernel re-checks permits_ == 0 before sleeping.
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    bool in_time = true;
    if (permits_.load(std::memory_order_seq_cst) == 0) {
      if (deadline == Clock::time_point::max()) {
        detail::futex_wait(permits_, 0);
      } else {
        in_time = detail::futex_wait_until(permits_, 0, deadline);
      }
    }
    sleepers_.fetch_sub(1, std::memory_order_relaxed);  // only a hint for release()
    if (!in_time || Clock::now() >= deadline) {
      // The deadline passed: one last look, so a permit released at the deadline is taken.
      return try_acquire();
    }
  }
}

inline void Semaphore::release(std::ptrdiff_t n) {
  if (n < 0) {
    throw std::invalid_argument("semaphore: release of a negative count");
  }
  if (n == 0) {
    return;
  }
  // (6) seq_cst: releases the caller's writes to the acquirer's (5) and orders this
  // increment before the sleepers_ load in the single total order (see (7)).
  permits_.fetch_add(static_cast<std::uint32_t>(n), std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) != 0) {
    // Up to n sleepers can each take one of the n new permits. One that loses its permit
    // to a thread that never slept goes back to sleep; no permit is left unused.
    detail::futex_wake(permits_, n > INT_MAX ? INT_MAX : static_cast<int>(n));
  }
}

// ---- Latch ----

inline Latch::Latch(std::ptrdiff_t expected)
    : count_(detail::checked_count(expected, 0, "latch: expected count out of range")) {}

inline void Latch::count_down(std::ptrdiff_t n) {
  std::uint32_t count = count_.load(std::memory_order_relaxed);
  std::uint32_t next = 0;
  do {
    if (n < 0 || n > static_cast<std::ptrdiff_t>(count)) {
      throw std::invalid_argument("latch: count_down below zero");
    }
    next = count - static_cast<std::uint32_t>(n);
    // (8) acq_rel: each count_down releases what its thread wrote before it; the RMWs form
    // one release sequence, so the waiter's acquire (9) of the final zero sees them all.
  } while (!count_.compare_exchange_weak(count, next, std::memory_order_acq_rel,
                                         std::memory_order_relaxed));
  if (next == 0 && count != 0) {
    detail::futex_wake_all(count_);
  }
}

inline bool Latch::try_wait() const {
  return count_.load(std::memory_order_acquire) == 0;  // (9) pairs with (8)
}

inline void Latch::wait() const {
  for (;;) {
    const std::uint32_t count = count_.load(std::memory_order_acquire);  // (9)
    if (count == 0) {
      return;
    }
    // Sleeps only while the count is still `count`; any later change returns at once, and
    // the final zero wakes every sleeper.
    detail::futex_wait(count_, count);
  }
}

inline void Latch::arrive_and_wait(std::ptrdiff_t n) {
  count_down(n);
  wait();
}

// ---- Barrier ----

inline Barrier::Barrier(std::ptrdiff_t expected, std::function<void()> completion)
    : completion_(std::move(completion)),
      expected_(detail::checked_count(expected, 1, "barrier: expected count out of range")),
      remaining_(expected_) {}

inline std::pair<std::uint32_t, bool> Barrier::arrive(bool drop) {
  std::lock_guard guard(state_mutex_);
  // Read under the mutex: the phase cannot advance before this arrival is counted.
  const std::uint32_t phase = phase_.load(std::memory_order_relaxed);
  if (drop) {
    --expected_;
  }
  --remaining_;
  return {phase, remaining_ == 0};
}

inline void Barrier::complete_phase(std::uint32_t phase) {
  // Every other thread of this phase is waiting for phase_ to change and no thread can
  // arrive at the next phase before it does, so the completion runs alone and without
  // any lock held. It sees every arrival: each one was counted under state_mutex_, which
  // this thread took after them.
  if (completion_) {
    [this]() noexcept { completion_(); }();  // a throwing completion terminates
  }
  {
    std::lock_guard guard(state_mutex_);
    remaining_ = expected_;
  }
  // (10) release: the generation is what waiters sleep on; a new value tells them the
  // phase is over, and publishes the completion's writes to their acquire (11).
  phase_.store(phase + 1, std::memory_order_release);
  detail::futex_wake_all(phase_);
}

inline void Barrier::arrive_and_wait() {
  const auto [phase, last] = arrive(false);
  if (last) {
    complete_phase(phase);
    return;
  }
  // Waiting for the generation to move on, not for a count to come back: a fast thread
  // that has already arrived at the next phase cannot confuse this waiter.
  while (phase_.load(std::memory_order_acquire) == phase) {  // (11) pairs with (10)
    detail::futex_wait(phase_, phase);
  }
}

inline void Barrier::arrive_and_drop() {
  const auto [phase, last] = arrive(true);
  if (last) {
    complete_phase(phase);
  }
}

}  // namespace lockstep::sync
