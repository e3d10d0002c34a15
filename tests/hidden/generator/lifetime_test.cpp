// Frame lifetime: the Generator destroys its coroutine frame exactly once, whether the
// body finished or not, and a move hands the frame over without destroying it. Probes
// count the body's locals (and by-value parameters, which live in the frame): a leaked
// frame leaves them alive in every configuration, and LeakSanitizer reports it too.

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <utility>

#include "generator_test_support.hpp"

namespace lockstep::generator {
namespace {

using generator_test::Boom;
using generator_test::Probe;
using generator_test::Tally;

// A by-value parameter is copied into the frame before the body starts.
Generator<int> holding(Probe /*held*/) {
  co_yield 1;
  co_yield 2;
}

Generator<int> two_locals(Tally& tally, int first) {
  const Probe a(tally);
  co_yield first;
  const Probe b(tally);
  co_yield first + 1;
  co_yield first + 2;
}

Generator<int> endless_with_local(Tally& tally) {
  const Probe local(tally);
  for (int i = 0;; ++i) {
    co_yield i;
  }
}

TEST(GeneratorLifetime, DestroyingAnUnstartedGeneratorFreesItsFrame) {
  Tally tally;
  {
    auto gen = holding(Probe(tally));
    EXPECT_GE(tally.live(), 1) << "the parameter's copy lives in the frame";
  }
  EXPECT_EQ(tally.live(), 0) << "the frame of a never-started generator was not destroyed";
}

TEST(GeneratorLifetime, EarlyDestructionRunsTheDestructorsOfTheBodysLocals) {
  Tally tally;
  {
    auto gen = two_locals(tally, 10);
    auto it = gen.begin();
    EXPECT_EQ(*it, 10);
    ++it;
    EXPECT_EQ(*it, 11);
    EXPECT_EQ(tally.live(), 2);
  }  // destroyed while suspended at the second co_yield
  EXPECT_EQ(tally.constructed, 2);
  EXPECT_EQ(tally.destroyed, 2) << "destroying a suspended generator must destroy its locals";
}

TEST(GeneratorLifetime, AFinishedGeneratorHasDestroyedItsLocals) {
  Tally tally;
  auto gen = two_locals(tally, 0);
  int values = 0;
  for (auto it = gen.begin(); !(it == gen.end()); ++it) {
    ASSERT_LT(++values, 4);
  }
  EXPECT_EQ(values, 3);
  EXPECT_EQ(tally.live(), 0) << "locals die when the body ends, before the Generator does";
}

TEST(GeneratorLifetime, AMovedFromGeneratorDoesNotDestroyTheFrame) {
  Tally tally;
  {
    Generator<int>::iterator it;
    std::optional<Generator<int>> target;
    {
      auto source = two_locals(tally, 0);
      it = source.begin();
      EXPECT_EQ(*it, 0);
      target.emplace(std::move(source));
    }  // the moved-from generator owns nothing: destroying it must leave the frame alone
    ASSERT_EQ(tally.live(), 1) << "the frame was destroyed through a moved-from generator";
    ++it;  // the frame still runs, now owned by `target`
    EXPECT_EQ(*it, 1);
    EXPECT_EQ(tally.live(), 2);
  }
  EXPECT_EQ(tally.constructed, 2);
  EXPECT_EQ(tally.destroyed, 2) << "the frame must be destroyed once, by its new owner";
}

TEST(GeneratorLifetime, MoveAssignmentDestroysTheFrameItReplaces) {
  Tally first;
  Tally second;
  auto gen = two_locals(first, 0);
  auto it = gen.begin();
  EXPECT_EQ(*it, 0);
  auto other = two_locals(second, 100);
  gen = std::move(other);
  EXPECT_EQ(first.live(), 0) << "the frame a move assignment replaces must be destroyed";
  EXPECT_EQ(second.live(), 0) << "the assigned generator has not started yet";
  const auto got = generator_test::drain(gen, 3);
  EXPECT_EQ(got.values, (std::vector<int>{100, 101, 102}));
  EXPECT_TRUE(got.reached_end);
  EXPECT_EQ(second.live(), 0);
  EXPECT_EQ(first.destroyed, first.constructed);
  EXPECT_EQ(second.destroyed, second.constructed);
}

TEST(GeneratorLifetime, TakeAndFilterDestroyTheirSourceWithThemselves) {
  Tally tally;
  {
    auto gen = take(endless_with_local(tally), 1000);
    auto it = gen.begin();
    ++it;
    EXPECT_EQ(*it, 1);
    EXPECT_EQ(tally.live(), 1);
  }
  EXPECT_EQ(tally.live(), 0) << "destroying take() must destroy the source it owns";
  {
    auto gen = filter(endless_with_local(tally), [](int v) { return v % 2 == 1; });
    auto it = gen.begin();
    EXPECT_EQ(*it, 1);
  }
  EXPECT_EQ(tally.live(), 0) << "destroying filter() must destroy the source it owns";
  EXPECT_EQ(tally.constructed, 2);
}

// Everything at once; under ASan, LeakSanitizer also checks at exit that no frame leaked
// and ASan that none was used after being freed.
TEST(GeneratorLifetime, NoFrameLeaksOrIsUsedAfterFreeAcrossMovesAndExceptions) {
  Tally tally;
  for (int round = 0; round < 50; ++round) {
    auto a = two_locals(tally, round);
    auto b = holding(Probe(tally));
    auto it = a.begin();
    if (round % 3 == 0) {
      ++it;
    }
    Generator<int> c = std::move(a);
    if (round % 2 == 0) {
      b = std::move(c);
    } else {
      c = take(std::move(b), 1);
      for (auto v = c.begin(); !(v == c.end()); ++v) {
        EXPECT_EQ(*v, 1);
      }
    }
    try {
      auto failing = filter(two_locals(tally, round), [](int v) -> bool {
        if (v % 3 == 2) {
          throw Boom(v);
        }
        return true;
      });
      for (auto v = failing.begin(); !(v == failing.end()); ++v) {
      }
      ADD_FAILURE() << "the predicate's exception did not reach the consumer";
    } catch (const Boom&) {
    }
  }
  EXPECT_EQ(tally.live(), 0) << "some frames were never destroyed";
  EXPECT_EQ(tally.destroyed, tally.constructed);
}

}  // namespace
}  // namespace lockstep::generator
