// Small concurrent histories, thousands of seeded rounds: every history must be explained,
// key by key, by some order of the calls in which a map gives the same results. Also
// proves the checker itself on hand-made histories.

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include <lockstep/map_linearizability.hpp>

#include "lockfree_map_test_support.hpp"

namespace lockstep::lockfree_map {
namespace {

using lin::MapEvent;
using lin::MapOpKind;
using lockfree_map_test::CollidingHash;

struct Round {
  std::size_t threads;
  std::size_t keys;
  std::size_t ops_per_thread;
  bool colliding;
};

// NOLINTNEXTLINE(readability-identifier-naming): the name GoogleTest looks for
void PrintTo(const Round& round, std::ostream* out) {
  *out << round.threads << " threads x " << round.ops_per_thread << " calls on " << round.keys
       << " keys" << (round.colliding ? ", colliding hashes" : "");
}

// One round: prefill some keys, then `threads` threads each make a few seeded calls.
template <class Hash>
lin::MapVerdict run_round(const Round& shape, std::uint64_t seed) {
  LockFreeMap<std::int64_t, std::int64_t, Hash> map;
  lin::MapHistory history(shape.threads);
  stress::Rng setup(seed);
  std::map<std::int64_t, std::int64_t> initial;
  for (std::size_t k = 0; k < shape.keys; ++k) {
    if (setup.chance(500)) {
      const auto key = static_cast<std::int64_t>(k);
      initial[key] = 1000 + key;
      map.insert(key, 1000 + key);
    }
  }
  stress::run_threads(shape.threads, [&](std::size_t thread) {
    stress::Rng rng(seed * 31 + thread);
    for (std::size_t op = 0; op < shape.ops_per_thread; ++op) {
      MapEvent e;
      e.key = static_cast<std::int64_t>(rng.below(shape.keys));
      e.value = static_cast<std::int64_t>((thread + 1) * 100 + op);
      const auto dice = rng.below(10);
      e.invoked = history.now();
      if (dice < 3) {
        e.kind = MapOpKind::find;
        const auto found = map.find(e.key);
        e.ok = found.has_value();
        e.value = found.value_or(0);
      } else if (dice < 6) {
        e.kind = MapOpKind::insert;
        e.ok = map.insert(e.key, e.value);
      } else if (dice < 8) {
        e.kind = MapOpKind::insert_or_assign;
        e.ok = map.insert_or_assign(e.key, e.value);
      } else {
        e.kind = MapOpKind::erase;
        e.ok = map.erase(e.key);
      }
      e.returned = history.now();
      history.record(thread, e);
    }
  });
  return lin::check_map(history.events(), initial);
}

class LockFreeMapLinearizability : public testing::TestWithParam<Round> {};

TEST_P(LockFreeMapLinearizability, SmallHistoriesAreExplainedByAMap) {
  const std::size_t rounds = stress::scaled(4000);
  const std::uint64_t seed = stress::seed();
  for (std::size_t round = 0; round < rounds; ++round) {
    const auto verdict = GetParam().colliding
                             ? run_round<CollidingHash>(GetParam(), seed + round)
                             : run_round<std::hash<std::int64_t>>(GetParam(), seed + round);
    ASSERT_TRUE(verdict.linearizable)
        << "round " << round << " (seed " << seed << ") produced a history no map can explain, "
        << verdict.explanation;
  }
}

std::string round_name(const testing::TestParamInfo<Round>& info) {
  return "t" + std::to_string(info.param.threads) + "_k" + std::to_string(info.param.keys) +
         "_ops" + std::to_string(info.param.ops_per_thread) +
         (info.param.colliding ? "_colliding" : "");
}

INSTANTIATE_TEST_SUITE_P(Shapes, LockFreeMapLinearizability,
                         testing::Values(Round{2, 2, 8, false}, Round{3, 3, 5, false},
                                         Round{3, 4, 6, true}),
                         round_name);

// ---- the checker itself ---------------------------------------------------------------

MapEvent ev(MapOpKind kind, std::int64_t key, std::int64_t value, bool ok, std::uint64_t invoked,
            std::uint64_t returned) {
  return {kind, key, value, ok, invoked, returned};
}

TEST(MapLinearizabilityChecker, AcceptsOverlappingCallsInEitherOrder) {
  // insert(1, 5) overlaps find(1) -> absent and find(1) -> 5: both orders are fine.
  const auto verdict = lin::check_map(
      {
          ev(MapOpKind::insert, 1, 5, true, 0, 10),
          ev(MapOpKind::find, 1, 0, false, 1, 2),
          ev(MapOpKind::find, 1, 5, true, 3, 4),
          ev(MapOpKind::erase, 2, 0, true, 5, 6),
      },
      {{2, 7}});
  EXPECT_TRUE(verdict.linearizable) << verdict.explanation;
}

TEST(MapLinearizabilityChecker, RejectsAValueSeenAfterItsEraseReturned) {
  const auto verdict = lin::check_map({
      ev(MapOpKind::insert, 1, 5, true, 0, 1),
      ev(MapOpKind::erase, 1, 0, true, 2, 3),
      ev(MapOpKind::find, 1, 5, true, 4, 5),
      ev(MapOpKind::insert, 2, 6, true, 0, 9),
  });
  EXPECT_FALSE(verdict.linearizable);
  EXPECT_NE(verdict.explanation.find("key 1"), std::string::npos) << verdict.explanation;
}

TEST(MapLinearizabilityChecker, RejectsTwoWinnersOfOneKey) {
  // Two overlapping inserts of an absent key cannot both succeed without an erase between.
  const auto verdict = lin::check_map({
      ev(MapOpKind::insert, 3, 1, true, 0, 4),
      ev(MapOpKind::insert, 3, 2, true, 1, 5),
      ev(MapOpKind::find, 3, 2, true, 6, 7),
  });
  EXPECT_FALSE(verdict.linearizable);
}

TEST(MapLinearizabilityChecker, RejectsALostInsertOrAssign) {
  // insert_or_assign reported "assigned" but a later find still sees the old value.
  const auto verdict = lin::check_map(
      {
          ev(MapOpKind::insert_or_assign, 4, 9, false, 0, 1),
          ev(MapOpKind::find, 4, 8, true, 2, 3),
      },
      {{4, 8}});
  EXPECT_FALSE(verdict.linearizable);
}

}  // namespace
}  // namespace lockstep::lockfree_map
