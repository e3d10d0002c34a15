#pragma once

// lockstep::async — lazily started coroutine tasks on a thread pool, with structured
// concurrency (when_all, when_any), cancellation through std::stop_token and timers.
//
// Your task: implement every piece below so that it keeps the promise written above it.
// The lesson (README.md beside this file) explains the coroutine machinery, the guarantees
// and how they are tested. You own this whole file: add private members, helper classes
// and coroutines as you like (a `detail` namespace is a good home for them), but keep the
// public API exactly as it is, because the tests are written against it.
//
// Until you replace it, creating any Task throws lockstep::not_implemented (from
// get_return_object), so every test fails cleanly instead of crashing or hanging.

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <lockstep/not_implemented.hpp>

namespace lockstep::async {

template <class T = void>
class Task;

// ---- executors ------------------------------------------------------------------------

// Something that runs coroutines. Implementations must be thread-safe.
class Executor {
 public:
  Executor() = default;
  virtual ~Executor() = default;
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  Executor(Executor&&) = delete;
  Executor& operator=(Executor&&) = delete;

  // Arranges for work.resume() to run soon on one of the executor's threads. Never runs
  // it inline and never blocks. Safe to call from any thread, including its own.
  virtual void execute(std::coroutine_handle<> work) = 0;

  // co_await ex.schedule() suspends the caller and resumes it on one of ex's threads,
  // exactly once.
  class ScheduleAwaiter {
   public:
    explicit ScheduleAwaiter(Executor& executor) noexcept : executor_(&executor) {}
    [[nodiscard]] bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> awaiting) const {
      // TODO(student): hand `awaiting` to the executor. Once it is handed over it may
      // already be running (and destroying this awaiter) on another thread.
      (void)awaiting;
      (void)executor_;
      throw lockstep::not_implemented("async: Executor::schedule");
    }
    void await_resume() const noexcept {}

   private:
    Executor* executor_;
  };
  [[nodiscard]] ScheduleAwaiter schedule() noexcept { return ScheduleAwaiter{*this}; }
};

class SleepAwaiter;

// A fixed number of worker threads plus whatever a timer needs (not one thread per
// sleeper). The destructor runs what is still queued, then joins every thread; it is
// only called when no task can still be scheduled on the pool or be sleeping on it.
class ThreadPool final : public Executor {
 public:
  // Throws std::invalid_argument when threads is 0.
  explicit ThreadPool(std::size_t threads) {
    // TODO(student): start `threads` workers (and a timer, see sleep_for).
    (void)threads;
    throw lockstep::not_implemented("async: ThreadPool");
  }
  ~ThreadPool() override {
    // TODO(student): run what is still queued, stop and join every thread you started.
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ThreadPool(ThreadPool&&) = delete;
  ThreadPool& operator=(ThreadPool&&) = delete;

  // Thread-safe; never blocks for long; never resumes `work` inline.
  void execute(std::coroutine_handle<> work) override {
    (void)work;
    throw lockstep::not_implemented("async: ThreadPool::execute");
  }

  // The number of worker threads (a timer thread is not counted).
  [[nodiscard]] std::size_t thread_count() const noexcept { return 0; }  // TODO(student)

  // co_await pool.sleep_for(d): suspends for at least d without occupying a worker, then
  // resumes on this pool. Ends early when the awaiting task's stop token is triggered.
  // Yields true when the full time passed, false when it was cut short by cancellation.
  template <class Rep, class Period>
  [[nodiscard]] SleepAwaiter sleep_for(std::chrono::duration<Rep, Period> duration);
};

// The awaiter of ThreadPool::sleep_for.
class SleepAwaiter {
 public:
  SleepAwaiter(ThreadPool& pool, std::chrono::steady_clock::duration duration) noexcept
      : pool_(&pool), duration_(duration) {}
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  template <class P>
  void await_suspend(std::coroutine_handle<P> awaiting) {
    // TODO(student): register a timer that resumes `awaiting` on the pool when due, and a
    // std::stop_callback on the awaiting task's stop token that resumes it early. Exactly
    // one of the two may resume it; either may fire before this function has returned.
    (void)awaiting;
    (void)pool_;
    (void)duration_;
    throw lockstep::not_implemented("async: sleep_for");
  }
  bool await_resume() {
    // TODO(student): true when the full time passed, false when cancelled.
    throw lockstep::not_implemented("async: sleep_for");
  }

