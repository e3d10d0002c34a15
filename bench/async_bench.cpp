// async: fan-out / fan-in of small jobs on 2 threads. The lockstep version is
// sync_wait(when_all(tasks)) where each task hops onto the pool (co_await schedule());
// the peers are what a user would otherwise write: std::async with one future per job,
// and oneTBB's task_group in a 2-slot arena.
//
//   fan_out_1000: 1000 jobs that each return their index, summed by the caller.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <future>
#include <numeric>
#include <string>
#include <vector>

#include "async.hpp"
#include "bench_common.hpp"

#if LOCKSTEP_HAVE_TBB
#include <tbb/task_arena.h>
#include <tbb/task_group.h>
#endif

namespace {

constexpr int kJobs = 1000;
constexpr std::size_t kThreads = 2;

namespace la = lockstep::async;

la::Task<std::uint64_t> job(la::ThreadPool& pool, int index) {
  co_await pool.schedule();
  co_return static_cast<std::uint64_t>(index);
}

void lockstep_fan_out(benchmark::State& state) {
  la::ThreadPool pool(kThreads);
  for (auto _ : state) {
    const double seconds = lockstep::bench::time_once([&] {
      std::vector<la::Task<std::uint64_t>> tasks;
      tasks.reserve(kJobs);
      for (int i = 0; i < kJobs; ++i) {
        tasks.push_back(job(pool, i));
      }
      const std::vector<std::uint64_t> results = la::sync_wait(la::when_all(std::move(tasks)));
      benchmark::DoNotOptimize(std::accumulate(results.begin(), results.end(), std::uint64_t{0}));
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kJobs);
}

void std_async_fan_out(benchmark::State& state) {
  for (auto _ : state) {
    const double seconds = lockstep::bench::time_once([&] {
      std::vector<std::future<std::uint64_t>> futures;
      futures.reserve(kJobs);
      for (int i = 0; i < kJobs; ++i) {
        futures.push_back(
            std::async(std::launch::async, [i] { return static_cast<std::uint64_t>(i); }));
      }
      std::uint64_t sum = 0;
      for (auto& f : futures) {
        sum += f.get();
      }
      benchmark::DoNotOptimize(sum);
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kJobs);
}

#if LOCKSTEP_HAVE_TBB
void tbb_fan_out(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(kThreads));
  for (auto _ : state) {
    const double seconds = lockstep::bench::time_once([&] {
      std::vector<std::uint64_t> results(kJobs);
      arena.execute([&] {
        tbb::task_group group;
        for (int i = 0; i < kJobs; ++i) {
          group.run([&results, i] {
            results[static_cast<std::size_t>(i)] = static_cast<std::uint64_t>(i);
          });
        }
        group.wait();
      });
      benchmark::DoNotOptimize(std::accumulate(results.begin(), results.end(), std::uint64_t{0}));
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kJobs);
}
#endif

void add(const std::string& name, void (*fn)(benchmark::State&)) {
  benchmark::RegisterBenchmark(name.c_str(), fn)->UseManualTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

int main(int argc, char** argv) {
  add("fan_out_1000/lockstep", lockstep_fan_out);
  add("fan_out_1000/std_async", std_async_fan_out);
#if LOCKSTEP_HAVE_TBB
  add("fan_out_1000/tbb_task_group", tbb_fan_out);
#endif
  return lockstep::bench::run_registered(argc, argv);
}
