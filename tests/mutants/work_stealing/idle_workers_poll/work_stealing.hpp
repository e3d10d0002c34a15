#pragma once

// lockstep::work_stealing — a Chase–Lev work-stealing deque and a fork-join thread pool
// built on it.
//
// Reference solution.
// - WorkStealingDeque<T>: the owner pushes and pops at the bottom (LIFO, no lock and, except
//   for the last item, no read-modify-write); thieves steal at the top (FIFO) and race each
//   other and the owner with one compare-and-swap of `top_`. The buffer grows by doubling;
//   a retired buffer is kept until the deque dies because a thief may still read it.
// - The owner's pop and the thieves' steal are a Dekker pair (store bottom, load top /
//   load top, load bottom). It is written with seq_cst operations, not with standalone
//   fences, which ThreadSanitizer cannot model.
// - ThreadPool: one deque per worker plus one mutex-guarded injector queue for tasks
//   submitted from outside. A task submitted from a worker goes to that worker's deque
//   (fork-join locality); an idle worker steals from random victims, then sleeps on a
//   condition variable. Sleeping and waking form a second Dekker pair (announce the
//   sleeper, then look at the work signal / bump the signal, then look for sleepers).
// - ThreadPool::wait(future) helps: on a worker it runs other tasks until the future is
//   ready, so a task may wait for the tasks it forked without deadlocking the pool.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
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

// ---- the public API -------------------------------------------------------------------

// A Chase–Lev work-stealing deque of trivially copyable values (task pointers, indices).
// One thread, the owner, calls push and pop; any number of other threads call steal at
// the same time. Every pushed value is taken exactly once, by pop or by steal.
template <class T>
class WorkStealingDeque {
  static_assert(std::is_trivially_copyable_v<T>,
                "slots are std::atomic<T>: a thief may read a slot the owner overwrites");

 public:
  // `capacity` is a hint for the first buffer (rounded up to a power of two, at least 2);
  // the deque grows without limit.
  explicit WorkStealingDeque(std::size_t capacity = 64);
  ~WorkStealingDeque() = default;
  WorkStealingDeque(const WorkStealingDeque&) = delete;
  WorkStealingDeque& operator=(const WorkStealingDeque&) = delete;
  WorkStealingDeque(WorkStealingDeque&&) = delete;
  WorkStealingDeque& operator=(WorkStealingDeque&&) = delete;

  // Owner only. Never blocks; grows the buffer when it is full.
  void push(T value);
  // Owner only. The most recently pushed value not yet taken (LIFO), or nullopt when the
  // deque is empty or a thief took its last value first.
  std::optional<T> pop();
  // Any thread. The oldest value not yet taken (FIFO), or nullopt when the deque is empty
  // or another thread took that value first (try again to be sure it is empty).
  std::optional<T> steal();

  // Any thread: a snapshot that may be stale by the time it returns.
  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

 private:
  class Buffer;
  Buffer* grow(Buffer* old, std::int64_t top, std::int64_t bottom);

  alignas(64) std::atomic<std::int64_t> top_{0};     // next index a thief takes
  alignas(64) std::atomic<std::int64_t> bottom_{0};  // next index the owner pushes to
  std::atomic<Buffer*> buffer_;
  std::vector<std::unique_ptr<Buffer>> buffers_;  // owner only: current + retired buffers
};

// A fixed number of workers running submitted callables, with work stealing.
class ThreadPool {
 public:
  // Starts `threads` workers; throws std::invalid_argument when 0.
  explicit ThreadPool(std::size_t threads);
  // Runs every task submitted before (and every task those tasks submit), then joins the
  // workers. No thread may call submit from outside the pool once destruction started.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ThreadPool(ThreadPool&&) = delete;
  ThreadPool& operator=(ThreadPool&&) = delete;

  // Any thread. Queues f() and returns the future of its result; an exception f throws is
  // stored in the future. From a worker of this pool the task goes to that worker's own
  // deque (fork-join); from any other thread to the shared injector queue. Wakes a sleeping
  // worker when there is one. Never blocks on running tasks.
  template <class F>
  auto submit(F&& f) -> std::future<std::invoke_result_t<std::decay_t<F>>>;

  // Any thread. Returns future.get(). On a worker of this pool it runs other queued tasks
  // (its own first, then stolen ones) until the future is ready, so waiting inside a task
  // for a task it forked never deadlocks the pool, whatever its size.
  template <class R>
  R wait(std::future<R> future);

  // Not from a worker of this pool (throws std::logic_error). Blocks until every task
  // submitted so far, and every task those submit, has finished.
  void wait_idle();

