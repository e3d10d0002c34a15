// Public tests: a first check of the basics. The hidden tests go much further (many
// threads, sanitizers, churn, reclamation, linearizability); see README.md.

#include <gtest/gtest.h>

#include <future>
#include <string>

#include <lockfree_map.hpp>

namespace lockstep::lockfree_map {
namespace {

TEST(LockFreeMapPublic, InsertThenFindReturnsTheValue) {
  LockFreeMap<int, std::string> map;
  EXPECT_EQ(map.find(1), std::nullopt);
  EXPECT_TRUE(map.insert(1, "one"));
  EXPECT_EQ(map.find(1), "one");
  EXPECT_EQ(map.size(), 1U);
}

TEST(LockFreeMapPublic, InsertOfAPresentKeyReportsFalseAndKeepsTheValue) {
  LockFreeMap<int, int> map;
  ASSERT_TRUE(map.insert(7, 70));
  EXPECT_FALSE(map.insert(7, 71));
  EXPECT_EQ(map.find(7), 70);
  EXPECT_EQ(map.size(), 1U);
}

TEST(LockFreeMapPublic, InsertOrAssignReplacesTheValue) {
  LockFreeMap<int, int> map;
  EXPECT_TRUE(map.insert_or_assign(3, 30));
  EXPECT_FALSE(map.insert_or_assign(3, 31));
  EXPECT_EQ(map.find(3), 31);
  EXPECT_EQ(map.size(), 1U);
}

TEST(LockFreeMapPublic, EraseRemovesTheKey) {
  LockFreeMap<int, int> map;
  ASSERT_TRUE(map.insert(5, 50));
  EXPECT_TRUE(map.erase(5));
  EXPECT_FALSE(map.erase(5));
  EXPECT_EQ(map.find(5), std::nullopt);
  EXPECT_EQ(map.size(), 0U);
}

TEST(LockFreeMapPublic, TwoThreadsInsertingDistinctKeysBothLand) {
  constexpr int kPerThread = 2000;
  LockFreeMap<int, int> map;
  auto insert_range = [&](int first) {
    for (int k = first; k < first + kPerThread; ++k) {
      EXPECT_TRUE(map.insert(k, k * 2));
    }
  };
  // std::async rather than std::thread: an exception in a thread reaches get().
  auto a = std::async(std::launch::async, insert_range, 0);
  auto b = std::async(std::launch::async, insert_range, kPerThread);
  a.get();
  b.get();
  ASSERT_EQ(map.size(), static_cast<std::size_t>(2 * kPerThread));
  for (int k = 0; k < 2 * kPerThread; ++k) {
    ASSERT_EQ(map.find(k), k * 2) << "key " << k;
  }
}

}  // namespace
}  // namespace lockstep::lockfree_map
