#pragma once

// lockstep::work_stealing — a Chase–Lev work-stealing deque and a fork-join thread pool
// built on it.
//
// Your task: implement every member below so that it keeps the promise written above it.
// The lesson (README.md beside this file) explains the guarantees and how they are tested.
// You own this whole file: add private members and helpers as you like, but keep the
// public API exactly as it is, because the tests are written against it.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <lockstep/not_implemented.hpp>

namespace lockstep::work_stealing {

// A Chase–Lev work-stealing deque of trivially copyable values (task pointers, indices).
// One thread, the owner, calls push and pop; any number of other threads call steal at
// the same time. Every pushed value is taken exactly once, by pop or by steal.
template <class T>
class WorkStealingDeque {
  static_assert(std::is_trivially_copyable_v<T>,
                "slots are std::atomic<T>: a thief may read a slot the owner overwrites");

 public:
  // `capacity` is a hint for the first buffer; the deque grows without limit.
  explicit WorkStealingDeque(std::size_t capacity = 64) {
    // TODO(student): allocate the first buffer (a power of two makes indexing a mask).
    (void)capacity;
  }
  ~WorkStealingDeque() = default;
  WorkStealingDeque(const WorkStealingDeque&) = delete;
  WorkStealingDeque& operator=(const WorkStealingDeque&) = delete;
  WorkStealingDeque(WorkStealingDeque&&) = delete;
  WorkStealingDeque& operator=(WorkStealingDeque&&) = delete;

  // Owner only. Never blocks; grows the buffer when it is full.
  void push(T value) {
    // TODO(student): write the slot, then publish it with a release store of bottom. A
    // thief may still be reading an old buffer: keep it alive until the deque dies.
    (void)value;
    throw lockstep::not_implemented("work_stealing: WorkStealingDeque::push");
  }

  // Owner only. The most recently pushed value not yet taken (LIFO), or nullopt when the
  // deque is empty or a thief took its last value first.
  std::optional<T> pop() {
    // TODO(student): reserve the bottom item (seq_cst store of bottom), THEN read top
    // (seq_cst load); race the thieves with a CAS of top only for the last item.
    throw lockstep::not_implemented("work_stealing: WorkStealingDeque::pop");
  }

  // Any thread. The oldest value not yet taken (FIFO), or nullopt when the deque is empty
  // or another thread took that value first (try again to be sure it is empty).
  std::optional<T> steal() {
    // TODO(student): read top, then bottom (seq_cst), read the slot, then claim it with a
    // compare-and-swap of top; a thief that loses the CAS must not return the value.
    throw lockstep::not_implemented("work_stealing: WorkStealingDeque::steal");
  }

  // Any thread: a snapshot that may be stale by the time it returns.
  [[nodiscard]] std::size_t size() const noexcept {
    // TODO(student)
    return 0;
  }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

 private:
  // TODO(student): top, bottom (std::atomic<std::int64_t>), the current buffer of
  // std::atomic<T> slots, and the retired buffers.
};

// A fixed number of workers running submitted callables, with work stealing.
class ThreadPool {
 public:
  // Starts `threads` workers; throws std::invalid_argument when 0.
  explicit ThreadPool(std::size_t threads) {
    // TODO(student): one deque per worker, then start the workers.
    (void)threads;
    throw lockstep::not_implemented("work_stealing: ThreadPool::ThreadPool");
  }
  // Runs every task submitted before (and every task those tasks submit), then joins the
  // workers. No thread may call submit from outside the pool once destruction started.
  ~ThreadPool() {
    // TODO(student): tell the workers to finish the queued work, wake them all, join.
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ThreadPool(ThreadPool&&) = delete;
  ThreadPool& operator=(ThreadPool&&) = delete;

  // Any thread. Queues f() and returns the future of its result; an exception f throws is
  // stored in the future. From a worker of this pool the task goes to that worker's own
  // deque (fork-join); from any other thread to a shared queue. Wakes a sleeping worker
  // when there is one. Never blocks on running tasks.
  template <class F>
  auto submit(F&& f) -> std::future<std::invoke_result_t<std::decay_t<F>>> {
    // TODO(student): wrap f in a std::packaged_task, queue it, wake a sleeper.
    (void)f;
    throw lockstep::not_implemented("work_stealing: ThreadPool::submit");
  }

  // Any thread. Returns future.get(). On a worker of this pool it runs other queued tasks
  // (its own first, then stolen ones) until the future is ready, so waiting inside a task
  // for a task it forked never deadlocks the pool, whatever its size.
  template <class R>
  R wait(std::future<R> future) {
    // TODO(student): help while waiting when called on one of this pool's workers.
    (void)future;
    throw lockstep::not_implemented("work_stealing: ThreadPool::wait");
  }

  // Not from a worker of this pool (throws std::logic_error). Blocks until every task
  // submitted so far, and every task those submit, has finished.
  void wait_idle() {
    // TODO(student)
    throw lockstep::not_implemented("work_stealing: ThreadPool::wait_idle");
  }

  [[nodiscard]] std::size_t size() const noexcept {
    // TODO(student)
    return 0;
  }

 private:
  // TODO(student): the workers and their deques, a shared queue for outside submits, the
  // sleep/wake state, the count of unfinished tasks.
};

}  // namespace lockstep::work_stealing
