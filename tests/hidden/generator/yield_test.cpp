// What can be yielded: move-only values, references (without a copy), and lvalues of the
// body, which the consumer may move from without emptying the body's variable.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "generator_test_support.hpp"

namespace lockstep::generator {
namespace {

// Counts its copies; moves are free.
struct Counted {
  explicit Counted(int v, int& copies) : value(v), copies_(&copies) {}
  Counted(const Counted& other) : value(other.value), copies_(other.copies_) { ++*copies_; }
  Counted(Counted&&) noexcept = default;
  Counted& operator=(const Counted&) = delete;
  Counted& operator=(Counted&&) = delete;
  ~Counted() = default;
  int value;

 private:
  int* copies_;
};

Generator<std::unique_ptr<int>> boxes(int n) {
  for (int i = 0; i < n; ++i) {
    co_yield std::make_unique<int>(i);  // a temporary
  }
  auto last = std::make_unique<int>(n);
  co_yield std::move(last);  // a local, moved
}

Generator<const std::string&> words_of(const std::vector<std::string>& words) {
  for (const std::string& word : words) {
    co_yield word;
  }
}

Generator<const Counted&> counted_values(int& copies) {
  const Counted local(1, copies);
  co_yield local;
  co_yield Counted(2, copies);  // a temporary, still not copied
}

Generator<std::string> same_lvalue_twice() {
  std::string kept = "kept value that does not fit in the small-string buffer";
  co_yield kept;
  co_yield kept;
}

TEST(GeneratorYield, MoveOnlyValuesAreYieldedAndCanBeMovedOut) {
  auto gen = boxes(3);
  std::vector<int> seen;
  for (auto it = gen.begin(); !(it == gen.end()); ++it) {
    ASSERT_LT(seen.size(), 4U) << "no end after the fourth value";
    const std::unique_ptr<int>& peek = *it;  // *it stays valid until the next increment
    ASSERT_NE(peek, nullptr);
    std::unique_ptr<int> taken = *it;  // reference is T&&: the consumer may move out
    ASSERT_NE(taken, nullptr);
    seen.push_back(*taken);
  }
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3}));
}

TEST(GeneratorYield, ReferenceYieldsHandOutTheObjectItself) {
  const std::vector<std::string> words{"alpha", "beta", "gamma"};
  auto gen = words_of(words);
  std::size_t i = 0;
  for (auto it = gen.begin(); !(it == gen.end()); ++it, ++i) {
    ASSERT_LT(i, words.size());
    const std::string& word = *it;
    EXPECT_EQ(&word, &words[i]) << "Generator<const std::string&> must not copy";
  }
  EXPECT_EQ(i, words.size());
}

TEST(GeneratorYield, ReferenceYieldsNeverCopy) {
  int copies = 0;
  auto gen = counted_values(copies);
  auto it = gen.begin();
  ASSERT_FALSE(it == gen.end());
  EXPECT_EQ((*it).value, 1);
  ++it;
  ASSERT_FALSE(it == gen.end());
  EXPECT_EQ((*it).value, 2);
  ++it;
  EXPECT_TRUE(it == gen.end());
  EXPECT_EQ(copies, 0) << "a reference yield (locals and temporaries alike) was copied";
}

TEST(GeneratorYield, MovingFromAYieldedLvalueLeavesTheBodysVariableIntact) {
  const std::string expected = "kept value that does not fit in the small-string buffer";
  auto gen = same_lvalue_twice();
  auto it = gen.begin();
  ASSERT_FALSE(it == gen.end());
  std::string first = *it;  // moves from what the consumer was given
  EXPECT_EQ(first, expected);
  ++it;
  ASSERT_FALSE(it == gen.end());
  std::string second = *it;
  EXPECT_EQ(second, expected) << "the consumer moved out of the body's own variable";
  ++it;
  EXPECT_TRUE(it == gen.end());
}

}  // namespace
}  // namespace lockstep::generator
