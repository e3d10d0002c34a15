#pragma once

// lockstep::async — lazily started coroutine tasks on a thread pool, with structured
// concurrency (when_all, when_any), cancellation through std::stop_token and timers.
//
// Reference solution.
// - Task<T> is lazy: its body starts when it is awaited. Awaiting stores the awaiting
//   coroutine as the task's continuation *before* the task starts, so a task can never
//   complete "before its awaiter is known"; the final awaiter hands control back to the
//   continuation by symmetric transfer (no stack growth, no resume() on the stack).
// - The joins that do race completion against the awaiter (when_all, when_any, sync_wait)
//   count the parent's own arrival as one more child: whoever brings the count to zero
//   resumes the parent, exactly once.
// - A stop token flows from awaiter to awaited task; when_any adds its own stop source.
// - Timers live on one timer thread per pool; a sleeping task occupies no worker.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
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
#include <variant>
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

// A fixed number of worker threads sharing one queue, plus one timer thread for
// sleep_for. The destructor runs what is still queued, then joins every thread; destroy
// the pool only when no task can still be scheduled on it or be sleeping on it.
class ThreadPool final : public Executor {
 public:
  explicit ThreadPool(std::size_t threads);  // throws std::invalid_argument when 0
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ThreadPool(ThreadPool&&) = delete;
  ThreadPool& operator=(ThreadPool&&) = delete;

  void execute(std::coroutine_handle<> work) override;

  // The number of worker threads (the timer thread is not counted).
  [[nodiscard]] std::size_t thread_count() const noexcept { return workers_.size(); }

  // co_await pool.sleep_for(d): suspends for at least d without occupying a worker, then
  // resumes on this pool. Ends early when the awaiting task's stop token is triggered.
  // Yields true when the full time passed, false when it was cut short by cancellation.
  template <class Rep, class Period>
  [[nodiscard]] SleepAwaiter sleep_for(std::chrono::duration<Rep, Period> duration);

 private:
  friend class SleepAwaiter;
  class TimerEntry;
  using Clock = std::chrono::steady_clock;

  void work_loop();
  void timer_loop();
  void add_timer(Clock::time_point due, std::shared_ptr<TimerEntry> entry);

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::vector<std::coroutine_handle<>> queue_;  // guarded by mutex_; used as a FIFO ring
  std::size_t head_ = 0;                        // guarded by mutex_: next to run
  bool stopping_ = false;                       // guarded by mutex_

  std::mutex timer_mutex_;
  std::condition_variable timer_changed_;
  std::multimap<Clock::time_point, std::shared_ptr<TimerEntry>> timers_;  // timer_mutex_
  bool timer_stopping_ = false;                                           // timer_mutex_

  std::vector<std::thread> workers_;
  std::thread timer_thread_;
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
    result_.template emplace<1>(std::forward<U>(value));
  }
  void unhandled_exception() noexcept { result_.template emplace<2>(std::current_exception()); }

  T take_result() {
    if (result_.index() == 2) {
      std::rethrow_exception(std::get<2>(result_));
    }
    return std::move(std::get<1>(result_));
  }

 private:
  std::variant<std::monostate, T, std::exception_ptr> result_;
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

// One sleep: fired once, by the timer thread when it is due or by a stop request. The
// awaiter and the firing side may race (the stop callback can fire while await_suspend
// is still setting up), so the resumption goes to whichever of the two comes second.
class ThreadPool::TimerEntry {
 public:
  TimerEntry(Executor& executor, std::coroutine_handle<> sleeper) noexcept
      : executor_(&executor), sleeper_(sleeper) {}