  [[nodiscard]] std::size_t size() const noexcept { return workers_.size(); }

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
  struct PackagedTask final : TaskBase {
    explicit PackagedTask(std::packaged_task<R()> t) : task(std::move(t)) {}
    void run() override { task(); }
    std::packaged_task<R()> task;
  };
  // The deques hold raw pointers (the deque needs trivially copyable values); whoever
  // takes a pointer out of a queue owns the task and deletes it after running it.
  using TaskPtr = TaskBase*;

  struct Worker {
    WorkStealingDeque<TaskPtr> deque;
    std::thread thread;
  };

  void enqueue(std::unique_ptr<TaskBase> task);
  void worker_loop(std::size_t index);
  TaskPtr find_task(std::size_t index, std::uint64_t& rng);
  void run_task(TaskPtr task);
  void notify_work();
  [[nodiscard]] std::size_t current_worker() const noexcept;  // npos when not a worker

  static constexpr std::size_t kNotAWorker = static_cast<std::size_t>(-1);
  static constexpr std::chrono::milliseconds kIdlePoll{1};  // an idle worker's nap
  struct Current {
    const ThreadPool* pool = nullptr;
    std::size_t index = kNotAWorker;
  };
  static Current& current() noexcept {
    thread_local Current here;
    return here;
  }

  std::vector<std::unique_ptr<Worker>> workers_;

  std::mutex injector_mutex_;
  std::deque<TaskPtr> injector_;  // guarded by injector_mutex_

  std::mutex sleep_mutex_;
  std::condition_variable sleep_cv_;
  std::atomic<std::uint64_t> signal_{0};  // bumped after every enqueue and at shutdown
  std::atomic<std::size_t> sleepers_{0};  // workers announced asleep (a hint for notify)
  bool stopping_ = false;                 // guarded by sleep_mutex_

  std::mutex idle_mutex_;
  std::condition_variable idle_cv_;
  std::atomic<std::size_t> pending_{0};  // submitted and not yet finished
};

// ---- WorkStealingDeque ----------------------------------------------------------------

template <class T>
class WorkStealingDeque<T>::Buffer {
 public:
  explicit Buffer(std::size_t capacity)
      : mask_(static_cast<std::int64_t>(capacity) - 1),
        slots_(std::make_unique<std::atomic<T>[]>(capacity)) {}
  [[nodiscard]] std::int64_t capacity() const noexcept { return mask_ + 1; }
  // Slots are atomics so that a thief reading a slot the owner rewrites is not a data race;
  // relaxed because the value is published by the release store of bottom_ (2) or of
  // buffer_ (7) and its reader already synchronised through (4) or (6).
  void put(std::int64_t index, T value) noexcept {
    slots_[static_cast<std::size_t>(index & mask_)].store(value, std::memory_order_relaxed);
  }
  [[nodiscard]] T get(std::int64_t index) const noexcept {
    return slots_[static_cast<std::size_t>(index & mask_)].load(std::memory_order_relaxed);
  }

 private:
  std::int64_t mask_;
  std::unique_ptr<std::atomic<T>[]> slots_;
};

template <class T>
WorkStealingDeque<T>::WorkStealingDeque(std::size_t capacity) {
  std::size_t rounded = 2;
  while (rounded < capacity) {
    rounded *= 2;
  }
  buffers_.push_back(std::make_unique<Buffer>(rounded));
  buffer_.store(buffers_.back().get(), std::memory_order_relaxed);  // published by the
                                                                    // deque's constructor
}

template <class T>
void WorkStealingDeque<T>::push(T value) {
  const std::int64_t bottom = bottom_.load(std::memory_order_relaxed);  // owner's own value
  // (1) acquire: pairs with a thief's CAS (5), so the thief's read of the slot it took
  // happened before this push can reuse that slot.
  const std::int64_t top = top_.load(std::memory_order_acquire);
  Buffer* buffer = buffer_.load(std::memory_order_relaxed);  // only the owner stores it
  if (bottom - top >= buffer->capacity()) {
    buffer = grow(buffer, top, bottom);
  }
  buffer->put(bottom, value);
  // (2) release: publishes the slot written above to the thief whose load of bottom (4)
  // reads this value.
  bottom_.store(bottom + 1, std::memory_order_release);
}

