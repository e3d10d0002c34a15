#pragma once

// lockstep::async — lazily started coroutine tasks on a thread pool, with structured
// concurrency (when_all, when_any), cancellation through std::stop_token and timers.
//
// Alternate design (tests/alternates): every join (when_all, when_any) keeps its state
// under a small mutex (the parent checks "anyone left?" and parks its handle in ONE
// critical section, so a finishing child either sees the parked parent or the parent sees
// that nobody is left); sync_wait waits on a heap-shared std::atomic<bool>; the pool has
// no timer thread: idle workers sleep until the earliest deadline and fire due timers
// themselves, and a cancelled sleep is taken out of the timer list under the pool's lock.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace lockstep::async {

template <class T = void>
class Task;

// ---- the public API -------------------------------------------------------------------

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

  class ScheduleAwaiter;
  // co_await ex.schedule() suspends the caller and resumes it on one of ex's threads.
  [[nodiscard]] ScheduleAwaiter schedule() noexcept;
};

class SleepAwaiter;

// A fixed number of worker threads sharing one queue and one timer list (no timer
// thread: idle workers wait until the earliest deadline). The destructor runs what is still queued,
// then joins every thread; destroy the pool only when no task can still be scheduled on it or be
// sleeping on it.
class ThreadPool final : public Executor {
 public:
  explicit ThreadPool(std::size_t threads);  // throws std::invalid_argument when 0
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ThreadPool(ThreadPool&&) = delete;
  ThreadPool& operator=(ThreadPool&&) = delete;

  void execute(std::coroutine_handle<> work) override;

  // The number of worker threads.
  [[nodiscard]] std::size_t thread_count() const noexcept { return workers_.size(); }

  // co_await pool.sleep_for(d): suspends for at least d without occupying a worker, then
  // resumes on this pool. Ends early when the awaiting task's stop token is triggered.
  // Yields true when the full time passed, false when it was cut short by cancellation.
  template <class Rep, class Period>
  [[nodiscard]] SleepAwaiter sleep_for(std::chrono::duration<Rep, Period> duration);

 private:
  friend class SleepAwaiter;
  using Clock = std::chrono::steady_clock;

  // One sleep; every field is guarded by the pool's mutex_.
  struct Sleep {
    std::coroutine_handle<> sleeper;
    Clock::time_point due;
    bool registered = false;  // in timers_
    bool done = false;        // resumed or about to be: by the timer or by cancellation
    bool cut_short = false;
  };

  void work_loop();
  // Registers the sleep unless it was cancelled already; false: resume inline.
  bool start_sleep(const std::shared_ptr<Sleep>& sleep);
  void cancel_sleep(const std::shared_ptr<Sleep>& sleep);
  bool sleep_was_cut_short(const std::shared_ptr<Sleep>& sleep);
  // Moves due timers to the run queue; the lock is held.
  void fire_due_locked(Clock::time_point now);

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::deque<std::coroutine_handle<>> queue_;                        // guarded by mutex_
  std::multimap<Clock::time_point, std::shared_ptr<Sleep>> timers_;  // guarded by mutex_
  bool stopping_ = false;                                            // guarded by mutex_

  std::vector<std::thread> workers_;
};

// co_await get_stop_token() yields the stop token of the task that awaits it (empty when
// awaited from a coroutine that has none). The token is inherited: a task awaited by
// another gets its awaiter's token; when_any gives its children one that also fires when
// the race is decided.
class GetStopTokenAwaiter;
[[nodiscard]] GetStopTokenAwaiter get_stop_token() noexcept;

// Starts the task on the calling thread and blocks it until the task has finished; returns
// its result or rethrows its exception. Every coroutine frame it started has been
// destroyed when it returns. `token` becomes the task's stop token. Never call it from a
// pool worker: the worker would block while the task may need it.
template <class T>
T sync_wait(Task<T> task, std::stop_token token = {});

// Runs every task concurrently (each starts at once and runs until its first suspension),
// waits for all of them, then returns their results in argument order. If any threw,
// the exception of the first one to fail is rethrown, but only after all have finished.
template <class T>
requires(!std::is_void_v<T>) Task<std::vector<T>> when_all(std::vector<Task<T>> tasks);
Task<void> when_all(std::vector<Task<void>> tasks);
template <class... Ts>
requires(sizeof...(Ts) > 0 &&
         (!std::is_void_v<Ts> && ...)) Task<std::tuple<Ts...>> when_all(Task<Ts>... tasks);

