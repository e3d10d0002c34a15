// Single-threaded behaviour: the results every call reports, size, colliding hashes.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "lockfree_map_test_support.hpp"

namespace lockstep::lockfree_map {
namespace {

using lockfree_map_test::CollidingHash;

TEST(LockFreeMapBasics, FindOnAnEmptyMapReturnsNothing) {
  const LockFreeMap<int, int> map;
  EXPECT_EQ(map.find(0), std::nullopt);
  EXPECT_EQ(map.find(-1), std::nullopt);
  EXPECT_EQ(map.size(), 0U);
}

TEST(LockFreeMapBasics, InsertDoesNotOverwriteAPresentKey) {
  LockFreeMap<int, int> map;
  for (int k = 0; k < 100; ++k) {
    ASSERT_TRUE(map.insert(k, k + 1000));
  }
  for (int k = 0; k < 100; ++k) {
    EXPECT_FALSE(map.insert(k, -k)) << "key " << k;
  }
  for (int k = 0; k < 100; ++k) {
    EXPECT_EQ(map.find(k), k + 1000) << "key " << k;
  }
  EXPECT_EQ(map.size(), 100U);
}

TEST(LockFreeMapBasics, InsertOrAssignReportsWhetherItInserted) {
  LockFreeMap<int, int> map;
  EXPECT_TRUE(map.insert_or_assign(1, 10));
  EXPECT_FALSE(map.insert_or_assign(1, 11));
  EXPECT_FALSE(map.insert_or_assign(1, 12));
  EXPECT_EQ(map.find(1), 12);
  ASSERT_TRUE(map.erase(1));
  EXPECT_TRUE(map.insert_or_assign(1, 13));
  EXPECT_EQ(map.find(1), 13);
  EXPECT_EQ(map.size(), 1U);
}

TEST(LockFreeMapBasics, EraseReportsWhetherTheKeyWasPresent) {
  LockFreeMap<int, int> map;
  EXPECT_FALSE(map.erase(4));
  ASSERT_TRUE(map.insert(4, 40));
  ASSERT_TRUE(map.insert(5, 50));
  EXPECT_TRUE(map.erase(4));
  EXPECT_FALSE(map.erase(4));
  EXPECT_EQ(map.find(4), std::nullopt);
  EXPECT_EQ(map.find(5), 50);
  EXPECT_TRUE(map.insert(4, 41));
  EXPECT_EQ(map.find(4), 41);
}

TEST(LockFreeMapBasics, SizeCountsKeysNotCalls) {
  LockFreeMap<int, int> map;
  for (int k = 0; k < 50; ++k) {
    map.insert(k, k);
    map.insert(k, k);
    map.insert_or_assign(k, k + 1);
  }
  EXPECT_EQ(map.size(), 50U);
  for (int k = 0; k < 50; k += 2) {
    map.erase(k);
    map.erase(k);
  }
  EXPECT_EQ(map.size(), 25U);
}

TEST(LockFreeMapBasics, CollidingKeysAreKeptApart) {
  LockFreeMap<std::int64_t, std::int64_t, CollidingHash> map;
  for (std::int64_t k = 0; k < 200; ++k) {
    ASSERT_TRUE(map.insert(k, k * 3));
  }
  for (std::int64_t k = 1; k < 200; k += 2) {
    ASSERT_TRUE(map.erase(k));
  }
  for (std::int64_t k = 0; k < 200; k += 4) {
    ASSERT_FALSE(map.insert_or_assign(k, k * 5));
  }
  for (std::int64_t k = 0; k < 200; ++k) {
    if (k % 2 == 1) {
      EXPECT_EQ(map.find(k), std::nullopt) << "key " << k;
    } else {
      EXPECT_EQ(map.find(k), k % 4 == 0 ? k * 5 : k * 3) << "key " << k;
    }
  }
  EXPECT_EQ(map.size(), 100U);
}

TEST(LockFreeMapBasics, StringKeysAndValuesWork) {
  LockFreeMap<std::string, std::string> map;
  const std::string long_key(100, 'k');
  EXPECT_TRUE(map.insert("alpha", "a"));
  EXPECT_TRUE(map.insert(long_key, std::string(200, 'v')));
  EXPECT_FALSE(map.insert_or_assign("alpha", "b"));
  EXPECT_EQ(map.find("alpha"), "b");
  EXPECT_EQ(map.find(long_key), std::string(200, 'v'));
  EXPECT_TRUE(map.erase(long_key));
  EXPECT_EQ(map.find(long_key), std::nullopt);
}

TEST(LockFreeMapBasics, ManyMoreKeysThanBucketsAreAllFound) {
  LockFreeMap<int, int> map(4);
  constexpr int kKeys = 5000;
  for (int k = 0; k < kKeys; ++k) {
    ASSERT_TRUE(map.insert(k * 7919, k));
  }
  ASSERT_EQ(map.size(), static_cast<std::size_t>(kKeys));
  for (int k = 0; k < kKeys; ++k) {
    ASSERT_EQ(map.find(k * 7919), k) << "key " << k * 7919;
  }
  EXPECT_EQ(map.find(1), std::nullopt);
}

}  // namespace
}  // namespace lockstep::lockfree_map