template <class T>
std::optional<T> WorkStealingDeque<T>::pop() {
  const std::int64_t bottom = bottom_.load(std::memory_order_relaxed) - 1;  // owner's own
  Buffer* buffer = buffer_.load(std::memory_order_relaxed);  // only the owner stores it
  // (3) seq_cst store, then seq_cst load: the Dekker half of the owner. Reserving the
  // bottom item must be visible before top is read, or a thief reading the old bottom and
  // this pop reading the old top both take the same item. (x86 lets a plain store pass a
  // later load of another location; seq_cst forbids it.)
  bottom_.store(bottom, std::memory_order_seq_cst);
  std::int64_t top = top_.load(std::memory_order_seq_cst);
  if (top > bottom) {
    // Empty: undo the reservation. (2') release, like (2): a thief that reads this value
    // must see every slot below it.
    bottom_.store(bottom + 1, std::memory_order_release);
    return std::nullopt;
  }
  T value = buffer->get(bottom);
  if (top < bottom) {
    return value;  // more than one item: no thief can reach index `bottom`
  }
  // The last item: race the thieves for it on top_, like a thief would.
  const bool won =
      top_.compare_exchange_strong(top, top + 1, std::memory_order_seq_cst,
                                   std::memory_order_relaxed);  // failure: nothing read
  bottom_.store(bottom + 1, std::memory_order_release);         // (2') as above
  if (!won) {
    return std::nullopt;
  }
  return value;
}

template <class T>
std::optional<T> WorkStealingDeque<T>::steal() {
  // (4) seq_cst loads: the thief's Dekker half, paired with (3). Also acquire: a load of
  // bottom that reads (2) makes the slot below it visible.
  std::int64_t top = top_.load(std::memory_order_seq_cst);
  const std::int64_t bottom = bottom_.load(std::memory_order_seq_cst);
  if (top >= bottom) {
    return std::nullopt;
  }
  // (6) acquire: pairs with the release store (7) of a grown buffer, whose copied slots
  // must be visible before this thief reads one.
  Buffer* buffer = buffer_.load(std::memory_order_acquire);
  T value = buffer->get(top);
  // (5) seq_cst CAS: claims index `top` against other thieves and the owner's last-item
  // CAS; its release half pairs with (1).
  if (!top_.compare_exchange_strong(top, top + 1, std::memory_order_seq_cst,
                                    std::memory_order_relaxed)) {  // failure: value unused
    return std::nullopt;
  }
  return value;
}

template <class T>
std::size_t WorkStealingDeque<T>::size() const noexcept {
  const std::int64_t bottom = bottom_.load(std::memory_order_seq_cst);
  const std::int64_t top = top_.load(std::memory_order_seq_cst);
  return bottom > top ? static_cast<std::size_t>(bottom - top) : 0;
}

template <class T>
typename WorkStealingDeque<T>::Buffer* WorkStealingDeque<T>::grow(Buffer* old, std::int64_t top,
                                                                  std::int64_t bottom) {
  auto bigger = std::make_unique<Buffer>(static_cast<std::size_t>(old->capacity()) * 2);
  for (std::int64_t i = top; i < bottom; ++i) {
    bigger->put(i, old->get(i));
  }
  Buffer* result = bigger.get();
  // The old buffer stays alive (in buffers_) until the deque is destroyed: a thief that
  // loaded it before (7) may still read a slot of it. Its copy of that slot is the same.
  buffers_.push_back(std::move(bigger));
  // (7) release: pairs with (6); the copied slots are visible to a thief that sees `result`.
  buffer_.store(result, std::memory_order_release);
  return result;
}

// ---- ThreadPool -----------------------------------------------------------------------

inline ThreadPool::ThreadPool(std::size_t threads) {
  if (threads == 0) {
    throw std::invalid_argument("work_stealing: a pool needs at least one thread");
  }
  workers_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<Worker>());
  }
  // Threads start only when every worker exists: a thief indexes workers_.
  for (std::size_t i = 0; i < threads; ++i) {
    workers_[i]->thread = std::thread([this, i] { worker_loop(i); });
  }
}

inline ThreadPool::~ThreadPool() {
  {
    const std::lock_guard lock(sleep_mutex_);
    stopping_ = true;
  }
  signal_.fetch_add(1, std::memory_order_seq_cst);
  sleep_cv_.notify_all();
  for (auto& worker : workers_) {
    worker->thread.join();
  }
}

template <class F>
auto ThreadPool::submit(F&& f) -> std::future<std::invoke_result_t<std::decay_t<F>>> {
  using R = std::invoke_result_t<std::decay_t<F>>;
  std::packaged_task<R()> task(std::forward<F>(f));
  std::future<R> future = task.get_future();
  enqueue(std::make_unique<PackagedTask<R>>(std::move(task)));
  return future;
}

