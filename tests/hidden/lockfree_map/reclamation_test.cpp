// Memory: erased and replaced values are really freed while the map is in use (the backlog
// stays bounded however long the churn), and the destructor frees everything.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>

#include "lockfree_map_test_support.hpp"

namespace lockstep::lockfree_map {
namespace {

using lockfree_map_test::Tracked;

// The README promises: once calls stop, at most 1000 erased or replaced values per thread
// that used the map are still waiting to be freed.
constexpr std::int64_t kBacklogPerThread = 1000;

void churn(LockFreeMap<std::int64_t, Tracked>& map, std::size_t writers, std::size_t ops,
           std::uint64_t seed) {
  std::atomic<std::size_t> writers_done{0};
  stress::run_threads(writers + 1, [&](std::size_t thread) {
    stress::Rng rng(seed * 13 + thread);
    if (thread < writers) {
      for (std::size_t op = 0; op < ops; ++op) {
        const auto key = static_cast<std::int64_t>(rng.below(64));
        const Tracked value(static_cast<std::int64_t>(op));
        switch (rng.below(3)) {
          case 0:
            map.insert(key, value);
            break;
          case 1:
            map.insert_or_assign(key, value);
            break;
          default:
            map.erase(key);
            break;
        }
      }
      writers_done.fetch_add(1);
      return;
    }
    while (writers_done.load() < writers) {  // a reader keeps walking meanwhile
      const auto found = map.find(static_cast<std::int64_t>(rng.below(64)));
      static_cast<void>(found);
    }
  });
}

TEST(LockFreeMapReclamation, ChurnWithReadersKeepsTheRetiredBacklogBounded) {
  constexpr std::size_t kWriters = 3;
  const std::int64_t before = Tracked::live();
  {
    LockFreeMap<std::int64_t, Tracked> map;
    // Each writer erases or replaces a value in about two calls of three: tens of
    // thousands of values retired, far beyond the allowed backlog.
    churn(map, kWriters, stress::scaled(160'000), stress::seed());
    // A few more calls from this thread once the others have stopped.
    for (std::int64_t i = 0; i < 2000; ++i) {
      map.insert_or_assign(1000 + i % 8, Tracked(i));
      map.erase(1000 + (i + 4) % 8);
    }
    const std::int64_t live = Tracked::live() - before;
    const auto keys = static_cast<std::int64_t>(map.size());
    const std::int64_t allowed = keys + kBacklogPerThread * static_cast<std::int64_t>(kWriters + 2);
    EXPECT_LE(live, allowed) << live << " values alive for " << keys
                             << " keys: erased and replaced values are not being freed";
  }
  EXPECT_EQ(Tracked::live(), before) << "the destructor left values alive";
}

TEST(LockFreeMapReclamation, DestructorFreesEveryValue) {
  const std::int64_t before = Tracked::live();
  {
    LockFreeMap<std::int64_t, Tracked> map;
    for (std::int64_t k = 0; k < 3000; ++k) {
      map.insert(k, Tracked(k));
    }
    for (std::int64_t k = 0; k < 3000; k += 2) {
      map.insert_or_assign(k, Tracked(-k));
    }
    for (std::int64_t k = 0; k < 3000; k += 3) {
      map.erase(k);
    }
    EXPECT_EQ(map.size(), 2000U);
  }
  EXPECT_EQ(Tracked::live(), before)
      << "values still alive after the map was destroyed (erased, replaced or present ones)";
}

TEST(LockFreeMapReclamation, DestructorAfterConcurrentChurnFreesEverything) {
  const std::int64_t before = Tracked::live();
  {
    LockFreeMap<std::int64_t, Tracked> map;
    churn(map, 2, stress::scaled(40'000), stress::seed());
  }
  EXPECT_EQ(Tracked::live(), before)
      << "values still alive after the map was destroyed (erased, replaced or present ones)";
}

}  // namespace
}  // namespace lockstep::lockfree_map