// The winner of when_any: its position in the argument vector and its value.
template <class T>
struct WhenAnyResult {
  std::size_t index;
  T value;
};

// Runs every task concurrently; the first to finish (with a value or an exception) wins.
// The others are then asked to stop through their stop token, and when_any waits for all
// of them to finish before it returns the winner's result or rethrows its exception.
// Throws std::invalid_argument for an empty vector.
template <class T>
requires(!std::is_void_v<T>) Task<WhenAnyResult<T>> when_any(std::vector<Task<T>> tasks);
Task<std::size_t> when_any(std::vector<Task<void>> tasks);  // yields the winner's index

// Races the task against a timer on `pool`: the task's value when it finishes first,
// nullopt when the time runs out first (the task is then cancelled and awaited).
template <class T, class Rep, class Period>
requires(!std::is_void_v<T>) Task<std::optional<T>> with_timeout(
    ThreadPool& pool, Task<T> task, std::chrono::duration<Rep, Period> timeout);
// For a Task<void>: true when it finished in time.
template <class Rep, class Period>
Task<bool> with_timeout(ThreadPool& pool, Task<void> task,
                        std::chrono::duration<Rep, Period> timeout);

// ---- coroutine plumbing ---------------------------------------------------------------

namespace detail {

// A promise that can tell its coroutine's stop token.
template <class P>
concept StopTokenPromise = requires(const P& promise) {
  { promise.stop_token() } -> std::convertible_to<std::stop_token>;
};

template <class P>
std::stop_token stop_token_of(std::coroutine_handle<P> handle) noexcept {
  if constexpr (StopTokenPromise<P>) {
    return handle.promise().stop_token();
  } else {
    return {};
  }
}

// What every Task promise has: lazy start, the continuation and the stop token.
class TaskPromiseBase {
 public:
  // When the body is done, hand the thread to whoever awaited the task (symmetric
  // transfer: the continuation runs in place of this frame, the stack does not grow).
  struct FinalAwaiter {
    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> self) const noexcept {
      return self.promise().continuation_;
    }
    void await_resume() const noexcept {}
  };

  std::suspend_always initial_suspend() const noexcept { return {}; }
  FinalAwaiter final_suspend() const noexcept { return {}; }

  // Set by the awaiter before the task starts; the task runs on the awaiter's thread
  // until its first suspension, so no synchronisation is needed.
  void set_awaiter(std::coroutine_handle<> continuation, std::stop_token token) noexcept {
    continuation_ = continuation;
    token_ = std::move(token);
  }
  [[nodiscard]] std::stop_token stop_token() const noexcept { return token_; }

 private:
  std::coroutine_handle<> continuation_ = std::noop_coroutine();
  std::stop_token token_;
};

template <class T>
class TaskPromise : public TaskPromiseBase {
 public:
  Task<T> get_return_object() noexcept;

  template <class U>
  requires std::convertible_to<U&&, T>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    value_.emplace(std::forward<U>(value));
  }
  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  T take_result() {
    if (error_) {
      std::rethrow_exception(error_);
    }
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
  std::exception_ptr error_;
};

template <>
class TaskPromise<void> : public TaskPromiseBase {
 public:
  Task<void> get_return_object() noexcept;
  void return_void() const noexcept {}
  void unhandled_exception() noexcept { error_ = std::current_exception(); }
  void take_result() const {
    if (error_) {
      std::rethrow_exception(error_);
    }
  }

 private:
  std::exception_ptr error_;
};

}  // namespace detail

// A lazily started coroutine producing a T (or nothing). Move-only; owns its frame and
// destroys it in its destructor. Await it at most once, with co_await, from any coroutine.
template <class T>
class [[nodiscard]] Task {
 public:
  // NOLINTNEXTLINE(readability-identifier-naming): the name the coroutine machinery looks for
  using promise_type = detail::TaskPromise<T>;