template <class R>
R ThreadPool::wait(std::future<R> future) {
  const std::size_t self = current_worker();
  if (self != kNotAWorker) {
    std::uint64_t rng = (self + 1) * 0x9e3779b97f4a7c15ULL;
    while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      if (TaskPtr task = find_task(self, rng)) {
        run_task(task);
      } else {
        // Nothing to help with: the awaited task runs on another worker. Short timed
        // waits so that work forked meanwhile is still helped with.
        future.wait_for(std::chrono::microseconds(100));
      }
    }
  }
  return future.get();
}

inline void ThreadPool::wait_idle() {
  if (current_worker() != kNotAWorker) {
    throw std::logic_error("work_stealing: wait_idle from a task of the same pool never returns");
  }
  std::unique_lock lock(idle_mutex_);
  // The predicate is read under idle_mutex_, which run_task takes after the last
  // decrement before notifying: no lost wakeup.
  idle_cv_.wait(lock, [this] { return pending_.load(std::memory_order_seq_cst) == 0; });
}

inline void ThreadPool::enqueue(std::unique_ptr<TaskBase> task) {
  // Counted before it is visible, so wait_idle can never see 0 while it is queued.
  pending_.fetch_add(1, std::memory_order_seq_cst);
  const std::size_t self = current_worker();
  if (self != kNotAWorker) {
    workers_[self]->deque.push(task.release());
  } else {
    const std::lock_guard lock(injector_mutex_);
    injector_.push_back(task.release());
  }
  notify_work();
}

inline void ThreadPool::notify_work() {
  // (8) seq_cst bump, then seq_cst load of sleepers_: the waker's Dekker half, paired with
  // the sleeper's (9). Either the sleeper sees the new signal, or this sees the sleeper.
  signal_.fetch_add(1, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) != 0) {
    // Taking the mutex orders this notify after the sleeper's check: a sleeper that
    // announced itself holds sleep_mutex_ until it is inside wait().
    { const std::lock_guard lock(sleep_mutex_); }
    sleep_cv_.notify_one();
  }
}

inline void ThreadPool::worker_loop(std::size_t index) {
  current() = Current{this, index};
  std::uint64_t rng = (index + 1) * 0x9e3779b97f4a7c15ULL;
  for (;;) {
    if (TaskPtr task = find_task(index, rng)) {
      run_task(task);
      continue;
    }
    {
      const std::lock_guard lock(sleep_mutex_);
      if (stopping_) {
        // Nothing left anywhere this worker can see; the other workers' own deques are
        // emptied by their owners, which are awake (they run the task that fills them).
        return;
      }
    }
    // Nothing to do: nap briefly and look again. Nobody ever announces itself asleep, so
    // notify_work never has anyone to wake; a task queued meanwhile waits for the nap to end.
    std::this_thread::sleep_for(kIdlePoll);
  }
}

inline ThreadPool::TaskPtr ThreadPool::find_task(std::size_t index, std::uint64_t& rng) {
  if (auto own = workers_[index]->deque.pop()) {
    return *own;
  }
  {
    const std::lock_guard lock(injector_mutex_);
    if (!injector_.empty()) {
      TaskPtr task = injector_.front();
      injector_.pop_front();
      return task;
    }
  }
  const std::size_t n = workers_.size();
  if (n > 1) {
    // xorshift64: a random first victim, then every other worker once.
    rng ^= rng << 13U;
    rng ^= rng >> 7U;
    rng ^= rng << 17U;
    const std::size_t start = static_cast<std::size_t>(rng % n);
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t victim = (start + k) % n;
      if (victim == index) {
        continue;
      }
      if (auto stolen = workers_[victim]->deque.steal()) {
        return *stolen;
      }
    }
  }
  return nullptr;
}

inline void ThreadPool::run_task(TaskPtr task) {
  {
    const std::unique_ptr<TaskBase> owned(task);  // this thread took it: it owns it
    owned->run();  // a packaged_task: an exception goes into the future
  }
  // (10) seq_cst decrement; the last one notifies under idle_mutex_ (see wait_idle).
  if (pending_.fetch_sub(1, std::memory_order_seq_cst) == 1) {
    { const std::lock_guard lock(idle_mutex_); }
    idle_cv_.notify_all();
  }
}

inline std::size_t ThreadPool::current_worker() const noexcept {
  const Current& here = current();
  return here.pool == this ? here.index : kNotAWorker;
}

}  // namespace lockstep::work_stealing
