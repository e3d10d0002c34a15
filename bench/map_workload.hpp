#pragma once

// The hash-map workload shared by lockfree_map_bench (the lock-free map against its peers)
// and sync_bench (RwLock against std::shared_mutex guarding the same std::unordered_map).
//
// 100,000 keys; the map starts with every even key (half full); each thread runs a seeded
// stream of finds, inserts and erases of uniformly random keys in the given mix, so the
// fill stays near one half. A map adapter has find / insert / erase on std::uint64_t.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "bench_common.hpp"

namespace lockstep::bench {

inline constexpr std::uint64_t kMapKeys = 100'000;
inline constexpr int kMapOpsPerThread = 100'000;

// std::unordered_map behind one exclusive lock (std::mutex, lockstep::sync::Mutex, ...).
template <class Lock>
class LockedMap {
 public:
  explicit LockedMap(std::size_t capacity) { map_.reserve(capacity); }
  bool find(std::uint64_t key) {
    std::lock_guard guard(lock_);
    return map_.find(key) != map_.end();
  }
  void insert(std::uint64_t key, std::uint64_t value) {
    std::lock_guard guard(lock_);
    map_.emplace(key, value);
  }
  void erase(std::uint64_t key) {
    std::lock_guard guard(lock_);
    map_.erase(key);
  }

 private:
  Lock lock_;
  std::unordered_map<std::uint64_t, std::uint64_t> map_;
};

// std::unordered_map behind a reader-writer lock: finds take it shared.
template <class SharedLock>
class SharedLockedMap {
 public:
  explicit SharedLockedMap(std::size_t capacity) { map_.reserve(capacity); }
  bool find(std::uint64_t key) {
    std::shared_lock guard(lock_);
    return map_.find(key) != map_.end();
  }
  void insert(std::uint64_t key, std::uint64_t value) {
    std::lock_guard guard(lock_);
    map_.emplace(key, value);
  }
  void erase(std::uint64_t key) {
    std::lock_guard guard(lock_);
    map_.erase(key);
  }

 private:
  SharedLock lock_;
  std::unordered_map<std::uint64_t, std::uint64_t> map_;
};

// Runs the mix on kThreads threads; reports manual time and items (operations) per second.
template <class Map>
void map_mix(benchmark::State& state, int find_percent, int insert_percent) {
  Map map(2 * kMapKeys);
  for (std::uint64_t key = 0; key < kMapKeys; key += 2) {
    map.insert(key, key);
  }
  std::uint64_t round = 0;
  for (auto _ : state) {
    ++round;
    const double seconds = run_on_threads(kThreads, [&](int thread) {
      Rng rng(round * 131 + static_cast<std::uint64_t>(thread));
      std::uint64_t hits = 0;
      for (int i = 0; i < kMapOpsPerThread; ++i) {
        const std::uint64_t key = rng.below(kMapKeys);
        const auto dice = static_cast<int>(rng.below(100));
        if (dice < find_percent) {
          hits += map.find(key) ? 1 : 0;
        } else if (dice < find_percent + insert_percent) {
          map.insert(key, key);
        } else {
          map.erase(key);
        }
      }
      benchmark::DoNotOptimize(hits);
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kThreads * kMapOpsPerThread);
}

}  // namespace lockstep::bench