 private:
  ThreadPool* pool_;
  std::chrono::steady_clock::duration duration_;
};

template <class Rep, class Period>
SleepAwaiter ThreadPool::sleep_for(std::chrono::duration<Rep, Period> duration) {
  return SleepAwaiter{*this, std::chrono::ceil<std::chrono::steady_clock::duration>(duration)};
}

// ---- Task -----------------------------------------------------------------------------

// co_await get_stop_token() yields the stop token of the task that awaits it (an empty
// token when awaited from a coroutine that has none).
class GetStopTokenAwaiter {
 public:
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> awaiting) {
    // TODO(student): read the token from the awaiting coroutine's promise, then let it
    // continue at once.
    (void)awaiting;
    throw lockstep::not_implemented("async: get_stop_token");
  }
  std::stop_token await_resume() noexcept { return token_; }

 private:
  std::stop_token token_;
};
[[nodiscard]] inline GetStopTokenAwaiter get_stop_token() noexcept {
  return {};
}

namespace detail {

// The promise of Task<T>. Yours to design: it needs the continuation to resume when the
// body is done, the stop token, and room for the result or the exception.
template <class T>
class TaskPromise {
 public:
  Task<T> get_return_object() {
    // TODO(student): return a Task owning this coroutine's frame.
    throw lockstep::not_implemented("async: Task");
  }
  // TODO(student): lazy start: the body runs only when the task is awaited.
  std::suspend_always initial_suspend() const noexcept { return {}; }
  // TODO(student): resume the awaiter by symmetric transfer (return its handle from
  // await_suspend) instead of suspend_always.
  std::suspend_always final_suspend() const noexcept { return {}; }
  template <class U>
  void return_value(U&& value) {
    (void)value;
    throw lockstep::not_implemented("async: Task::return_value");
  }
  void unhandled_exception() {
    // TODO(student): keep the exception for the awaiter; never drop it.
    throw lockstep::not_implemented("async: Task::unhandled_exception");
  }
};

template <>
class TaskPromise<void> {
 public:
  Task<void> get_return_object();
  std::suspend_always initial_suspend() const noexcept { return {}; }
  std::suspend_always final_suspend() const noexcept { return {}; }
  void return_void() const {}
  void unhandled_exception() {
    throw lockstep::not_implemented("async: Task::unhandled_exception");
  }
};

}  // namespace detail

// A lazily started coroutine producing a T (or nothing). Move-only; owns its frame and
// destroys it in its destructor. Await it at most once, with co_await, from ANY coroutine
// (a coroutine type of the tests' own awaits it too); the awaiting coroutine resumes with
// the task's value, or the task's exception is rethrown there. The awaited task inherits
// the awaiting coroutine's stop token when that coroutine's promise has a member
// `std::stop_token stop_token() const`.
template <class T>
class [[nodiscard]] Task {
 public:
  // NOLINTNEXTLINE(readability-identifier-naming): the name the coroutine machinery looks for
  using promise_type = detail::TaskPromise<T>;

  Task() noexcept = default;
  Task(Task&& other) noexcept {
    // TODO(student): take over other's frame; other becomes empty.
    (void)other;
  }
  Task& operator=(Task&& other) noexcept {
    // TODO(student): destroy the frame this task owns, then take over other's.
    (void)other;
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    // TODO(student): destroy the frame (if any): a frame must never outlive its Task.
  }

  // False for a default-constructed or moved-from task.
  [[nodiscard]] bool valid() const noexcept { return false; }  // TODO(student)

