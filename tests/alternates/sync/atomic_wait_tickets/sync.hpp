#pragma once

// lockstep::sync — the standard synchronisation primitives, built from scratch.
//
// Alternate solution: only C++20 std::atomic wait / notify_one / notify_all, no futex
// system call and no internal lock anywhere.
//   Mutex      FIFO ticket lock: take a ticket, sleep until it is served
//   RwLock     phase-fair ticket lock (Brandenburg & Anderson, PF-T)
//   Semaphore  the count is the wait word; timed acquire polls with a bounded back-off
//   Latch      the count is the wait word
//   Barrier    one 64-bit word {phase, drops, expected, arrived} changed by compare-exchange
//
// libstdc++'s notify skips the system call when its own count of sleepers is zero; that
// check and the sleeper's look at the value form a Dekker pair, so every store that a
// notify follows is a seq_cst read-modify-write and every wait loads with seq_cst.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <thread>
#include <utility>

namespace lockstep::sync {

namespace detail {
inline std::uint32_t checked_count(std::ptrdiff_t value, std::ptrdiff_t lowest,
                                   std::ptrdiff_t highest, const char* what) {
  if (value < lowest || value > highest) {
    throw std::invalid_argument(what);
  }
  return static_cast<std::uint32_t>(value);
}
constexpr auto kSc = std::memory_order_seq_cst;
}  // namespace detail

// ---- Mutex -----------------------------------------------------------------------------

class Mutex {
 public:
  Mutex() = default;
  ~Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  Mutex(Mutex&&) = delete;
  Mutex& operator=(Mutex&&) = delete;

  void lock() {
    const std::uint32_t ticket = next_.fetch_add(1, detail::kSc);
    for (;;) {
      const std::uint32_t serving = serving_.load(detail::kSc);
      if (serving == ticket) {
        return;
      }
      serving_.wait(serving, detail::kSc);
    }
  }

  bool try_lock() {
    // Free means every ticket handed out has been served. Taking the next ticket only if
    // nobody took one since: then it is served at once.
    std::uint32_t serving = serving_.load(detail::kSc);
    return next_.compare_exchange_strong(serving, serving + 1, detail::kSc);
  }

  void unlock() {
    serving_.fetch_add(1, detail::kSc);
    serving_.notify_all();  // the holder of the next ticket is among the sleepers
  }

 private:
  std::atomic<std::uint32_t> next_{0};
  std::atomic<std::uint32_t> serving_{0};
};

// ---- RwLock (PF-T) ----------------------------------------------------------------------

class RwLock {
 public:
  RwLock() = default;
  ~RwLock() = default;
  RwLock(const RwLock&) = delete;
  RwLock& operator=(const RwLock&) = delete;
  RwLock(RwLock&&) = delete;
  RwLock& operator=(RwLock&&) = delete;

  void lock() {
    const std::uint32_t ticket = writer_in_.fetch_add(1, detail::kSc);
    for (;;) {  // writers go one at a time, in ticket order
      const std::uint32_t out = writer_out_.load(detail::kSc);
      if (out == ticket) {
        break;
      }
      writer_out_.wait(out, detail::kSc);
    }
    enter_after_readers(ticket);
  }

  bool try_lock() {
    std::uint32_t ticket = writer_out_.load(detail::kSc);
    const std::uint32_t readers = reader_in_.load(detail::kSc);
    if ((readers & kWriterBits) != 0 || reader_out_.load(detail::kSc) != readers) {
      return false;
    }
    if (!writer_in_.compare_exchange_strong(ticket, ticket + 1, detail::kSc)) {
      return false;  // another writer is queued or inside
    }
    const std::uint32_t inside = reader_in_.fetch_add(kPresent | (ticket & kPhaseId), detail::kSc);
    if (reader_out_.load(detail::kSc) == inside) {
      return true;
    }
    unlock();  // a reader slipped in meanwhile: an empty write phase, then give up
    return false;
  }

  void unlock() {
    reader_in_.fetch_and(~kWriterBits, detail::kSc);
    reader_in_.notify_all();
    writer_out_.fetch_add(1, detail::kSc);
    writer_out_.notify_all();
  }

