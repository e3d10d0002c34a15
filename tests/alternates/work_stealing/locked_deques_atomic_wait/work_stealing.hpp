#pragma once

// lockstep::work_stealing — alternate solution: locked deques, no injector queue, sleeping
// on std::atomic::wait.
//
// - WorkStealingDeque<T> is a std::deque behind a mutex: the owner works at the back, a
//   thief at the front. Same promises as the lock-free one, far simpler, slower under
//   contention.
// - ThreadPool deals outside submits round-robin onto the workers' deques (a locked deque
//   may be pushed to from any thread), so there is no shared queue at all; a task
//   submitted on a worker goes to that worker's deque.
// - Idle workers sleep in epoch_.wait(seen); every enqueue bumps epoch_ and, when someone
//   announced it sleeps, calls notify_all. The futex compares the epoch in the kernel, so a
//   bump between the sleeper's check and its sleep makes the wait return at once.

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

namespace lockstep::work_stealing {

template <class T>
class WorkStealingDeque {
  static_assert(std::is_trivially_copyable_v<T>, "same contract as the lock-free deque");

 public:
  explicit WorkStealingDeque(std::size_t capacity = 64) { (void)capacity; }
  ~WorkStealingDeque() = default;
  WorkStealingDeque(const WorkStealingDeque&) = delete;
  WorkStealingDeque& operator=(const WorkStealingDeque&) = delete;
  WorkStealingDeque(WorkStealingDeque&&) = delete;
  WorkStealingDeque& operator=(WorkStealingDeque&&) = delete;

  // Safe from any thread here (the pool relies on it for outside submits).
  void push(T value) {
    const std::lock_guard lock(mutex_);
    items_.push_back(value);
  }
  std::optional<T> pop() {
    const std::lock_guard lock(mutex_);
    if (items_.empty()) {
      return std::nullopt;
    }
    T value = items_.back();
    items_.pop_back();
    return value;
  }
  std::optional<T> steal() {
    const std::lock_guard lock(mutex_);
    if (items_.empty()) {
      return std::nullopt;
    }
    T value = items_.front();
    items_.pop_front();
    return value;
  }
  [[nodiscard]] std::size_t size() const noexcept {
    const std::lock_guard lock(mutex_);
    return items_.size();
  }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

 private:
  mutable std::mutex mutex_;
  std::deque<T> items_;  // guarded by mutex_
};

class ThreadPool {
 public:
  explicit ThreadPool(std::size_t threads) {
    if (threads == 0) {
      throw std::invalid_argument("work_stealing: a pool needs at least one thread");
    }
    for (std::size_t i = 0; i < threads; ++i) {
      deques_.push_back(std::make_unique<WorkStealingDeque<TaskBase*>>());
    }
    for (std::size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this, i] { worker_loop(i); });
    }
  }
  ~ThreadPool() {
    stopping_.store(true, std::memory_order_seq_cst);
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    epoch_.notify_all();
    for (auto& thread : threads_) {
      thread.join();
    }
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ThreadPool(ThreadPool&&) = delete;
  ThreadPool& operator=(ThreadPool&&) = delete;

  template <class F>
  auto submit(F&& f) -> std::future<std::invoke_result_t<std::decay_t<F>>> {
    using R = std::invoke_result_t<std::decay_t<F>>;
    auto task = std::make_unique<Packaged<R>>(std::packaged_task<R()>(std::forward<F>(f)));
    std::future<R> future = task->task.get_future();
    pending_.fetch_add(1, std::memory_order_seq_cst);
    const std::size_t self = current_worker();
    const std::size_t target =
        self != kNotAWorker ? self : next_.fetch_add(1, std::memory_order_relaxed) % deques_.size();
    deques_[target]->push(task.release());  // ownership moves to the queue (see run_task)
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) != 0) {
      epoch_.notify_all();
    }
    return future;
  }

  template <class R>
  R wait(std::future<R> future) {
    const std::size_t self = current_worker();
    if (self != kNotAWorker) {
      std::size_t victim = self;
      while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        if (TaskBase* task = find_task(self, victim)) {
          run_task(task);
        } else {
          std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
      }
    }
    return future.get();
  }

  void wait_idle() {
    if (current_worker() != kNotAWorker) {
      throw std::logic_error("work_stealing: wait_idle from a task of the same pool");
    }
    std::unique_lock lock(idle_mutex_);
    idle_cv_.wait(lock, [this] { return pending_.load(std::memory_order_seq_cst) == 0; });
  }

  [[nodiscard]] std::size_t size() const noexcept { return threads_.size(); }

 private:
  struct TaskBase {
    TaskBase() = default;
    virtual ~TaskBase() = default;
    TaskBase(const TaskBase&) = delete;
    TaskBase& operator=(const TaskBase&) = delete;
    TaskBase(TaskBase&&) = delete;
    TaskBase& operator=(TaskBase&&) = delete;
    virtual void run() = 0;
  };
  template <class R>
  struct Packaged final : TaskBase {
    explicit Packaged(std::packaged_task<R()> t) : task(std::move(t)) {}
    void run() override { task(); }
    std::packaged_task<R()> task;
  };

  static constexpr std::size_t kNotAWorker = static_cast<std::size_t>(-1);
  struct Current {
    const ThreadPool* pool = nullptr;
    std::size_t index = kNotAWorker;
  };
  static Current& current() noexcept {
    thread_local Current here;
    return here;
  }
  [[nodiscard]] std::size_t current_worker() const noexcept {
    return current().pool == this ? current().index : kNotAWorker;
  }

  // Own deque first (newest), then the other deques (oldest), starting after the victim
  // that served last time.
  TaskBase* find_task(std::size_t self, std::size_t& victim) {
    if (auto own = deques_[self]->pop()) {
      return *own;
    }
    const std::size_t n = deques_.size();
    for (std::size_t k = 1; k <= n; ++k) {
      const std::size_t v = (victim + k) % n;
      if (v == self) {
        continue;
      }
      if (auto stolen = deques_[v]->steal()) {
        victim = v;
        return *stolen;
      }
    }
    return nullptr;
  }

  void run_task(TaskBase* task) {
    {
      const std::unique_ptr<TaskBase> owned(task);
      owned->run();
    }
    if (pending_.fetch_sub(1, std::memory_order_seq_cst) == 1) {
      { const std::lock_guard lock(idle_mutex_); }
      idle_cv_.notify_all();
    }
  }

  void worker_loop(std::size_t self) {
    current() = Current{this, self};
    std::size_t victim = self;
    for (;;) {
      const std::uint32_t seen = epoch_.load(std::memory_order_seq_cst);
      if (TaskBase* task = find_task(self, victim)) {
        run_task(task);
        continue;
      }
      if (stopping_.load(std::memory_order_seq_cst)) {
        return;
      }
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      epoch_.wait(seen, std::memory_order_seq_cst);
      sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    }
  }

  std::vector<std::unique_ptr<WorkStealingDeque<TaskBase*>>> deques_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::uint32_t> epoch_{0};
  std::atomic<std::size_t> sleepers_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> pending_{0};
  std::mutex idle_mutex_;
  std::condition_variable idle_cv_;
};

}  // namespace lockstep::work_stealing