  Task() noexcept = default;
  explicit Task(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { destroy(); }

  // False for a default-constructed or moved-from task.
  [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(handle_); }

  class Awaiter {
   public:
    explicit Awaiter(std::coroutine_handle<promise_type> task) noexcept : task_(task) {}
    [[nodiscard]] bool await_ready() const noexcept { return false; }
    // The continuation and the stop token are in place before the body starts.
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> awaiting) const noexcept {
      task_.promise().set_awaiter(awaiting, detail::stop_token_of(awaiting));
      return task_;
    }
    T await_resume() const { return task_.promise().take_result(); }

   private:
    std::coroutine_handle<promise_type> task_;
  };

  // Starts the task; the awaiting coroutine resumes when it has finished, with its result
  // or its exception.
  Awaiter operator co_await() const noexcept { return Awaiter{handle_}; }

 private:
  void destroy() noexcept {
    if (handle_) {
      handle_.destroy();
      handle_ = {};
    }
  }

  std::coroutine_handle<promise_type> handle_;
};

namespace detail {

template <class T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  return Task<T>{std::coroutine_handle<TaskPromise<T>>::from_promise(*this)};
}

inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>{std::coroutine_handle<TaskPromise<void>>::from_promise(*this)};
}

}  // namespace detail

// ---- executors ----------------------------------------------------------------------

class Executor::ScheduleAwaiter {
 public:
  explicit ScheduleAwaiter(Executor& executor) noexcept : executor_(&executor) {}
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  // After execute() the coroutine may already run on a worker and destroy this awaiter:
  // nothing here may be touched once it has been handed over.
  void await_suspend(std::coroutine_handle<> awaiting) const { executor_->execute(awaiting); }
  void await_resume() const noexcept {}

 private:
  Executor* executor_;
};

inline Executor::ScheduleAwaiter Executor::schedule() noexcept {
  return ScheduleAwaiter{*this};
}

class SleepAwaiter {
 public:
  SleepAwaiter(ThreadPool& pool, std::chrono::steady_clock::duration duration) noexcept
      : pool_(&pool), duration_(duration) {}

  [[nodiscard]] bool await_ready() const noexcept {
    return duration_ <= std::chrono::steady_clock::duration::zero();
  }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> awaiting) {
    sleep_ = std::make_shared<ThreadPool::Sleep>();
    sleep_->sleeper = awaiting;  // not shared yet
    sleep_->due = std::chrono::steady_clock::now() + duration_;
    // The callback may run right here (stop already requested): it then only marks the
    // sleep done, and start_sleep below sees that and resumes inline.
    cancel_.emplace(detail::stop_token_of(awaiting), Cancel{pool_, sleep_});
    return pool_->start_sleep(sleep_);
  }
  bool await_resume() {
    cancel_.reset();  // waits for a concurrently running cancellation callback to return
    return sleep_ == nullptr || !pool_->sleep_was_cut_short(sleep_);
  }

 private:
  struct Cancel {
    ThreadPool* pool;
    std::shared_ptr<ThreadPool::Sleep> sleep;
    void operator()() const { pool->cancel_sleep(sleep); }
  };

  ThreadPool* pool_;
  std::chrono::steady_clock::duration duration_;
  std::shared_ptr<ThreadPool::Sleep> sleep_;
  std::optional<std::stop_callback<Cancel>> cancel_;
};

template <class Rep, class Period>
SleepAwaiter ThreadPool::sleep_for(std::chrono::duration<Rep, Period> duration) {
  return SleepAwaiter{*this, std::chrono::ceil<Clock::duration>(duration)};
}

inline ThreadPool::ThreadPool(std::size_t threads) {
  if (threads == 0) {
    throw std::invalid_argument("a thread pool needs at least one thread");
  }
  workers_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    workers_.emplace_back([this] { work_loop(); });
  }
}

inline ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    timers_.clear();  // sleepers still registered are never resumed (documented)
  }
  work_ready_.notify_all();
  for (auto& worker : workers_) {
    worker.join();
  }
}

inline void ThreadPool::execute(std::coroutine_handle<> work) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(work);
  }
  work_ready_.notify_one();
}

inline void ThreadPool::fire_due_locked(Clock::time_point now) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const std::shared_ptr<Sleep> sleep = std::move(timers_.begin()->second);
    timers_.erase(timers_.begin());
    sleep->registered = false;
    sleep->done = true;
    queue_.push_back(sleep->sleeper);
  }
}