  void lock_shared() {
    const std::uint32_t writer = reader_in_.fetch_add(kReaderStep, detail::kSc) & kWriterBits;
    if (writer == 0) {
      return;
    }
    // Wait only for the write phase seen on arrival: when its writer leaves, the bits
    // clear or change phase, and this reader goes ahead of the next writer.
    for (;;) {
      const std::uint32_t now = reader_in_.load(detail::kSc);
      if ((now & kWriterBits) != writer) {
        return;
      }
      reader_in_.wait(now, detail::kSc);
    }
  }

  bool try_lock_shared() {
    std::uint32_t now = reader_in_.load(detail::kSc);
    while ((now & kWriterBits) == 0) {
      if (reader_in_.compare_exchange_weak(now, now + kReaderStep, detail::kSc)) {
        return true;
      }
    }
    return false;
  }

  void unlock_shared() {
    reader_out_.fetch_add(kReaderStep, detail::kSc);
    reader_out_.notify_all();
  }

 private:
  static constexpr std::uint32_t kReaderStep = 0x100;
  static constexpr std::uint32_t kWriterBits = 0x3;
  static constexpr std::uint32_t kPresent = 0x2;
  static constexpr std::uint32_t kPhaseId = 0x1;

  void enter_after_readers(std::uint32_t ticket) {
    // Readers that arrived before this point are counted in `inside`; later ones see the
    // writer bits and wait.
    const std::uint32_t inside = reader_in_.fetch_add(kPresent | (ticket & kPhaseId), detail::kSc);
    for (;;) {
      const std::uint32_t out = reader_out_.load(detail::kSc);
      if (out == inside) {
        return;
      }
      reader_out_.wait(out, detail::kSc);
    }
  }

  std::atomic<std::uint32_t> reader_in_{0};   // readers arrived (x 0x100) | writer bits
  std::atomic<std::uint32_t> reader_out_{0};  // readers left (x 0x100)
  std::atomic<std::uint32_t> writer_in_{0};   // writer tickets handed out
  std::atomic<std::uint32_t> writer_out_{0};  // writer tickets served
};

// ---- Semaphore -------------------------------------------------------------------------

class Semaphore {
 public:
  static constexpr std::ptrdiff_t max() noexcept {
    return std::numeric_limits<std::int32_t>::max();
  }

  explicit Semaphore(std::ptrdiff_t initial)
      : permits_(detail::checked_count(initial, 0, max(), "semaphore: initial count")) {}
  ~Semaphore() = default;
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  Semaphore(Semaphore&&) = delete;
  Semaphore& operator=(Semaphore&&) = delete;

  void acquire() {
    while (!try_acquire()) {
      permits_.wait(0, detail::kSc);
    }
  }

  bool try_acquire() {
    std::uint32_t permits = permits_.load(detail::kSc);
    while (permits != 0) {
      if (permits_.compare_exchange_weak(permits, permits - 1, detail::kSc)) {
        return true;
      }
    }
    return false;
  }

  // std::atomic::wait has no timeout: poll, backing off from 1 us to 1 ms, and never
  // sleep past the deadline.
  template <class Rep, class Period>
  bool try_acquire_for(std::chrono::duration<Rep, Period> timeout) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const auto room = std::chrono::duration<double>(Clock::time_point::max() - start);
    const auto deadline = std::chrono::duration<double>(timeout) >= room
                              ? Clock::time_point::max()
                              : start + std::chrono::ceil<Clock::duration>(timeout);
    auto pause = std::chrono::microseconds(1);
    for (;;) {
      if (try_acquire()) {
        return true;
      }
      const auto now = Clock::now();
      if (now >= deadline) {
        return false;
      }
      std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
      pause = std::min(pause * 2, std::chrono::microseconds(1000));
    }
  }

  void release(std::ptrdiff_t n = 1) {
    if (n < 0) {
      throw std::invalid_argument("semaphore: negative release");
    }
    if (n == 0) {
      return;
    }
    permits_.fetch_add(static_cast<std::uint32_t>(n), detail::kSc);
    if (n == 1) {
      permits_.notify_one();
    } else {
      permits_.notify_all();
    }
  }

 private:
  std::atomic<std::uint32_t> permits_;
};

// ---- Latch -----------------------------------------------------------------------------

