// The Chase–Lev deque on its own: order, growth and exactly-once under concurrent steals.

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <lockstep/stress.hpp>
#include <work_stealing.hpp>

#include "work_stealing_test_support.hpp"

namespace lockstep::work_stealing {
namespace {

using work_stealing_test::exactly_once_violations;

TEST(WorkStealingDequeBasics, AnEmptyDequeGivesNothingToOwnerAndThief) {
  WorkStealingDeque<int> deque;
  EXPECT_EQ(deque.pop(), std::nullopt);
  EXPECT_EQ(deque.steal(), std::nullopt);
  EXPECT_TRUE(deque.empty());
  deque.push(7);
  EXPECT_EQ(deque.size(), 1U);
  EXPECT_EQ(deque.pop(), 7);
  EXPECT_EQ(deque.pop(), std::nullopt);
  EXPECT_EQ(deque.steal(), std::nullopt);
  deque.push(8);
  EXPECT_EQ(deque.steal(), 8);
  EXPECT_EQ(deque.steal(), std::nullopt);
  EXPECT_EQ(deque.pop(), std::nullopt);
}

TEST(WorkStealingDequeBasics, OwnerPopsNewestFirstAndThievesStealOldestFirst) {
  WorkStealingDeque<int> deque;
  for (int i = 1; i <= 6; ++i) {
    deque.push(i);
  }
  EXPECT_EQ(deque.pop(), 6);    // owner: LIFO
  EXPECT_EQ(deque.steal(), 1);  // thief: FIFO
  EXPECT_EQ(deque.pop(), 5);
  EXPECT_EQ(deque.steal(), 2);
  EXPECT_EQ(deque.steal(), 3);
  EXPECT_EQ(deque.pop(), 4);
  EXPECT_EQ(deque.pop(), std::nullopt);
  EXPECT_EQ(deque.steal(), std::nullopt);
}

TEST(WorkStealingDequeBasics, GrowsFarPastItsInitialCapacityKeepingOrder) {
  constexpr int kCount = 5000;
  WorkStealingDeque<int> deque(2);
  for (int i = 0; i < kCount; ++i) {
    deque.push(i);
    if (i % 3 == 2) {
      ASSERT_EQ(deque.steal(), i / 3);  // steals interleaved with growth keep FIFO
    }
  }
  const int stolen = kCount / 3;
  EXPECT_EQ(deque.size(), static_cast<std::size_t>(kCount - stolen));
  for (int i = kCount - 1; i >= stolen; --i) {
    ASSERT_EQ(deque.pop(), i);
  }
  EXPECT_EQ(deque.pop(), std::nullopt);
}

// One owner pushing in bursts (the deque starts at capacity 2, so it grows while thieves
// read it) and popping now and then; several thieves stealing all along.
TEST(WorkStealingDequeStress, EveryItemIsTakenExactlyOnceUnderStealsAndGrowth) {
  const std::size_t count = stress::scaled(200000);
  constexpr std::size_t kThieves = 3;
  WorkStealingDeque<std::uint64_t> deque(2);
  std::atomic<bool> owner_done{false};
  std::vector<std::vector<std::uint64_t>> taken(kThieves + 1);
  stress::run_threads(kThieves + 1, [&](std::size_t index) {
    auto& mine = taken[index];
    if (index == 0) {
      stress::Rng rng(stress::seed());
      std::uint64_t next = 0;
      while (next < count) {
        const std::uint64_t burst = 1 + rng.below(rng.chance(50) ? 400 : 8);
        for (std::uint64_t i = 0; i < burst && next < count; ++i) {
          deque.push(next++);
        }
        const std::uint64_t pops = rng.below(burst + 1);
        for (std::uint64_t i = 0; i < pops; ++i) {
          if (auto item = deque.pop()) {
            mine.push_back(*item);
          }
        }
      }
      while (auto item = deque.pop()) {
        mine.push_back(*item);
      }
      owner_done.store(true);
      return;
    }
    stress::Noise noise(stress::seed() + index, 20);
    for (;;) {
      const bool done = owner_done.load();
      if (auto item = deque.steal()) {
        mine.push_back(*item);
      } else if (done && deque.empty()) {
        return;
      }
      noise();
    }
  });
  // Oracles after the join.
  EXPECT_TRUE(deque.empty());
  EXPECT_EQ(exactly_once_violations(taken, count), "") << "seed " << stress::seed();
}

// Many rounds where the owner pops the last one to three items while a thief steals them:
// the Dekker race of pop (store bottom, load top) against steal (load top, load bottom).
// Only an optimised build on real cores reorders a weak store before a later load, and no
// sanitizer sees it: the exactly-once oracle does. Runs in chunks and stops at the first
// chunk with a violation; correct code runs every chunk.
TEST(WorkStealingDequeStress, OwnerAndThiefNeverTakeTheSameLastItems) {
  constexpr std::size_t kChunk = 250000;
  const std::size_t chunks = stress::scaled(48);
  stress::Rng rng(stress::seed());
  for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
    // Whether a core reorders the store before the load depends on the addresses
    // involved (a pending store whose low 12 address bits match a later load delays that
    // load): a block of seeded size moves each chunk's deque and buffer elsewhere.
    const std::vector<char> padding(64 * (1 + rng.below(64)));
    const auto owned = std::make_unique<WorkStealingDeque<std::uint64_t>>(4);
    WorkStealingDeque<std::uint64_t>& deque = *owned;
    std::atomic<bool> owner_done{false};
    std::vector<std::vector<std::uint64_t>> taken(2);
    taken[0].reserve(kChunk);
    taken[1].reserve(kChunk);
    stress::run_threads(2, [&](std::size_t index) {
      auto& mine = taken[index];
      if (index == 0) {
        std::uint64_t next = 0;
        while (next < kChunk) {
          const std::uint64_t burst = 1 + (next % 3);
          for (std::uint64_t i = 0; i < burst && next < kChunk; ++i) {
            deque.push(next++);
          }
          while (auto item = deque.pop()) {
            mine.push_back(*item);
          }
        }
        owner_done.store(true);
        return;
      }
      for (;;) {
        const bool done = owner_done.load();
        if (auto item = deque.steal()) {
          mine.push_back(*item);
        } else if (done && deque.empty()) {
          return;
        }
      }
    });
    ASSERT_TRUE(deque.empty());
    ASSERT_EQ(exactly_once_violations(taken, kChunk), "")
        << "chunk " << chunk << ": owner and thief took the same item; pop's store of "
        << "bottom and its load of top must not be reordered";
  }
}

}  // namespace
}  // namespace lockstep::work_stealing
