#pragma once

// lockstep::sync — the standard synchronisation primitives, built from scratch.
//
// Your task: implement every member below so that it keeps the promise written above it.
// The lesson (README.md beside this file) explains the guarantees and how they are tested.
// You own this whole file: add private members and helpers as you like, but keep the
// public API exactly as it is, because the tests are written against it.
//
// Build only on std::atomic (C++20 wait / notify_one / notify_all) or on the Linux futex
// system call. The standard library's own mutexes, condition variables, semaphores,
// latches and barriers (and their pthread equivalents) are forbidden in this file: the
// grader reports every use with its line and takes points off (see exercise.toml).
// std::lock_guard, std::unique_lock and std::shared_lock over YOUR types are fine.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <utility>

#include <lockstep/not_implemented.hpp>

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
  void lock() {
    // TODO(student): a three-state futex-style mutex (free / locked / locked with
    // sleepers). Sleep instead of spinning forever when the lock is taken.
    throw lockstep::not_implemented("sync: Mutex::lock");
  }

  // Never blocks: takes the lock when it is free and returns whether it did.
  bool try_lock() {
    // TODO(student)
    throw lockstep::not_implemented("sync: Mutex::try_lock");
  }

  // Releases the lock (the calling thread must hold it) and wakes one sleeping locker.
  void unlock() {
    // TODO(student): publish the critical section to the next locker (memory order!) and
    // wake a sleeper if there may be one.
    throw lockstep::not_implemented("sync: Mutex::unlock");
  }

 private:
  // TODO(student): the lock word.
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
  void lock() {
    // TODO(student): a writer waiting behind a stream of readers must get in (no writer
    // starvation).
    throw lockstep::not_implemented("sync: RwLock::lock");
  }
  // Never blocks.
  bool try_lock() {
    // TODO(student)
    throw lockstep::not_implemented("sync: RwLock::try_lock");
  }
  void unlock() {
    // TODO(student): readers that waited during this write phase must not be starved by
    // the next writers.
    throw lockstep::not_implemented("sync: RwLock::unlock");
  }

  // Shared (reader) side. lock_shared blocks while a writer holds the lock or waits for it.
  void lock_shared() {
    // TODO(student)
    throw lockstep::not_implemented("sync: RwLock::lock_shared");
  }
  // Never blocks.
  bool try_lock_shared() {
    // TODO(student)
    throw lockstep::not_implemented("sync: RwLock::try_lock_shared");
  }
  void unlock_shared() {
    // TODO(student): the last reader out wakes a waiting writer.
    throw lockstep::not_implemented("sync: RwLock::unlock_shared");
  }

 private:
  // TODO(student): the lock's state and the words waiters sleep on.
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
  explicit Semaphore(std::ptrdiff_t initial) {
    // TODO(student): check the range and store the count.
    (void)initial;
  }
  // No thread may still be waiting when the semaphore is destroyed.
  ~Semaphore() = default;
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  Semaphore(Semaphore&&) = delete;
  Semaphore& operator=(Semaphore&&) = delete;

  // All members may be called concurrently from any number of threads.

  // Blocks (asleep) until it can take one permit, then takes it.
  void acquire() {
    // TODO(student)
    throw lockstep::not_implemented("sync: Semaphore::acquire");
  }

  // Never blocks: takes a permit if one is available and returns whether it did.
  bool try_acquire() {
    // TODO(student): "is there a permit?" and "take it" must be ONE atomic step.
    throw lockstep::not_implemented("sync: Semaphore::try_acquire");
  }

  // Like acquire, but gives up and returns false once `timeout` has passed.
  template <class Rep, class Period>
  bool try_acquire_for(std::chrono::duration<Rep, Period> timeout) {
    // TODO(student): never return false before the deadline; wake for a permit released
    // in time. std::atomic::wait has no timeout: see the lesson.
    (void)timeout;
    throw lockstep::not_implemented("sync: Semaphore::try_acquire_for");
  }

  // Adds n permits (n >= 0; throws std::invalid_argument when negative) and wakes up to n
  // waiters.
  void release(std::ptrdiff_t n = 1) {
    // TODO(student): releasing n permits at once must be able to wake n waiters.
    (void)n;
    throw lockstep::not_implemented("sync: Semaphore::release");
  }

 private:
  // TODO(student): the permit count and whatever tells release() that someone sleeps.
};

// ---- Latch -----------------------------------------------------------------------------

// A single-use count-down latch.
class Latch {
 public:
  // Throws std::invalid_argument unless 0 <= expected <= max().
  explicit Latch(std::ptrdiff_t expected) {
    // TODO(student)
    (void)expected;
  }
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
  void count_down(std::ptrdiff_t n = 1) {
    // TODO(student): what a thread wrote before count_down must be visible after wait().
    (void)n;
    throw lockstep::not_implemented("sync: Latch::count_down");
  }

  // Never blocks: whether the count has reached zero.
  [[nodiscard]] bool try_wait() const {
    // TODO(student)
    throw lockstep::not_implemented("sync: Latch::try_wait");
  }

  // Blocks until the count reaches zero.
  void wait() const {
    // TODO(student)
    throw lockstep::not_implemented("sync: Latch::wait");
  }

  // count_down(n), then wait().
  void arrive_and_wait(std::ptrdiff_t n = 1) {
    // TODO(student)
    (void)n;
    throw lockstep::not_implemented("sync: Latch::arrive_and_wait");
  }

 private:
  // TODO(student): the count.
};

// ---- Barrier ---------------------------------------------------------------------------

// A reusable barrier for a fixed group of threads, phase after phase.
class Barrier {
 public:
  // `expected` threads take part (throws std::invalid_argument unless 1 <= expected <=
  // max()). `completion`, when given, runs once per phase, on the last thread to arrive,
  // after every arrival of the phase and before any waiter is released. It must not throw.
  explicit Barrier(std::ptrdiff_t expected, std::function<void()> completion = {})
      : completion_(std::move(completion)) {
    // TODO(student)
    (void)expected;
  }
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
  void arrive_and_wait() {
    // TODO(student): reusable phase after phase. A waiter must tell "my phase is over"
    // from "a fast thread already arrived at the next phase" (see the lesson).
    throw lockstep::not_implemented("sync: Barrier::arrive_and_wait");
  }

  // Arrives at the current phase without waiting, and leaves the group: later phases
  // expect one thread fewer.
  void arrive_and_drop() {
    // TODO(student)
    throw lockstep::not_implemented("sync: Barrier::arrive_and_drop");
  }

 private:
  std::function<void()> completion_;
  // TODO(student): the counts and the word waiters sleep on.
};

}  // namespace lockstep::sync