  class Awaiter {
   public:
    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> awaiting) {
      // TODO(student): remember `awaiting` as the continuation and pass on its stop
      // token BEFORE the task starts, then start it by symmetric transfer.
      (void)awaiting;
      throw lockstep::not_implemented("async: co_await Task");
    }
    T await_resume() { throw lockstep::not_implemented("async: co_await Task"); }
  };
  Awaiter operator co_await() const noexcept { return Awaiter{}; }
};

inline Task<void> detail::TaskPromise<void>::get_return_object() {
  // TODO(student): return a Task owning this coroutine's frame.
  throw lockstep::not_implemented("async: Task");
}

// ---- joins ----------------------------------------------------------------------------

// Starts the task on the calling thread and blocks it until the task has finished; returns
// its result or rethrows its exception. Every coroutine frame it started has been
// destroyed when it returns. `token` becomes the task's stop token. Never called from a
// pool worker.
template <class T>
T sync_wait(Task<T> task, std::stop_token token = {}) {
  // TODO(student): drive the task from a coroutine of your own and block on an event that
  // its final suspension point sets; mind who may destroy what once the event is set.
  (void)task;
  (void)token;
  throw lockstep::not_implemented("async: sync_wait");
}

// Runs every task concurrently (each starts at once and runs until its first suspension),
// waits for all of them, then returns their results in argument order. If any threw, the
// exception of the first one to fail is rethrown, but only after all have finished.
template <class T>
requires(!std::is_void_v<T>) Task<std::vector<T>> when_all(std::vector<Task<T>> tasks) {
  // TODO(student): the parent is resumed exactly once, by whoever finishes last: the last
  // task, or the parent itself when every task finished before it could suspend.
  (void)tasks;
  throw lockstep::not_implemented("async: when_all");
}
inline Task<void> when_all(std::vector<Task<void>> tasks) {
  (void)tasks;
  throw lockstep::not_implemented("async: when_all");
}
template <class... Ts>
requires(sizeof...(Ts) > 0 &&
         (!std::is_void_v<Ts> && ...)) Task<std::tuple<Ts...>> when_all(Task<Ts>... tasks) {
  ((void)tasks, ...);
  throw lockstep::not_implemented("async: when_all");
}

// The winner of when_any: its position in the argument vector and its value.
template <class T>
struct WhenAnyResult {
  std::size_t index;
  T value;
};

// Runs every task concurrently; the first to finish (with a value or an exception) wins.
// The others are then asked to stop through their stop token, and when_any waits for all
// of them to finish before it returns the winner's result or rethrows its exception.
// A stop request to when_any itself reaches every task. Throws std::invalid_argument for
// an empty vector.
template <class T>
requires(!std::is_void_v<T>) Task<WhenAnyResult<T>> when_any(std::vector<Task<T>> tasks) {
  // TODO(student): structured concurrency: nothing may outlive when_any.
  (void)tasks;
  throw lockstep::not_implemented("async: when_any");
}
// For Task<void>: yields the winner's index.
inline Task<std::size_t> when_any(std::vector<Task<void>> tasks) {
  (void)tasks;
  throw lockstep::not_implemented("async: when_any");
}

// Races the task against a timer on `pool`: the task's value when it finishes first,
// nullopt when the time runs out first (the task is then cancelled and awaited). When the
// task wins, with_timeout returns at once (it does not wait for the timer).
template <class T, class Rep, class Period>
requires(!std::is_void_v<T>) Task<std::optional<T>> with_timeout(
    ThreadPool& pool, Task<T> task, std::chrono::duration<Rep, Period> timeout) {
  (void)pool;
  (void)task;
  (void)timeout;
  throw lockstep::not_implemented("async: with_timeout");
}
// For a Task<void>: true when it finished in time.
template <class Rep, class Period>
Task<bool> with_timeout(ThreadPool& pool, Task<void> task,
                        std::chrono::duration<Rep, Period> timeout) {
  (void)pool;
  (void)task;
  (void)timeout;
  throw lockstep::not_implemented("async: with_timeout");
}

}  // namespace lockstep::async
