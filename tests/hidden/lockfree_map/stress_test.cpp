// Many threads on one chain: no call ever reads freed memory, no insert or erase is lost,
// exactly one of several racing calls on one key wins, and what a reader finds is whole.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "lockfree_map_test_support.hpp"

namespace lockstep::lockfree_map {
namespace {

using lockfree_map_test::CollidingHash;
using lockfree_map_test::key_of;
using lockfree_map_test::value_for;

// Writers insert, replace and erase a handful of keys in one chain while readers walk it.
// A map that frees an erased node while a reader stands on it is caught by ASan
// (heap-use-after-free) or TSan (a race with the free); a value of the wrong key means a
// reader followed a recycled node.
TEST(LockFreeMapStress, ReadersNeverTouchFreedNodes) {
  constexpr std::int64_t kKeys = 16;
  constexpr std::size_t kWriters = 2;
  constexpr std::size_t kReaders = 2;
  const std::size_t ops = stress::scaled(120'000);
  const std::uint64_t seed = stress::seed();
  LockFreeMap<std::int64_t, std::int64_t, CollidingHash> map;
  std::atomic<std::size_t> writers_done{0};
  stress::run_threads(kWriters + kReaders, [&](std::size_t thread) {
    stress::Rng rng(seed * 7 + thread);
    if (thread < kWriters) {
      for (std::size_t op = 0; op < ops; ++op) {
        const auto key = static_cast<std::int64_t>(rng.below(kKeys));
        const auto version = static_cast<std::int64_t>(op * kWriters + thread);
        switch (rng.below(3)) {
          case 0:
            map.insert(key, value_for(key, version));
            break;
          case 1:
            map.insert_or_assign(key, value_for(key, version));
            break;
          default:
            map.erase(key);
            break;
        }
      }
      writers_done.fetch_add(1);
      return;
    }
    while (writers_done.load() < kWriters) {
      const auto key = static_cast<std::int64_t>(rng.below(kKeys));
      if (const auto found = map.find(key)) {
        ASSERT_EQ(key_of(*found), key) << "find(" << key << ") returned another key's value";
      }
    }
  });
}

// Rounds of three threads, each inserting its own keys and erasing every other one of
// them as it goes, into one sorted chain (a bucket hint of 1 and the identity hash), so
// the keys of different threads are neighbours: an erase unlinks a node next to one being
// inserted. Afterwards exactly the kept keys are there. An insert or unlink that writes a
// link with a plain store instead of a CAS loses a neighbour's insert (or brings an erased
// node back) within a few rounds. A map that ignores the hint is tested less hard, not
// wrongly.
TEST(LockFreeMapStress, ConcurrentInsertsAndErasesOfDistinctKeysAreNeverLost) {
  constexpr std::size_t kThreads = 3;
  constexpr std::int64_t kPerThread = 24;
  const std::size_t rounds = stress::scaled(4000);
  const std::uint64_t seed = stress::seed();
  const auto key_of_thread = [](std::int64_t i, std::size_t thread) {
    return i * static_cast<std::int64_t>(kThreads) + static_cast<std::int64_t>(thread);
  };
  for (std::size_t round = 0; round < rounds; ++round) {
    LockFreeMap<std::int64_t, std::int64_t> map(1);
    stress::run_threads(kThreads, [&](std::size_t thread) {
      stress::Noise noise(seed + round * kThreads + thread, 20);
      for (std::int64_t i = 0; i < kPerThread + 2; ++i) {
        if (i < kPerThread) {
          const std::int64_t key = key_of_thread(i, thread);
          ASSERT_TRUE(map.insert(key, value_for(key, 1))) << "insert(" << key << ")";
          noise();
        }
        if (i >= 2 && (i - 2) % 2 == 0) {  // erase this thread's even keys, two steps behind
          const std::int64_t key = key_of_thread(i - 2, thread);
          ASSERT_TRUE(map.erase(key)) << "erase(" << key << ") of a key this thread inserted";
          noise();
        }
      }
    });
    const std::int64_t total = kPerThread * static_cast<std::int64_t>(kThreads);
    for (std::int64_t key = 0; key < total; ++key) {
      const bool kept = (key / static_cast<std::int64_t>(kThreads)) % 2 == 1;
      if (kept) {
        ASSERT_EQ(map.find(key), value_for(key, 1))
            << "round " << round << " (seed " << seed << "): inserted key " << key << " is lost";
      } else {
        ASSERT_EQ(map.find(key), std::nullopt)
            << "round " << round << " (seed " << seed << "): erased key " << key << " is back";
      }
    }
    ASSERT_EQ(map.size(), static_cast<std::size_t>(total / 2)) << "round " << round;
  }
}

// Three threads insert the same keys at once: for each key exactly one insert succeeds
// and its value is the one found; then they erase them all at once: exactly one erase per
// key succeeds and the map ends empty.
TEST(LockFreeMapStress, ExactlyOneOfRacingCallsOnAKeyWins) {
  constexpr std::size_t kThreads = 3;
  constexpr std::int64_t kKeys = 8;
  const std::size_t rounds = stress::scaled(1600);
  const std::uint64_t seed = stress::seed();
  for (std::size_t round = 0; round < rounds; ++round) {
    LockFreeMap<std::int64_t, std::int64_t, CollidingHash> map;
    std::vector<std::vector<char>> inserted(kThreads, std::vector<char>(kKeys, 0));
    std::vector<std::vector<char>> erased(kThreads, std::vector<char>(kKeys, 0));
    stress::run_threads(kThreads, [&](std::size_t thread) {
      stress::Noise noise(seed + round * kThreads + thread, 30);
      for (std::int64_t key = 0; key < kKeys; ++key) {
        inserted[thread][static_cast<std::size_t>(key)] =
            map.insert(key, value_for(key, static_cast<std::int64_t>(thread))) ? 1 : 0;
        noise();
      }
    });
    for (std::int64_t key = 0; key < kKeys; ++key) {
      int winners = 0;
      std::int64_t winner = -1;
      for (std::size_t t = 0; t < kThreads; ++t) {
        if (inserted[t][static_cast<std::size_t>(key)] != 0) {
          ++winners;
          winner = static_cast<std::int64_t>(t);
        }
      }
      ASSERT_EQ(winners, 1) << "round " << round << " (seed " << seed << "): key " << key;
      ASSERT_EQ(map.find(key), value_for(key, winner)) << "round " << round << ": key " << key;
    }
    ASSERT_EQ(map.size(), static_cast<std::size_t>(kKeys));
    stress::run_threads(kThreads, [&](std::size_t thread) {
      stress::Noise noise(seed + round * kThreads + thread + 1, 30);
      for (std::int64_t key = 0; key < kKeys; ++key) {
        erased[thread][static_cast<std::size_t>(key)] = map.erase(key) ? 1 : 0;
        noise();
      }
    });
    for (std::int64_t key = 0; key < kKeys; ++key) {
      int winners = 0;
      for (std::size_t t = 0; t < kThreads; ++t) {
        winners += erased[t][static_cast<std::size_t>(key)];
      }
      ASSERT_EQ(winners, 1) << "round " << round << " (seed " << seed << "): erase of key " << key;
      ASSERT_EQ(map.find(key), std::nullopt) << "round " << round << ": key " << key;
    }
    ASSERT_EQ(map.size(), 0U);
  }
}

// One thread inserts fresh keys, another waits for each to appear and reads its value.
// Reading a node through a pointer loaded with memory_order_relaxed is a data race with
// the writes that built it: ThreadSanitizer reports it.
TEST(LockFreeMapStress, AFreshlyInsertedValueIsReadWhole) {
  const auto keys = static_cast<std::int64_t>(stress::scaled(20'000));
  LockFreeMap<std::int64_t, std::string> map(64);
  stress::run_threads(2, [&](std::size_t thread) {
    if (thread == 0) {
      for (std::int64_t key = 0; key < keys; ++key) {
        map.insert(key, std::string(40, static_cast<char>('a' + key % 26)));
      }
      return;
    }
    for (std::int64_t key = 0; key < keys; ++key) {
      std::optional<std::string> found;
      while (!(found = map.find(key))) {
      }
      ASSERT_EQ(*found, std::string(40, static_cast<char>('a' + key % 26))) << "key " << key;
    }
  });
}

}  // namespace
}  // namespace lockstep::lockfree_map
