// Model-based: long seeded random sequences of calls, each result compared with what
// std::unordered_map says.

#include <gtest/gtest.h>

#include <cstdint>
#include <unordered_map>

#include "lockfree_map_test_support.hpp"

namespace lockstep::lockfree_map {
namespace {

using lockfree_map_test::CollidingHash;

template <class Map>
void run_model(Map& map, std::uint64_t seed, std::int64_t keys, std::size_t steps) {
  std::unordered_map<std::int64_t, std::int64_t> model;
  stress::Rng rng(seed);
  for (std::size_t step = 0; step < steps; ++step) {
    const auto key = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(keys)));
    const auto value = static_cast<std::int64_t>(step);
    switch (rng.below(4)) {
      case 0: {
        const auto found = map.find(key);
        const auto it = model.find(key);
        if (it == model.end()) {
          ASSERT_EQ(found, std::nullopt) << "step " << step << ": find(" << key << ")";
        } else {
          ASSERT_EQ(found, it->second) << "step " << step << ": find(" << key << ")";
        }
        break;
      }
      case 1:
        ASSERT_EQ(map.insert(key, value), model.emplace(key, value).second)
            << "step " << step << ": insert(" << key << ")";
        break;
      case 2:
        ASSERT_EQ(map.insert_or_assign(key, value), model.insert_or_assign(key, value).second)
            << "step " << step << ": insert_or_assign(" << key << ")";
        break;
      default:
        ASSERT_EQ(map.erase(key), model.erase(key) == 1)
            << "step " << step << ": erase(" << key << ")";
        break;
    }
    ASSERT_EQ(map.size(), model.size()) << "step " << step;
  }
  for (const auto& [key, value] : model) {
    ASSERT_EQ(map.find(key), value) << "at the end: find(" << key << ")";
  }
}

TEST(LockFreeMapModel, RandomSequencesMatchStdUnorderedMap) {
  LockFreeMap<std::int64_t, std::int64_t> map;
  run_model(map, stress::seed(), 300, stress::scaled(200'000));
}

TEST(LockFreeMapModel, RandomSequencesWithCollidingHashesMatchStdUnorderedMap) {
  LockFreeMap<std::int64_t, std::int64_t, CollidingHash> map;
  run_model(map, stress::seed(), 40, stress::scaled(100'000));
}

}  // namespace
}  // namespace lockstep::lockfree_map