inline void ThreadPool::work_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    fire_due_locked(Clock::now());
    if (!queue_.empty()) {
      const std::coroutine_handle<> work = queue_.front();
      queue_.pop_front();
      const bool more = !queue_.empty();
      lock.unlock();
      if (more) {
        work_ready_.notify_one();  // timers may have queued several at once
      }
      work.resume();
      lock.lock();
      continue;
    }
    if (stopping_) {
      return;
    }
    if (timers_.empty()) {
      work_ready_.wait(lock);
    } else {
      // A copy: wait_until reads its deadline again after waking, when another worker may
      // already have erased that timer.
      const Clock::time_point due = timers_.begin()->first;
      work_ready_.wait_until(lock, due);
    }
  }
}

inline bool ThreadPool::start_sleep(const std::shared_ptr<Sleep>& sleep) {
  bool earliest = false;
  {
    std::lock_guard lock(mutex_);
    if (sleep->done) {
      return false;  // cancelled while await_suspend was setting up
    }
    const auto it = timers_.emplace(sleep->due, sleep);
    sleep->registered = true;
    earliest = it == timers_.begin();
  }
  if (earliest) {
    work_ready_.notify_all();  // idle workers wait for an older, later deadline
  }
  return true;
}

inline void ThreadPool::cancel_sleep(const std::shared_ptr<Sleep>& sleep) {
  {
    std::lock_guard lock(mutex_);
    if (sleep->done) {
      return;  // the timer fired first
    }
    sleep->done = true;
    sleep->cut_short = true;
    if (!sleep->registered) {
      return;  // start_sleep has not run yet: it sees done and resumes inline
    }
    for (auto it = timers_.lower_bound(sleep->due); it != timers_.end(); ++it) {
      if (it->second == sleep) {
        timers_.erase(it);
        break;
      }
    }
    sleep->registered = false;
    queue_.push_back(sleep->sleeper);
  }
  work_ready_.notify_one();
}

inline bool ThreadPool::sleep_was_cut_short(const std::shared_ptr<Sleep>& sleep) {
  std::lock_guard lock(mutex_);
  return sleep->cut_short;
}

class GetStopTokenAwaiter {
 public:
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> awaiting) noexcept {
    token_ = detail::stop_token_of(awaiting);
    return false;  // never actually suspends: resume at once
  }
  std::stop_token await_resume() noexcept { return std::move(token_); }

 private:
  std::stop_token token_;
};

inline GetStopTokenAwaiter get_stop_token() noexcept {
  return {};
}

// ---- joins: sync_wait, when_all, when_any -----------------------------------------------

namespace detail {

// sync_wait's wake-up: an atomic flag the blocked thread waits on. It lives on the heap,
// shared by the waiter and the driver, so notify_one() after the store never touches
// memory the waiter has already freed.
class Event {
 public:
  void set() {
    done_.store(1);
    done_.notify_one();
  }
  void wait() {
    while (done_.load() == 0) {
      done_.wait(0);
    }
  }

