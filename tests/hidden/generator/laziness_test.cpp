// Lazy evaluation: the body runs only when a value is asked for, one resume per
// increment, and the helpers never pull more values from their source than they need.

#include <gtest/gtest.h>

#include "generator_test_support.hpp"

namespace lockstep::generator {
namespace {

// Counts in `produced` every value it is about to yield: a side effect the tests watch.
Generator<int> counted(int& produced, int n) {
  for (int i = 0; i < n; ++i) {
    ++produced;
    co_yield i;
  }
}

TEST(GeneratorLaziness, NothingRunsBeforeBegin) {
  int produced = 0;
  auto gen = counted(produced, 5);
  EXPECT_EQ(produced, 0) << "calling the generator function must not run its body";
  auto it = gen.begin();
  EXPECT_EQ(produced, 1) << "begin() runs the body up to its first co_yield, no further";
  EXPECT_EQ(*it, 0);
}

TEST(GeneratorLaziness, EachIncrementResumesTheBodyOnce) {
  int produced = 0;
  auto gen = counted(produced, 5);
  auto it = gen.begin();
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(it == gen.end());
    EXPECT_EQ(*it, i);
    EXPECT_EQ(produced, i + 1) << "the body ran ahead of the consumer";
    ++it;
  }
  EXPECT_TRUE(it == gen.end());
  EXPECT_EQ(produced, 5);
}

TEST(GeneratorLaziness, DestroyingAnUnstartedGeneratorRunsNothing) {
  int produced = 0;
  { auto gen = counted(produced, 5); }
  EXPECT_EQ(produced, 0);
}

TEST(GeneratorLaziness, TakeNeverPullsMoreThanItNeeds) {
  int produced = 0;
  {
    auto gen = take(counted(produced, 100), 3);
    auto it = gen.begin();
    for (int i = 0; i < 3; ++i) {
      ASSERT_FALSE(it == gen.end());
      EXPECT_EQ(*it, i);
      EXPECT_EQ(produced, i + 1);
      ++it;
    }
    EXPECT_TRUE(it == gen.end());
  }
  EXPECT_EQ(produced, 3) << "take(source, 3) resumed its source after the third value";

  int none = 0;
  {
    auto gen = take(counted(none, 100), 0);
    EXPECT_TRUE(gen.begin() == gen.end());
  }
  EXPECT_EQ(none, 0) << "take(source, 0) must not start its source";
}

TEST(GeneratorLaziness, FilterPullsOnlyUpToTheNextMatch) {
  int produced = 0;
  auto gen = filter(counted(produced, 100), [](int v) { return v % 3 == 0; });
  EXPECT_EQ(produced, 0);
  auto it = gen.begin();
  EXPECT_EQ(*it, 0);
  EXPECT_EQ(produced, 1);
  ++it;
  EXPECT_EQ(*it, 3);
  EXPECT_EQ(produced, 4) << "filter read further than the next matching value";
}

}  // namespace
}  // namespace lockstep::generator
