// work_stealing: the work-stealing ThreadPool against oneTBB and a naive global-queue pool,
// on recursive fork-join (fib) and on a flood of tiny tasks from one submitter. Each pool
// has 2 threads: 2 workers for the lockstep and naive pools (the submitter only waits),
// a task_arena of 2 slots for TBB (the caller takes one slot, as TBB is meant to be used).

#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "bench_common.hpp"
#include "work_stealing.hpp"

#if LOCKSTEP_HAVE_TBB
#include <tbb/task_arena.h>
#include <tbb/task_group.h>
#endif

namespace {

constexpr int kFibN = 30;
constexpr int kCutoff = 10;  // at or below it, fib runs serially inside one task
constexpr int kTinyTasks = 1'000'000;
constexpr std::size_t kPoolThreads = 2;

std::uint64_t fib_serial(int n) {
  return n < 2 ? static_cast<std::uint64_t>(n) : fib_serial(n - 1) + fib_serial(n - 2);
}

// What a user writes first: one mutex-guarded queue shared by every worker. Waiting inside
// a task runs other queued tasks (otherwise fork-join deadlocks a small pool).
class NaivePool {
 public:
  explicit NaivePool(std::size_t threads) {
    for (std::size_t i = 0; i < threads; ++i) {
      workers_.emplace_back([this] { work(); });
    }
  }
  ~NaivePool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& w : workers_) {
      w.join();
    }
  }
  NaivePool(const NaivePool&) = delete;
  NaivePool& operator=(const NaivePool&) = delete;
  NaivePool(NaivePool&&) = delete;
  NaivePool& operator=(NaivePool&&) = delete;

  template <class F>
  auto submit(F&& f) -> std::future<std::invoke_result_t<std::decay_t<F>>> {
    using R = std::invoke_result_t<std::decay_t<F>>;
    auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(f));
    auto future = task->get_future();
    pending_.fetch_add(1);
    {
      std::lock_guard lock(mutex_);
      queue_.emplace_back([task] { (*task)(); });
    }
    ready_.notify_one();
    return future;
  }
  template <class R>
  R wait(std::future<R> future) {
    while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      if (!run_one()) {
        std::this_thread::yield();
      }
    }
    return future.get();
  }
  void wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return pending_.load() == 0; });
  }

 private:
  bool run_one() {
    std::function<void()> task;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        return false;
      }
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    finish(task);
    return true;
  }
  void finish(std::function<void()>& task) {
    task();
    if (pending_.fetch_sub(1) == 1) {
      std::lock_guard lock(mutex_);
      idle_.notify_all();
    }
  }
  void work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) {
          return;
        }
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      finish(task);
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> queue_;
  std::atomic<std::size_t> pending_{0};
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Fork-join fib on a pool with submit / wait (the lockstep pool and the naive one).
template <class Pool>
std::uint64_t fib_forked(Pool& pool, int n) {
  if (n <= kCutoff) {
    return fib_serial(n);
  }
  auto left = pool.submit([&pool, n] { return fib_forked(pool, n - 1); });
  const std::uint64_t right = fib_forked(pool, n - 2);
  return pool.wait(std::move(left)) + right;
}

template <class Pool>
void fib_on_pool(benchmark::State& state) {
  Pool pool(kPoolThreads);
  for (auto _ : state) {
    const double seconds = lockstep::bench::time_once([&] {
      auto result = pool.submit([&pool] { return fib_forked(pool, kFibN); });
      benchmark::DoNotOptimize(result.get());
    });
    state.SetIterationTime(seconds);
  }
}

template <class Pool>
void tiny_on_pool(benchmark::State& state) {
  Pool pool(kPoolThreads);
  std::atomic<std::uint64_t> done{0};
  for (auto _ : state) {
    const double seconds = lockstep::bench::time_once([&] {
      for (int i = 0; i < kTinyTasks; ++i) {
        // The future is dropped: a task's completion is awaited by wait_idle.
        (void)pool.submit([&done] { done.fetch_add(1, std::memory_order_relaxed); });
      }
      pool.wait_idle();
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kTinyTasks);
}

void fib_serial_bench(benchmark::State& state) {
  for (auto _ : state) {
    const double seconds =
        lockstep::bench::time_once([] { benchmark::DoNotOptimize(fib_serial(kFibN)); });
    state.SetIterationTime(seconds);
  }
}

#if LOCKSTEP_HAVE_TBB
std::uint64_t fib_tbb(int n) {
  if (n <= kCutoff) {
    return fib_serial(n);
  }
  std::uint64_t left = 0;
  tbb::task_group group;
  group.run([&left, n] { left = fib_tbb(n - 1); });
  const std::uint64_t right = fib_tbb(n - 2);
  group.wait();
  return left + right;
}

void fib_tbb_bench(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(kPoolThreads));
  for (auto _ : state) {
    const double seconds = lockstep::bench::time_once(
        [&] { arena.execute([] { benchmark::DoNotOptimize(fib_tbb(kFibN)); }); });
    state.SetIterationTime(seconds);
  }
}

void tiny_tbb_bench(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(kPoolThreads));
  std::atomic<std::uint64_t> done{0};
  for (auto _ : state) {
    const double seconds = lockstep::bench::time_once([&] {
      arena.execute([&] {
        tbb::task_group group;
        for (int i = 0; i < kTinyTasks; ++i) {
          group.run([&done] { done.fetch_add(1, std::memory_order_relaxed); });
        }
        group.wait();
      });
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kTinyTasks);
}
#endif

void add(const std::string& name, void (*fn)(benchmark::State&)) {
  benchmark::RegisterBenchmark(name.c_str(), fn)->UseManualTime()->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  using LockstepPool = lockstep::work_stealing::ThreadPool;
  add("fib30_cutoff10/lockstep", fib_on_pool<LockstepPool>);
  add("fib30_cutoff10/naive_global_queue_pool", fib_on_pool<NaivePool>);
  add("fib30_cutoff10/serial", fib_serial_bench);
  add("tiny_tasks_1m/lockstep", tiny_on_pool<LockstepPool>);
  add("tiny_tasks_1m/naive_global_queue_pool", tiny_on_pool<NaivePool>);
#if LOCKSTEP_HAVE_TBB
  add("fib30_cutoff10/tbb_task_group", fib_tbb_bench);
  add("tiny_tasks_1m/tbb_task_group", tiny_tbb_bench);
#endif
  return lockstep::bench::run_registered(argc, argv);
}
