// Exact sequences: every value in order, then end, reached exactly once.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "generator_test_support.hpp"

namespace lockstep::generator {
namespace {

using generator_test::count_to;
using generator_test::drain;

Generator<int> nothing() {
  co_return;
}

Generator<int> one_two_three(int& after_last) {
  co_yield 1;
  co_yield 2;
  co_yield 3;
  ++after_last;
}

std::vector<int> iota(int from, int to) {
  std::vector<int> out;
  for (int i = from; i < to; ++i) {
    out.push_back(i);
  }
  return out;
}

TEST(GeneratorSequence, YieldsEveryValueInOrderThenEnds) {
  const auto got = drain(count_to(10), 10);
  EXPECT_EQ(got.values, iota(0, 10));
  EXPECT_TRUE(got.reached_end) << "the iterator must equal end() after the last value";
}

TEST(GeneratorSequence, ABodyWithoutValuesIsAtEndAtOnce) {
  auto gen = nothing();
  auto it = gen.begin();
  EXPECT_TRUE(it == gen.end());
}

TEST(GeneratorSequence, EndIsReachedExactlyAfterTheLastValue) {
  int after_last = 0;
  auto gen = one_two_three(after_last);
  auto it = gen.begin();
  for (const int expected : {1, 2, 3}) {
    ASSERT_FALSE(it == gen.end()) << "end() came before the value " << expected;
    EXPECT_EQ(*it, expected);
    EXPECT_EQ(after_last, 0) << "the body ran past its last co_yield too early";
    ++it;
  }
  EXPECT_TRUE(it == gen.end()) << "the iterator must equal end() once the body has finished";
  EXPECT_TRUE(it == gen.end()) << "comparing with end() must not change the answer";
  EXPECT_EQ(after_last, 1) << "the code after the last co_yield must run exactly once";
}

TEST(GeneratorSequence, FibonacciGivesTheNinetyFourNumbersThatFitThenEnds) {
  std::vector<std::uint64_t> expected{0, 1};
  while (expected.size() < 94) {
    expected.push_back(expected[expected.size() - 1] + expected[expected.size() - 2]);
  }
  const auto got = drain(fibonacci(), 94);
  EXPECT_EQ(got.values, expected);
  ASSERT_FALSE(got.values.empty());
  EXPECT_EQ(got.values.back(), 12200160415121876738ULL) << "F(93) is the last that fits";
  EXPECT_TRUE(got.reached_end) << "fibonacci() ends after F(93): F(94) overflows";
}

TEST(GeneratorSequence, PrimesMatchASieve) {
  constexpr std::uint64_t kLimit = 7920;  // the 1000th prime is 7919
  std::vector<bool> composite(kLimit, false);
  std::vector<std::uint64_t> expected;
  for (std::uint64_t n = 2; n < kLimit; ++n) {
    if (!composite[n]) {
      expected.push_back(n);
      for (std::uint64_t m = n * n; m < kLimit; m += n) {
        composite[m] = true;
      }
    }
  }
  ASSERT_EQ(expected.size(), 1000U);
  const auto got = drain(primes(), 1000);
  EXPECT_EQ(got.values, expected);
  EXPECT_FALSE(got.reached_end) << "primes() never ends";
}

TEST(GeneratorSequence, TakeGivesTheFirstValuesThenEnds) {
  auto three = drain(take(count_to(10), 3), 3);
  EXPECT_EQ(three.values, iota(0, 3));
  EXPECT_TRUE(three.reached_end);

  auto all = drain(take(count_to(2), 5), 5);
  EXPECT_EQ(all.values, iota(0, 2)) << "take of a shorter source ends with the source";
  EXPECT_TRUE(all.reached_end);

  auto none = drain(take(fibonacci(), 0), 1);
  EXPECT_TRUE(none.values.empty());
  EXPECT_TRUE(none.reached_end);

  auto fib = drain(take(fibonacci(), 10), 10);
  EXPECT_EQ(fib.values, (std::vector<std::uint64_t>{0, 1, 1, 2, 3, 5, 8, 13, 21, 34}));
  EXPECT_TRUE(fib.reached_end) << "take ends an endless source";
}

TEST(GeneratorSequence, FilterKeepsTheMatchingValuesInOrder) {
  auto even = drain(filter(count_to(20), [](int v) { return v % 2 == 0; }), 10);
  EXPECT_EQ(even.values, (std::vector<int>{0, 2, 4, 6, 8, 10, 12, 14, 16, 18}));
  EXPECT_TRUE(even.reached_end);

  auto none = drain(filter(count_to(20), [](int v) { return v > 100; }), 1);
  EXPECT_TRUE(none.values.empty());
  EXPECT_TRUE(none.reached_end);
}

TEST(GeneratorSequence, HelpersCompose) {
  auto got = drain(take(filter(primes(), [](std::uint64_t p) { return p % 4 == 1; }), 6), 6);
  EXPECT_EQ(got.values, (std::vector<std::uint64_t>{5, 13, 17, 29, 37, 41}));
  EXPECT_TRUE(got.reached_end);
}

}  // namespace
}  // namespace lockstep::generator
