// sync: the futex-based Mutex and RwLock against std::mutex and std::shared_mutex.
//
//   mutex_uncontended:  one thread, lock + unlock (operations/s)
//   mutex_contended:    2 threads, each kIncrements increments of one counter under the lock
//   rw_map_90_5_5:      the read-mostly map workload of lockfree_map_bench (100k keys, 90%
//                       find under a shared lock, 5% insert, 5% erase, 2 threads)

#include <benchmark/benchmark.h>

#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "bench_common.hpp"
#include "map_workload.hpp"
#include "sync.hpp"

namespace {

constexpr int kIncrements = 200'000;  // per thread

template <class Mutex>
void uncontended(benchmark::State& state) {
  Mutex mutex;
  for (auto _ : state) {
    mutex.lock();
    benchmark::ClobberMemory();
    mutex.unlock();
  }
  state.SetItemsProcessed(state.iterations());
}

template <class Mutex>
void contended(benchmark::State& state) {
  Mutex mutex;
  std::uint64_t counter = 0;
  for (auto _ : state) {
    const double seconds = lockstep::bench::run_on_threads(lockstep::bench::kThreads, [&](int) {
      for (int i = 0; i < kIncrements; ++i) {
        std::lock_guard guard(mutex);
        ++counter;
      }
    });
    state.SetIterationTime(seconds);
  }
  benchmark::DoNotOptimize(counter);
  state.SetItemsProcessed(state.iterations() * lockstep::bench::kThreads * kIncrements);
}

template <class Map>
void rw_map(benchmark::State& state) {
  lockstep::bench::map_mix<Map>(state, 90, 5);
}

void add_auto(const std::string& name, void (*fn)(benchmark::State&)) {
  benchmark::RegisterBenchmark(name.c_str(), fn);
}
void add_manual(const std::string& name, void (*fn)(benchmark::State&)) {
  benchmark::RegisterBenchmark(name.c_str(), fn)->UseManualTime()->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  using lockstep::bench::LockedMap;
  using lockstep::bench::SharedLockedMap;
  add_auto("mutex_uncontended/lockstep", uncontended<lockstep::sync::Mutex>);
  add_auto("mutex_uncontended/std_mutex", uncontended<std::mutex>);
  add_manual("mutex_contended/lockstep", contended<lockstep::sync::Mutex>);
  add_manual("mutex_contended/std_mutex", contended<std::mutex>);
  add_manual("rw_map_90_5_5/lockstep", rw_map<SharedLockedMap<lockstep::sync::RwLock>>);
  add_manual("rw_map_90_5_5/std_shared_mutex", rw_map<SharedLockedMap<std::shared_mutex>>);
  add_manual("rw_map_90_5_5/std_mutex", rw_map<LockedMap<std::mutex>>);
  return lockstep::bench::run_registered(argc, argv);
}
