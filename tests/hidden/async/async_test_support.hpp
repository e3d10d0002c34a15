#pragma once

// Helpers shared by the async exercise's hidden tests: a live-frame counter, a coroutine
// type of the tests' own that awaits a Task and can be waited for with a deadline, a
// manual executor, and a thread counter.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

#include <async.hpp>
#include <lockstep/stress.hpp>

namespace lockstep::async_test {

using namespace std::chrono_literals;

// Counts live coroutine frames. Pass `counter.probe()` BY VALUE to a coroutine: the
// parameter is copied into the frame and destroyed only when the frame is destroyed
// (locals die when the body ends; parameters live as long as the frame). So
// `counter.live()` is the number of frames that still exist.
class FrameCounter {
 public:
  class Probe {
   public:
    explicit Probe(std::atomic<long>& live) noexcept : live_(&live) { live_->fetch_add(1); }
    Probe(const Probe& other) noexcept : live_(other.live_) { live_->fetch_add(1); }
    Probe(Probe&& other) noexcept : live_(other.live_) { live_->fetch_add(1); }
    Probe& operator=(const Probe&) = delete;
    Probe& operator=(Probe&&) = delete;
    ~Probe() { live_->fetch_sub(1); }

   private:
    std::atomic<long>* live_;
  };

  [[nodiscard]] Probe probe() { return Probe{live_}; }
  [[nodiscard]] long live() const { return live_.load(); }

 private:
  std::atomic<long> live_{0};
};

// A one-shot flag a test thread can wait for with a deadline.
class Flag {
 public:
  void set() {
    std::lock_guard lock(mutex_);
    set_ = true;
    changed_.notify_all();
  }
  // True when set before `timeout` ran out.
  bool wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return set_; });
  }
  [[nodiscard]] bool is_set() {
    std::lock_guard lock(mutex_);
    return set_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool set_ = false;
};

// A fire-and-forget coroutine type of the tests' own (not the student's Task): it starts
// at once and frees its frame when its body ends. Awaiting a Task from it checks that
// Task can be awaited from any coroutine.
class Spawned {
 public:
  class promise_type {  // NOLINT(readability-identifier-naming): required name
   public:
    Spawned get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    [[noreturn]] void unhandled_exception() const noexcept { std::terminate(); }
  };
};

// The outcome of a spawned task, shared between the coroutine and the test thread.
template <class T>
struct Outcome {
  Flag done;
  std::optional<T> value;
  std::exception_ptr error;
};

template <class T>
Spawned spawn_into(async::Task<T> task, std::shared_ptr<Outcome<T>> outcome) {
  try {
    T value = co_await task;
    outcome->value.emplace(std::move(value));
  } catch (...) {
    outcome->error = std::current_exception();
  }
  outcome->done.set();
}

// Starts `task` on the calling thread (it runs until its first suspension) without
// blocking; the returned outcome is set when it finishes.
template <class T>
std::shared_ptr<Outcome<T>> spawn(async::Task<T> task) {
  auto outcome = std::make_shared<Outcome<T>>();
  spawn_into(std::move(task), outcome);
  return outcome;
}

// An executor run by hand: execute() only queues; the test decides when to resume.
class ManualExecutor final : public async::Executor {
 public:
  void execute(std::coroutine_handle<> work) override {
    std::lock_guard lock(mutex_);
    queue_.push_back(work);
  }
  [[nodiscard]] std::size_t queued() {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }
  // Resumes the oldest queued coroutine; false when there is none.
  bool run_one() {
    std::coroutine_handle<> work;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        return false;
      }
      work = queue_.front();
      queue_.pop_front();
    }
    work.resume();
    return true;
  }

 private:
  std::mutex mutex_;
  std::deque<std::coroutine_handle<>> queue_;
};

// Threads of this process right now (entries of /proc/self/task).
inline std::size_t thread_count_of_process() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task")) {
    ++count;
  }
  return count;
}

// Polls `condition` until it holds or `timeout` passed; returns whether it held. For
// waiting on progress that happens on pool threads, with a generous bound.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// A task that hops onto `executor` and then yields `value`.
template <class T>
async::Task<T> value_on(async::Executor& executor, T value) {
  co_await executor.schedule();
  co_return value;
}

// A task that waits, without holding a worker, until its stop token is triggered
// (or an hour passed), then counts itself in `stopped`.
inline async::Task<int> wait_for_cancellation(async::ThreadPool& pool, std::atomic<int>& stopped,
                                              FrameCounter::Probe /*frame*/) {
  co_await pool.schedule();
  co_await pool.sleep_for(1h);
  const std::stop_token token = co_await async::get_stop_token();
  if (token.stop_requested()) {
    stopped.fetch_add(1);
  }
  co_return -1;
}

}  // namespace lockstep::async_test