class Latch {
 public:
  explicit Latch(std::ptrdiff_t expected)
      : count_(detail::checked_count(expected, 0, max(), "latch: expected count")) {}
  static constexpr std::ptrdiff_t max() noexcept {
    return std::numeric_limits<std::int32_t>::max();
  }
  ~Latch() = default;
  Latch(const Latch&) = delete;
  Latch& operator=(const Latch&) = delete;
  Latch(Latch&&) = delete;
  Latch& operator=(Latch&&) = delete;

  void count_down(std::ptrdiff_t n = 1) {
    std::uint32_t count = count_.load(detail::kSc);
    do {
      if (n < 0 || n > static_cast<std::ptrdiff_t>(count)) {
        throw std::invalid_argument("latch: count_down below zero");
      }
    } while (
        !count_.compare_exchange_weak(count, count - static_cast<std::uint32_t>(n), detail::kSc));
    if (count != 0 && count == static_cast<std::uint32_t>(n)) {
      count_.notify_all();
    }
  }

  [[nodiscard]] bool try_wait() const { return count_.load(detail::kSc) == 0; }

  void wait() const {
    for (;;) {
      const std::uint32_t count = count_.load(detail::kSc);
      if (count == 0) {
        return;
      }
      count_.wait(count, detail::kSc);
    }
  }

  void arrive_and_wait(std::ptrdiff_t n = 1) {
    count_down(n);
    wait();
  }

 private:
  std::atomic<std::uint32_t> count_;
};

// ---- Barrier ---------------------------------------------------------------------------

class Barrier {
 public:
  explicit Barrier(std::ptrdiff_t expected, std::function<void()> completion = {})
      : completion_(std::move(completion)),
        state_(pack(0, 0, detail::checked_count(expected, 1, max(), "barrier: expected"), 0)) {}
  static constexpr std::ptrdiff_t max() noexcept { return kField; }
  ~Barrier() = default;
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;
  Barrier(Barrier&&) = delete;
  Barrier& operator=(Barrier&&) = delete;

  void arrive_and_wait() {
    const std::uint64_t phase = arrive(false);
    for (;;) {
      const std::uint64_t now = state_.load(detail::kSc);
      if (phase_of(now) != phase) {
        return;
      }
      state_.wait(now, detail::kSc);
    }
  }

  void arrive_and_drop() { arrive(true); }

 private:
  // {phase:4 | drops:20 | expected:20 | arrived:20}. A waiter is at most one phase behind
  // (the next phase cannot complete without it), so 4 phase bits never alias.
  static constexpr std::uint64_t kField = (1U << 20U) - 1;
  static constexpr unsigned kExpectedShift = 20;
  static constexpr unsigned kDropsShift = 40;
  static constexpr unsigned kPhaseShift = 60;

  static constexpr std::uint64_t pack(std::uint64_t phase, std::uint64_t drops,
                                      std::uint64_t expected, std::uint64_t arrived) {
    return ((phase & 0xfU) << kPhaseShift) | (drops << kDropsShift) | (expected << kExpectedShift) |
           arrived;
  }
  static constexpr std::uint64_t phase_of(std::uint64_t s) { return s >> kPhaseShift; }

  // Counts this arrival; the last one runs the completion and opens the next phase.
  // Returns the phase arrived at.
  std::uint64_t arrive(bool drop) {
    std::uint64_t now = state_.load(detail::kSc);
    std::uint64_t next = 0;
    bool last = false;
    do {
      const std::uint64_t arrived = (now & kField) + 1;
      const std::uint64_t expected = (now >> kExpectedShift) & kField;
      const std::uint64_t drops = ((now >> kDropsShift) & kField) + (drop ? 1 : 0);
      last = arrived == expected;
      next = pack(phase_of(now), drops, expected, arrived);
    } while (!state_.compare_exchange_weak(now, next, detail::kSc));
    const std::uint64_t phase = phase_of(next);
    if (last) {
      if (completion_) {
        [this]() noexcept { completion_(); }();
      }
      const std::uint64_t expected =
          ((next >> kExpectedShift) & kField) - ((next >> kDropsShift) & kField);
      state_.store(pack(phase + 1, 0, expected, 0), detail::kSc);
      state_.notify_all();
    }
    return phase;
  }

  std::function<void()> completion_;
  std::atomic<std::uint64_t> state_;
};

}  // namespace lockstep::sync
