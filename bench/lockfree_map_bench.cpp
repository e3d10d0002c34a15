// lockfree_map: LockFreeMap against the concurrent hash maps a user would otherwise pick.
// Benchmarks are named <workload>/<implementation>; scripts/bench_report.py reads the
// names.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <mutex>
#include <shared_mutex>

#include "bench_common.hpp"
#include "lockfree_map.hpp"
#include "map_workload.hpp"

#if LOCKSTEP_HAVE_TBB
#include <tbb/concurrent_hash_map.h>
#endif
#if LOCKSTEP_HAVE_LIBCUCKOO
#include <libcuckoo/cuckoohash_map.hh>
#endif
#if LOCKSTEP_HAVE_XENIUM
#include <xenium/reclamation/generic_epoch_based.hpp>
#include <xenium/vyukov_hash_map.hpp>
#endif

namespace {

using lockstep::bench::map_mix;

class LockstepMap {
 public:
  // The bucket array is fixed: sized for the key range, as the peers are reserved.
  explicit LockstepMap(std::size_t capacity) : map_(capacity) {}
  bool find(std::uint64_t key) { return map_.find(key).has_value(); }
  void insert(std::uint64_t key, std::uint64_t value) { map_.insert(key, value); }
  void erase(std::uint64_t key) { map_.erase(key); }

 private:
  lockstep::lockfree_map::LockFreeMap<std::uint64_t, std::uint64_t> map_;
};

#if LOCKSTEP_HAVE_TBB
class TbbMap {
 public:
  explicit TbbMap(std::size_t capacity) : map_(capacity) {}
  bool find(std::uint64_t key) {
    Map::const_accessor found;
    return map_.find(found, key);
  }
  void insert(std::uint64_t key, std::uint64_t value) { map_.insert({key, value}); }
  void erase(std::uint64_t key) { map_.erase(key); }

 private:
  using Map = tbb::concurrent_hash_map<std::uint64_t, std::uint64_t>;
  Map map_;
};
#endif

#if LOCKSTEP_HAVE_LIBCUCKOO
class CuckooMap {
 public:
  explicit CuckooMap(std::size_t capacity) : map_(capacity) {}
  bool find(std::uint64_t key) { return map_.contains(key); }
  void insert(std::uint64_t key, std::uint64_t value) { map_.insert(key, value); }
  void erase(std::uint64_t key) { map_.erase(key); }

 private:
  libcuckoo::cuckoohash_map<std::uint64_t, std::uint64_t> map_;
};
#endif

#if LOCKSTEP_HAVE_XENIUM
class XeniumMap {
 public:
  explicit XeniumMap(std::size_t capacity) : map_(capacity) {}
  bool find(std::uint64_t key) {
    Map::accessor found;
    return map_.try_get_value(key, found);
  }
  void insert(std::uint64_t key, std::uint64_t value) { map_.emplace(key, value); }
  void erase(std::uint64_t key) { map_.erase(key); }

 private:
  using Map =
      xenium::vyukov_hash_map<std::uint64_t, std::uint64_t,
                              xenium::policy::reclaimer<xenium::reclamation::new_epoch_based<>>>;
  Map map_;
};
#endif

template <class Map>
void add(const char* workload, const char* impl, int find_percent, int insert_percent) {
  benchmark::RegisterBenchmark(
      (std::string(workload) + "/" + impl).c_str(),
      [=](benchmark::State& state) { map_mix<Map>(state, find_percent, insert_percent); })
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

template <class Map>
void add_both_mixes(const char* impl) {
  add<Map>("map_90_5_5", impl, 90, 5);
  add<Map>("map_50_25_25", impl, 50, 25);
}

}  // namespace

int main(int argc, char** argv) {
  add_both_mixes<LockstepMap>("lockstep");
  add_both_mixes<lockstep::bench::LockedMap<std::mutex>>("mutex_unordered_map");
  add_both_mixes<lockstep::bench::SharedLockedMap<std::shared_mutex>>("shared_mutex_unordered_map");
#if LOCKSTEP_HAVE_TBB
  add_both_mixes<TbbMap>("tbb_concurrent_hash_map");
#endif
#if LOCKSTEP_HAVE_LIBCUCKOO
  add_both_mixes<CuckooMap>("libcuckoo");
#endif
#if LOCKSTEP_HAVE_XENIUM
  add_both_mixes<XeniumMap>("xenium_vyukov_hash_map");
#endif
  return lockstep::bench::run_registered(argc, argv);
}
