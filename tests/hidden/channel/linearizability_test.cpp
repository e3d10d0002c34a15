// Small concurrent histories, thousands of seeded rounds: every history must be explained
// by some order of the calls in which a bounded FIFO queue gives the same results.

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>

#include <lockstep/linearizability.hpp>

#include "channel_test_support.hpp"

namespace lockstep::channel {
namespace {

using lin::QueueEvent;
using lin::QueueOpKind;

struct Round {
  std::size_t capacity;
  std::size_t threads;
  std::size_t ops_per_thread;
};

// NOLINTNEXTLINE(readability-identifier-naming): the name GoogleTest looks for
void PrintTo(const Round& round, std::ostream* out) {
  *out << "capacity " << round.capacity << ", " << round.threads << " threads x "
       << round.ops_per_thread << " calls";
}

// One round: prefill, then `threads` threads each make a few seeded non-blocking calls.
lin::Verdict run_round(const Round& shape, std::uint64_t seed) {
  Channel<std::int64_t> ch(shape.capacity);
  lin::QueueHistory history(shape.threads + 1);
  stress::Rng setup(seed);
  const auto prefill = setup.below(shape.capacity + 1);
  for (std::uint64_t i = 0; i < prefill; ++i) {
    const auto value = static_cast<std::int64_t>(1000 + i);
    const auto invoked = history.now();
    const bool ok = ch.try_send(value) == SendStatus::sent;
    history.record(shape.threads, {QueueOpKind::try_send, value, ok, invoked, history.now()});
  }
  stress::run_threads(shape.threads, [&](std::size_t thread) {
    stress::Rng rng(seed * 31 + thread);
    for (std::size_t op = 0; op < shape.ops_per_thread; ++op) {
      if (rng.chance(500)) {
        const auto value = static_cast<std::int64_t>(thread * 100 + op);
        const auto invoked = history.now();
        const bool ok = ch.try_send(value) == SendStatus::sent;
        history.record(thread, {QueueOpKind::try_send, value, ok, invoked, history.now()});
      } else {
        const auto invoked = history.now();
        const auto value = ch.try_recv();
        history.record(thread, {QueueOpKind::try_recv, value.value_or(0), value.has_value(),
                                invoked, history.now()});
      }
    }
  });
  return lin::check_bounded_fifo(history.events(), shape.capacity);
}

class ChannelLinearizability : public testing::TestWithParam<Round> {};

TEST_P(ChannelLinearizability, SmallHistoriesMatchABoundedFifoQueue) {
  const std::size_t rounds = stress::scaled(2000);
  const std::uint64_t seed = stress::seed();
  for (std::size_t round = 0; round < rounds; ++round) {
    const auto verdict = run_round(GetParam(), seed + round);
    ASSERT_TRUE(verdict.linearizable)
        << "round " << round << " (seed " << seed << ") produced a history no FIFO queue of "
        << "capacity " << GetParam().capacity << " can explain:\n"
        << verdict.explanation;
  }
}

std::string round_name(const testing::TestParamInfo<Round>& info) {
  return "cap" + std::to_string(info.param.capacity) + "_t" + std::to_string(info.param.threads) +
         "_ops" + std::to_string(info.param.ops_per_thread);
}

INSTANTIATE_TEST_SUITE_P(Shapes, ChannelLinearizability,
                         testing::Values(Round{1, 3, 3}, Round{2, 3, 4}, Round{3, 2, 6}),
                         round_name);

}  // namespace
}  // namespace lockstep::channel