 private:
  std::atomic<int> done_{0};  // int: waited on with a futex directly
};

// The coroutine sync_wait drives: it awaits the task, then signals the blocked thread
// from its final suspension point, once nothing of the frame runs any more.
class SyncWaitDriver {
 public:
  class promise_type {  // NOLINT(readability-identifier-naming): required name
   public:
    SyncWaitDriver get_return_object() noexcept {
      return SyncWaitDriver{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    struct FinalAwaiter {
      [[nodiscard]] bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<promise_type> self) const noexcept {
        // Keep the event alive past set(): the frame may be destroyed once it is set.
        const std::shared_ptr<Event> event = self.promise().event_;
        event->set();
      }
      void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    [[noreturn]] void unhandled_exception() const noexcept { std::terminate(); }

    [[nodiscard]] std::stop_token stop_token() const noexcept { return token_; }
    void prepare(std::shared_ptr<Event> event, std::stop_token token) noexcept {
      event_ = std::move(event);
      token_ = std::move(token);
    }

   private:
    std::shared_ptr<Event> event_;
    std::stop_token token_;
  };

  SyncWaitDriver(SyncWaitDriver&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  SyncWaitDriver(const SyncWaitDriver&) = delete;
  SyncWaitDriver& operator=(const SyncWaitDriver&) = delete;
  SyncWaitDriver& operator=(SyncWaitDriver&&) = delete;
  ~SyncWaitDriver() {
    if (handle_) {
      handle_.destroy();
    }
  }

  void run(std::stop_token token) {
    auto event = std::make_shared<Event>();
    handle_.promise().prepare(event, std::move(token));
    handle_.resume();
    event->wait();
  }

 private:
  explicit SyncWaitDriver(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
  std::coroutine_handle<promise_type> handle_;
};

template <class T>
struct Outcome {
  std::optional<T> value;
  std::exception_ptr error;
};
template <>
struct Outcome<void> {
  std::exception_ptr error;
};

template <class T>
SyncWaitDriver drive(Task<T>& task, Outcome<T>& outcome) {
  try {
    if constexpr (std::is_void_v<T>) {
      co_await task;
    } else {
      T value = co_await task;
      outcome.value.emplace(std::move(value));
    }
  } catch (...) {
    outcome.error = std::current_exception();
  }
}

// The join of when_all / when_any, under a mutex: the parent parks its handle and checks
// for unfinished children in one critical section; a finishing child counts itself out
// and takes the parked handle in another. One of the two always sees the other.
class JoinCounter {
 public:
  explicit JoinCounter(std::size_t children) noexcept : remaining_(children) {}

  // A child has finished: the handle to continue with.
  std::coroutine_handle<> child_done() noexcept {
    std::lock_guard lock(mutex_);
    if (--remaining_ == 0 && parent_) {
      return std::exchange(parent_, {});
    }
    return std::noop_coroutine();
  }
  // The parent has started every child: true when it must suspend (a child will resume it).
  bool parent_waits(std::coroutine_handle<> parent) {
    std::lock_guard lock(mutex_);
    if (remaining_ == 0) {
      return false;
    }
    parent_ = parent;
    return true;
  }

 private:
  std::mutex mutex_;
  std::size_t remaining_;           // guarded by mutex_
  std::coroutine_handle<> parent_;  // guarded by mutex_
};

// One child of a join: a coroutine that awaits the user's task, records its outcome and
// reports to the counter from its final suspension point.
class JoinChild {
 public:
  class promise_type {  // NOLINT(readability-identifier-naming): required name
   public:
    JoinChild get_return_object() noexcept {
      return JoinChild{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    struct FinalAwaiter {
      [[nodiscard]] bool await_ready() const noexcept { return false; }
      std::coroutine_handle<> await_suspend(
          std::coroutine_handle<promise_type> self) const noexcept {
        return self.promise().counter_->child_done();
      }
      void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    [[noreturn]] void unhandled_exception() const noexcept { std::terminate(); }

    [[nodiscard]] std::stop_token stop_token() const noexcept { return token_; }

   private:
    friend class JoinChild;
    JoinCounter* counter_ = nullptr;
    std::stop_token token_;
  };

  JoinChild(JoinChild&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  JoinChild(const JoinChild&) = delete;
  JoinChild& operator=(const JoinChild&) = delete;
  JoinChild& operator=(JoinChild&&) = delete;
  ~JoinChild() {
    if (handle_) {
      handle_.destroy();
    }
  }

  void start(JoinCounter& counter, std::stop_token token) {
    handle_.promise().counter_ = &counter;
    handle_.promise().token_ = std::move(token);
    handle_.resume();
  }

 private:
  explicit JoinChild(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
  std::coroutine_handle<promise_type> handle_;
};

// co_await StartAll{...}: starts every child, then waits until all have finished.
class StartAll {
 public:
  StartAll(std::vector<JoinChild>& children, JoinCounter& counter, std::stop_token token) noexcept
      : children_(&children), counter_(&counter), token_(std::move(token)) {}
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> parent) {
    for (auto& child : *children_) {
      child.start(*counter_, token_);
    }
    return counter_->parent_waits(parent);
  }
  void await_resume() const noexcept {}

 private:
  std::vector<JoinChild>* children_;
  JoinCounter* counter_;
  std::stop_token token_;
};

// Records the first failure (in completion order) of a when_all.
class FirstError {
 public:
  void offer(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    if (!error_) {
      error_ = std::move(error);
    }
  }
  void rethrow_if_any() {
    std::lock_guard lock(mutex_);
    if (error_) {
      std::rethrow_exception(error_);
    }
  }

 private:
  std::mutex mutex_;
  std::exception_ptr error_;  // guarded by mutex_
};

template <class T>
JoinChild all_child(Task<T>& task, std::optional<T>& slot, FirstError& first_error) {
  try {
    T value = co_await task;
    slot.emplace(std::move(value));
  } catch (...) {
    first_error.offer(std::current_exception());
  }
}

inline JoinChild all_child_void(Task<void>& task, FirstError& first_error) {
  try {
    co_await task;
  } catch (...) {
    first_error.offer(std::current_exception());
  }
}

// The race of a when_any: the first child to finish claims the win and stops the others.
class Race {
 public:
  static constexpr std::size_t kNobody = static_cast<std::size_t>(-1);

  explicit Race(const std::stop_token& parent) : forward_(parent, Forward{&source_}) {}

  bool claim(std::size_t index) {
    {
      std::lock_guard lock(mutex_);
      if (winner_ != kNobody) {
        return false;
      }
      winner_ = index;
    }
    source_.request_stop();  // outside the lock: callbacks take other locks
    return true;
  }
  [[nodiscard]] std::size_t winner() {
    std::lock_guard lock(mutex_);
    return winner_;
  }
  [[nodiscard]] std::stop_token token() const noexcept { return source_.get_token(); }
  void set_error(std::exception_ptr error) noexcept { error_ = std::move(error); }
  void rethrow_if_any() const {
    if (error_) {
      std::rethrow_exception(error_);
    }
  }

 private:
  struct Forward {
    std::stop_source* source;
    void operator()() const noexcept { source->request_stop(); }
  };
  std::stop_source source_;
  std::mutex mutex_;
  std::size_t winner_ = kNobody;         // guarded by mutex_
  std::exception_ptr error_;             // written by the winner only
  std::stop_callback<Forward> forward_;  // the parent's cancellation cancels the race
};

template <class T>
JoinChild any_child(Task<T>& task, std::size_t index, Race& race, std::optional<T>& value) {
  try {
    T result = co_await task;
    if (race.claim(index)) {
      value.emplace(std::move(result));
    }
  } catch (...) {
    if (race.claim(index)) {
      race.set_error(std::current_exception());
    }
  }
}

inline JoinChild any_child_void(Task<void>& task, std::size_t index, Race& race) {
  try {
    co_await task;
    race.claim(index);
  } catch (...) {
    if (race.claim(index)) {
      race.set_error(std::current_exception());
    }
  }
}

template <class T>
Task<void> store_into(Task<T> task, std::optional<T>& slot) {
  T value = co_await task;
  slot.emplace(std::move(value));
}

template <class T>
Task<std::optional<T>> as_optional(Task<T> task) {
  T value = co_await task;
  co_return std::optional<T>(std::move(value));
}

template <class T>
Task<std::optional<T>> nothing_after(ThreadPool& pool,
                                     std::chrono::steady_clock::duration timeout) {
  co_await pool.sleep_for(timeout);
  co_return std::nullopt;
}

inline Task<bool> finished(Task<void> task) {
  co_await task;
  co_return true;
}

inline Task<bool> false_after(ThreadPool& pool, std::chrono::steady_clock::duration timeout) {
  co_await pool.sleep_for(timeout);
  co_return false;
}

template <class... Ts, std::size_t... I>
std::tuple<Ts...> unwrap(std::tuple<std::optional<Ts>...>& slots,
                         std::index_sequence<I...> /*unused*/) {
  return std::tuple<Ts...>(std::move(*std::get<I>(slots))...);
}

template <class... Ts, std::size_t... I>
std::vector<Task<void>> store_all(std::tuple<Task<Ts>...>& tasks,
                                  std::tuple<std::optional<Ts>...>& slots,
                                  std::index_sequence<I...> /*unused*/) {
  std::vector<Task<void>> stores;
  stores.reserve(sizeof...(Ts));
  (stores.push_back(store_into(std::move(std::get<I>(tasks)), std::get<I>(slots))), ...);
  return stores;
}

}  // namespace detail

template <class T>
T sync_wait(Task<T> task, std::stop_token token) {
  detail::Outcome<T> outcome;
  {
    Task<T> owned = std::move(task);  // destroyed in here, not by the caller after we return
    detail::SyncWaitDriver driver = detail::drive(owned, outcome);
    driver.run(std::move(token));
  }  // the driver's frame and then the task's frame are destroyed here
  if (outcome.error) {
    std::rethrow_exception(outcome.error);
  }
  if constexpr (!std::is_void_v<T>) {
    return std::move(*outcome.value);
  }
}

template <class T>
requires(!std::is_void_v<T>) Task<std::vector<T>> when_all(std::vector<Task<T>> tasks) {
  const std::stop_token token = co_await get_stop_token();
  std::vector<std::optional<T>> slots(tasks.size());
  detail::FirstError first_error;
  detail::JoinCounter counter(tasks.size());
  std::vector<detail::JoinChild> children;
  children.reserve(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    children.push_back(detail::all_child(tasks[i], slots[i], first_error));
  }
  co_await detail::StartAll{children, counter, token};
  first_error.rethrow_if_any();
  std::vector<T> results;
  results.reserve(slots.size());
  for (auto& slot : slots) {
    results.push_back(std::move(*slot));
  }
  co_return results;
}

inline Task<void> when_all(std::vector<Task<void>> tasks) {
  const std::stop_token token = co_await get_stop_token();
  detail::FirstError first_error;
  detail::JoinCounter counter(tasks.size());
  std::vector<detail::JoinChild> children;
  children.reserve(tasks.size());
  for (auto& task : tasks) {
    children.push_back(detail::all_child_void(task, first_error));
  }
  co_await detail::StartAll{children, counter, token};
  first_error.rethrow_if_any();
}

template <class... Ts>
requires(sizeof...(Ts) > 0 &&
         (!std::is_void_v<Ts> && ...)) Task<std::tuple<Ts...>> when_all(Task<Ts>... tasks) {
  std::tuple<std::optional<Ts>...> slots;
  std::tuple<Task<Ts>...> owned(std::move(tasks)...);
  Task<void> all = when_all(detail::store_all(owned, slots, std::index_sequence_for<Ts...>{}));
  co_await all;
  co_return detail::unwrap(slots, std::index_sequence_for<Ts...>{});
}

template <class T>
requires(!std::is_void_v<T>) Task<WhenAnyResult<T>> when_any(std::vector<Task<T>> tasks) {
  if (tasks.empty()) {
    throw std::invalid_argument("when_any of no tasks");
  }
  const std::stop_token parent = co_await get_stop_token();
  detail::Race race(parent);
  std::optional<T> value;
  detail::JoinCounter counter(tasks.size());
  std::vector<detail::JoinChild> children;
  children.reserve(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    children.push_back(detail::any_child(tasks[i], i, race, value));
  }
  co_await detail::StartAll{children, counter, race.token()};
  race.rethrow_if_any();
  co_return WhenAnyResult<T>{race.winner(), std::move(*value)};
}

inline Task<std::size_t> when_any(std::vector<Task<void>> tasks) {
  if (tasks.empty()) {
    throw std::invalid_argument("when_any of no tasks");
  }
  const std::stop_token parent = co_await get_stop_token();
  detail::Race race(parent);
  detail::JoinCounter counter(tasks.size());
  std::vector<detail::JoinChild> children;
  children.reserve(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    children.push_back(detail::any_child_void(tasks[i], i, race));
  }
  co_await detail::StartAll{children, counter, race.token()};
  race.rethrow_if_any();
  co_return race.winner();
}

template <class T, class Rep, class Period>
requires(!std::is_void_v<T>) Task<std::optional<T>> with_timeout(
    ThreadPool& pool, Task<T> task, std::chrono::duration<Rep, Period> timeout) {
  std::vector<Task<std::optional<T>>> race;
  race.push_back(detail::as_optional(std::move(task)));
  race.push_back(detail::nothing_after<T>(
      pool, std::chrono::ceil<std::chrono::steady_clock::duration>(timeout)));
  Task<WhenAnyResult<std::optional<T>>> first = when_any(std::move(race));
  WhenAnyResult<std::optional<T>> result = co_await first;
  co_return std::move(result.value);
}

template <class Rep, class Period>
Task<bool> with_timeout(ThreadPool& pool, Task<void> task,
                        std::chrono::duration<Rep, Period> timeout) {
  std::vector<Task<bool>> race;
  race.push_back(detail::finished(std::move(task)));
  race.push_back(
      detail::false_after(pool, std::chrono::ceil<std::chrono::steady_clock::duration>(timeout)));
  Task<WhenAnyResult<bool>> first = when_any(std::move(race));
  const WhenAnyResult<bool> result = co_await first;
  co_return result.value;
}

}  // namespace lockstep::async