  // Timer expiry (cut_short = false) or cancellation (true); only the first call counts.
  void fire(bool cut_short) noexcept {
    // (1) Exactly one firing: relaxed suffices, the exchange only elects the firer.
    if (fired_.exchange(true, std::memory_order_relaxed)) {
      return;
    }
    cut_short_ = cut_short;
    // (2) acq_rel: releases cut_short_ to the resumer; acquires the setup (3) if first.
    if ((state_.fetch_or(kFired, std::memory_order_acq_rel) & kArmed) != 0) {
      executor_->execute(sleeper_);
    }
  }
  // Called by await_suspend when it has finished setting up. True: stay suspended (the
  // firing side will resume); false: already fired, resume inline.
  bool arm() noexcept {
    // (3) acq_rel: pairs with (2) so whichever side comes second sees the other's writes.
    return (state_.fetch_or(kArmed, std::memory_order_acq_rel) & kFired) == 0;
  }
  // Read after the resumption, which is ordered after (2) by (2)/(3) or the executor.
  [[nodiscard]] bool cut_short() const noexcept { return cut_short_; }

 private:
  static constexpr unsigned kArmed = 1;
  static constexpr unsigned kFired = 2;
  Executor* executor_;
  std::coroutine_handle<> sleeper_;
  std::atomic<bool> fired_{false};
  std::atomic<unsigned> state_{0};
  bool cut_short_ = false;
};

class SleepAwaiter {
 public:
  SleepAwaiter(ThreadPool& pool, std::chrono::steady_clock::duration duration) noexcept
      : pool_(&pool), duration_(duration) {}

  [[nodiscard]] bool await_ready() const noexcept {
    return duration_ <= std::chrono::steady_clock::duration::zero();
  }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> awaiting) {
    entry_ = std::make_shared<ThreadPool::TimerEntry>(*pool_, awaiting);
    pool_->add_timer(std::chrono::steady_clock::now() + duration_, entry_);
    // May fire at once (stop already requested) or at any time from another thread.
    cancel_.emplace(detail::stop_token_of(awaiting), Cancel{entry_});
    return entry_->arm();
  }
  bool await_resume() noexcept {
    cancel_.reset();  // waits for a concurrently running cancellation callback to return
    return entry_ == nullptr || !entry_->cut_short();
  }

 private:
  struct Cancel {
    std::shared_ptr<ThreadPool::TimerEntry> entry;
    void operator()() const noexcept { entry->fire(true); }
  };

  ThreadPool* pool_;
  std::chrono::steady_clock::duration duration_;
  std::shared_ptr<ThreadPool::TimerEntry> entry_;
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
  timer_thread_ = std::thread([this] { timer_loop(); });
}

inline ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(timer_mutex_);
    timer_stopping_ = true;
  }
  timer_changed_.notify_all();
  timer_thread_.join();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
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

inline void ThreadPool::work_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [this] { return head_ < queue_.size() || stopping_; });
    if (head_ == queue_.size()) {
      return;  // stopping and drained
    }
    const std::coroutine_handle<> work = queue_[head_++];
    if (head_ == queue_.size()) {
      queue_.clear();
      head_ = 0;
    }
    lock.unlock();
    work.resume();
    lock.lock();
  }
}

inline void ThreadPool::add_timer(Clock::time_point due, std::shared_ptr<TimerEntry> entry) {
  bool earliest = false;
  {
    std::lock_guard lock(timer_mutex_);
    const auto it = timers_.emplace(due, std::move(entry));
    earliest = it == timers_.begin();
  }
  if (earliest) {
    timer_changed_.notify_one();
  }
}

