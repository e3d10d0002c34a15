// Exceptions: what escapes the body is rethrown to the consumer by the begin() or the
// increment that resumed it, and the generator is finished afterwards.

#include <gtest/gtest.h>

#include "generator_test_support.hpp"

namespace lockstep::generator {
namespace {

using generator_test::Boom;
using generator_test::Probe;
using generator_test::Tally;

Generator<int> fails_after(int values, Tally& tally) {
  const Probe local(tally);
  for (int i = 0; i < values; ++i) {
    co_yield i;
  }
  throw Boom(values);
}

TEST(GeneratorException, TheIncrementThatReachesTheThrowRethrowsIt) {
  Tally tally;
  auto gen = fails_after(2, tally);
  auto it = gen.begin();
  ASSERT_FALSE(it == gen.end());
  EXPECT_EQ(*it, 0);
  ++it;
  ASSERT_FALSE(it == gen.end());
  EXPECT_EQ(*it, 1);
  try {
    ++it;
    ADD_FAILURE() << "the body's exception was swallowed";
  } catch (const Boom& boom) {
    EXPECT_EQ(boom.at, 2) << "a different exception arrived";
  }
  EXPECT_TRUE(it == gen.end()) << "after an exception the generator is finished";
  EXPECT_EQ(tally.live(), 0) << "the body's locals are destroyed as the exception leaves it";
}

TEST(GeneratorException, AThrowBeforeTheFirstValueIsRethrownByBegin) {
  Tally tally;
  auto gen = fails_after(0, tally);
  EXPECT_EQ(tally.live(), 0) << "the body must not start before begin()";
  EXPECT_THROW((void)gen.begin(), Boom);
  EXPECT_EQ(tally.live(), 0);
}

TEST(GeneratorException, ExceptionsPassThroughTakeAndFilter) {
  Tally tally;
  auto gen = take(filter(fails_after(5, tally), [](int v) { return v != 1; }), 10);
  std::vector<int> seen;
  try {
    for (auto it = gen.begin(); !(it == gen.end()); ++it) {
      ASSERT_LT(seen.size(), 5U);
      seen.push_back(*it);
    }
    ADD_FAILURE() << "the source's exception was swallowed by a helper";
  } catch (const Boom& boom) {
    EXPECT_EQ(boom.at, 5);
  }
  EXPECT_EQ(seen, (std::vector<int>{0, 2, 3, 4}));
}

TEST(GeneratorException, RangeForStopsWithTheException) {
  Tally tally;
  int sum = 0;
  EXPECT_THROW(
      {
        for (const int v : fails_after(4, tally)) {
          sum += v;
        }
      },
      Boom);
  EXPECT_EQ(sum, 0 + 1 + 2 + 3);
  EXPECT_EQ(tally.live(), 0);
}

}  // namespace
}  // namespace lockstep::generator
