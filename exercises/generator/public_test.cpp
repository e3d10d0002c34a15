// Public tests: a first check of the basics. The hidden tests go much further (exact ends,
// laziness, move-only and reference yields, frame lifetime under ASan/LSan, exceptions
// through the helpers, ranges concepts); see README.md.

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include <generator.hpp>

namespace lockstep::generator {
namespace {

Generator<int> count_to(int n, int& produced) {
  for (int i = 0; i < n; ++i) {
    ++produced;
    co_yield i;
  }
}

// Reads at most `limit` values and never increments further, so a generator whose
// iterator never reaches end() fails instead of misbehaving.
template <class G>
std::vector<typename G::value_type> first_values(G& gen, std::size_t limit, bool& ended) {
  std::vector<typename G::value_type> out;
  ended = false;
  auto it = gen.begin();
  while (!(it == gen.end())) {
    if (out.size() == limit) {
      return out;
    }
    out.push_back(*it);
    ++it;
  }
  ended = true;
  return out;
}

TEST(GeneratorPublic, YieldsItsValuesInOrderThenEnds) {
  int produced = 0;
  auto gen = count_to(5, produced);
  bool ended = false;
  EXPECT_EQ(first_values(gen, 5, ended), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(ended) << "the iterator must equal end() after the last value";
}

TEST(GeneratorPublic, NothingRunsBeforeTheFirstValueIsAskedFor) {
  int produced = 0;
  auto gen = count_to(5, produced);
  EXPECT_EQ(produced, 0);
  auto it = gen.begin();
  EXPECT_EQ(produced, 1);
  EXPECT_EQ(*it, 0);
}

TEST(GeneratorPublic, FibonacciStartsZeroOne) {
  auto gen = take(fibonacci(), 10);
  bool ended = false;
  EXPECT_EQ(first_values(gen, 10, ended),
            (std::vector<std::uint64_t>{0, 1, 1, 2, 3, 5, 8, 13, 21, 34}));
  EXPECT_TRUE(ended);
}

Generator<int> one_then_throw() {
  co_yield 1;
  throw std::runtime_error("from the body");
}

TEST(GeneratorPublic, AnExceptionInTheBodyReachesTheConsumer) {
  auto gen = one_then_throw();
  auto it = gen.begin();
  ASSERT_FALSE(it == gen.end());
  EXPECT_EQ(*it, 1);
  EXPECT_THROW(++it, std::runtime_error);
  EXPECT_TRUE(it == gen.end());
}

struct Flag {
  explicit Flag(bool& destroyed) : destroyed_(&destroyed) {}
  Flag(const Flag&) = delete;
  Flag& operator=(const Flag&) = delete;
  Flag(Flag&&) = delete;
  Flag& operator=(Flag&&) = delete;
  ~Flag() { *destroyed_ = true; }

 private:
  bool* destroyed_;
};

Generator<int> endless(bool& destroyed) {
  const Flag flag(destroyed);
  for (int i = 0;; ++i) {
    co_yield i;
  }
}

TEST(GeneratorPublic, DestroyingTheGeneratorEarlyDestroysTheBodysLocals) {
  bool destroyed = false;
  {
    auto gen = endless(destroyed);
    auto it = gen.begin();
    ++it;
    EXPECT_EQ(*it, 1);
    EXPECT_FALSE(destroyed);
  }
  EXPECT_TRUE(destroyed) << "the coroutine frame (and its locals) must die with the Generator";
}

}  // namespace
}  // namespace lockstep::generator