inline void ThreadPool::timer_loop() {
  std::unique_lock lock(timer_mutex_);
  while (!timer_stopping_) {
    if (timers_.empty()) {
      timer_changed_.wait(lock);
      continue;
    }
    const auto due = timers_.begin()->first;
    if (Clock::now() < due) {
      timer_changed_.wait_until(lock, due);
      continue;
    }
    std::vector<std::shared_ptr<TimerEntry>> expired;
    while (!timers_.empty() && timers_.begin()->first <= Clock::now()) {
      expired.push_back(std::move(timers_.begin()->second));
      timers_.erase(timers_.begin());
    }
    lock.unlock();  // fire() takes the pool's queue lock; never nest it in ours
    for (const auto& entry : expired) {
      entry->fire(false);
    }
    lock.lock();
  }
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

// sync_wait's wake-up. set() notifies while holding the lock: the waiter returns (and
// destroys this event) as soon as it can see done_, which is only after the unlock.
class Event {
 public:
  void set() {
    std::lock_guard lock(mutex_);
    done_ = true;
    done_changed_.notify_one();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    done_changed_.wait(lock, [this] { return done_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_changed_;
  bool done_ = false;
};

// The coroutine sync_wait drives: it awaits the task, then signals the blocked thread
// from its final suspension point, once nothing of the frame runs any more.
class SyncWaitDriver {
 public:
  class promise_type {
   public:
    SyncWaitDriver get_return_object() noexcept {
      return SyncWaitDriver{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    struct FinalAwaiter {
      [[nodiscard]] bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<promise_type> self) const noexcept {
        self.promise().event_->set();  // the frame may be destroyed from here on
      }
      void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    [[noreturn]] void unhandled_exception() const noexcept { std::terminate(); }

    [[nodiscard]] std::stop_token stop_token() const noexcept { return token_; }
    void prepare(Event& event, std::stop_token token) noexcept {
      event_ = &event;
      token_ = std::move(token);
    }

   private:
    Event* event_ = nullptr;
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

  void run(Event& event, std::stop_token token) {
    handle_.promise().prepare(event, std::move(token));
    handle_.resume();
    event.wait();
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

// The join counter of when_all / when_any: one per child plus one for the parent, which
// arrives after it has started every child. Whoever arrives last resumes the parent, so
// the parent is resumed exactly once whether the children finish before or after it
// suspends.
class JoinCounter {
 public:
  explicit JoinCounter(std::size_t children) noexcept : count_(children + 1) {}

  // Before any child starts (a plain write, ordered before every child by its start).
  void set_parent(std::coroutine_handle<> parent) noexcept { parent_ = parent; }

  // A child has finished: the handle to continue with.
  std::coroutine_handle<> child_done() noexcept {
    // (4) acq_rel: releases this child's result; the last arrival acquires all others'.
    if (count_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      return parent_;
    }
    return std::noop_coroutine();
  }
  // The parent has started every child: true when it must suspend (a child will resume it).
  bool parent_arrives() noexcept {
    // (5) acq_rel: pairs with (4); when it is last it sees every child's result.
    return count_.fetch_sub(1, std::memory_order_acq_rel) != 1;
  }

 private:
  std::atomic<std::size_t> count_;
  std::coroutine_handle<> parent_;
};

// One child of a join: a coroutine that awaits the user's task, records its outcome and
// reports to the counter from its final suspension point.
class JoinChild {
 public:
  class promise_type {
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
    counter_->set_parent(parent);  // before the first child can finish
    for (auto& child : *children_) {
      child.start(*counter_, token_);
    }
    return counter_->parent_arrives();
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
    // (6) Only elects the first; the exception object is published to the parent by the
    // join counter (4)/(5).
    if (!taken_.exchange(true, std::memory_order_relaxed)) {
      error_ = std::move(error);
    }
  }
  void rethrow_if_any() const {
    if (error_) {
      std::rethrow_exception(error_);
    }
  }

 private:
  std::atomic<bool> taken_{false};
  std::exception_ptr error_;
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

  bool claim(std::size_t index) noexcept {
    std::size_t expected = kNobody;
    // (7) Only elects the winner; its result reaches the parent through (4)/(5).
    if (winner_.compare_exchange_strong(expected, index, std::memory_order_relaxed)) {
      source_.request_stop();
      return true;
    }
    return false;
  }
  [[nodiscard]] std::size_t winner() const noexcept {
    return winner_.load(std::memory_order_relaxed);  // after the join: see (7)
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
  std::atomic<std::size_t> winner_{kNobody};
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
    detail::Event event;
    detail::SyncWaitDriver driver = detail::drive(owned, outcome);
    driver.run(event, std::move(token));
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
