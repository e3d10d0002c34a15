#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "lockstep/linearizability.hpp"
#include "lockstep/stress.hpp"

namespace {

using lockstep::lin::check_bounded_fifo;
using lockstep::lin::QueueEvent;
using lockstep::lin::QueueOpKind;

QueueEvent ev(QueueOpKind kind, std::int64_t value, bool ok, std::uint64_t invoked,
              std::uint64_t returned) {
  return QueueEvent{kind, value, ok, invoked, returned};
}

constexpr auto kSend = QueueOpKind::send;
constexpr auto kTrySend = QueueOpKind::try_send;
constexpr auto kRecv = QueueOpKind::recv;
constexpr auto kTryRecv = QueueOpKind::try_recv;

TEST(FifoLinearizability, SequentialSendsThenReceivesInOrderAreLinearizable) {
  const std::vector<QueueEvent> history = {ev(kSend, 1, true, 0, 1), ev(kSend, 2, true, 2, 3),
                                           ev(kRecv, 1, true, 4, 5), ev(kRecv, 2, true, 6, 7)};
  EXPECT_TRUE(check_bounded_fifo(history, 2).linearizable);
}

TEST(FifoLinearizability, OverlappingSendsMayBeReceivedInEitherOrder) {
  const std::vector<QueueEvent> history = {ev(kSend, 1, true, 0, 5), ev(kSend, 2, true, 1, 4),
                                           ev(kRecv, 2, true, 6, 7), ev(kRecv, 1, true, 8, 9)};
  EXPECT_TRUE(check_bounded_fifo(history, 2).linearizable);
}

TEST(FifoLinearizability, ReceiveOverlappingItsSendIsLinearizable) {
  const std::vector<QueueEvent> history = {ev(kRecv, 7, true, 0, 10), ev(kSend, 7, true, 3, 4)};
  EXPECT_TRUE(check_bounded_fifo(history, 1).linearizable);
}

TEST(FifoLinearizability, LostElementIsNotLinearizable) {
  // 1 was accepted, then the queue reported empty long after.
  const std::vector<QueueEvent> history = {ev(kSend, 1, true, 0, 1), ev(kTryRecv, 0, false, 2, 3)};
  const auto verdict = check_bounded_fifo(history, 4);
  EXPECT_FALSE(verdict.linearizable);
  EXPECT_NE(verdict.explanation.find("[2..3] try_recv() -> empty"), std::string::npos)
      << verdict.explanation;
}

TEST(FifoLinearizability, DuplicatedElementIsNotLinearizable) {
  const std::vector<QueueEvent> history = {ev(kSend, 5, true, 0, 1), ev(kRecv, 5, true, 2, 3),
                                           ev(kRecv, 5, true, 4, 5)};
  EXPECT_FALSE(check_bounded_fifo(history, 4).linearizable);
}

TEST(FifoLinearizability, ReorderedSequentialElementsAreNotLinearizable) {
  const std::vector<QueueEvent> history = {ev(kSend, 1, true, 0, 1), ev(kSend, 2, true, 2, 3),
                                           ev(kRecv, 2, true, 4, 5), ev(kRecv, 1, true, 6, 7)};
  EXPECT_FALSE(check_bounded_fifo(history, 4).linearizable);
}

TEST(FifoLinearizability, ExceedingTheCapacityIsNotLinearizable) {
  const std::vector<QueueEvent> history = {ev(kTrySend, 1, true, 0, 1), ev(kTrySend, 2, true, 2, 3),
                                           ev(kTrySend, 3, true, 4, 5)};
  EXPECT_FALSE(check_bounded_fifo(history, 2).linearizable);
  EXPECT_TRUE(check_bounded_fifo(history, 3).linearizable);
}

TEST(FifoLinearizability, FullIsOnlyLinearizableWhenTheQueueCanBeFull) {
  const std::vector<QueueEvent> full_after_one = {ev(kTrySend, 1, true, 0, 1),
                                                  ev(kTrySend, 2, false, 2, 3)};
  EXPECT_TRUE(check_bounded_fifo(full_after_one, 1).linearizable);
  EXPECT_FALSE(check_bounded_fifo(full_after_one, 2).linearizable);
}

TEST(FifoLinearizability, TryRecvEmptyWhileAnElementMustBePresentIsNotLinearizable) {
  // Both sends completed before try_recv started; only one receive overlaps it.
  const std::vector<QueueEvent> history = {ev(kSend, 1, true, 0, 1), ev(kSend, 2, true, 2, 3),
                                           ev(kRecv, 1, true, 4, 9), ev(kTryRecv, 0, false, 5, 6)};
  EXPECT_FALSE(check_bounded_fifo(history, 4).linearizable);
}

TEST(FifoLinearizability, TryRecvEmptyOverlappingTheOnlyReceiveIsLinearizable) {
  const std::vector<QueueEvent> history = {ev(kSend, 1, true, 0, 1), ev(kRecv, 1, true, 2, 9),
                                           ev(kTryRecv, 0, false, 5, 6)};
  EXPECT_TRUE(check_bounded_fifo(history, 4).linearizable);
}

TEST(FifoLinearizability, ClosedBlockingOperationsAreIgnored) {
  const std::vector<QueueEvent> history = {ev(kSend, 1, true, 0, 1), ev(kRecv, 1, true, 2, 3),
                                           ev(kSend, 2, false, 4, 5), ev(kRecv, 0, false, 6, 7)};
  EXPECT_TRUE(check_bounded_fifo(history, 1).linearizable);
}

TEST(FifoLinearizability, ConcurrentMutexQueueHistoriesAreLinearizable) {
  // A tiny correct bounded queue driven by 4 threads; every history must pass.
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kOpsPerThread = 6;
  constexpr std::size_t kCapacity = 2;
  for (std::size_t round = 0; round < lockstep::stress::scaled(50); ++round) {
    lockstep::lin::QueueHistory history(kThreads);
    std::mutex mutex;
    std::deque<std::int64_t> queue;
    lockstep::stress::run_threads(kThreads, [&](std::size_t t) {
      lockstep::stress::Rng rng(lockstep::stress::seed() + round * kThreads + t);
      for (std::size_t k = 0; k < kOpsPerThread; ++k) {
        QueueEvent event{};
        const bool sending = rng.chance(500);
        event.kind = sending ? kTrySend : kTryRecv;
        event.value = static_cast<std::int64_t>(t * 100 + k);
        event.invoked = history.now();
        {
          const std::lock_guard lock(mutex);
          if (sending && queue.size() < kCapacity) {
            queue.push_back(event.value);
            event.ok = true;
          } else if (!sending && !queue.empty()) {
            event.value = queue.front();
            queue.pop_front();
            event.ok = true;
          }
        }
        event.returned = history.now();
        history.record(t, event);
      }
    });
    const auto verdict = check_bounded_fifo(history.events(), kCapacity);
    ASSERT_TRUE(verdict.linearizable) << verdict.explanation;
  }
}

// 4 threads x 6 operations, every round of 4 fully overlapping: 3 rounds of sends, then
// 3 rounds of receives. `swap_last` makes the last two rounds trade one value, which is
// only refuted after the whole search space has been explored.
std::vector<QueueEvent> four_threads_in_rounds(bool swap_last) {
  constexpr std::uint64_t kThreads = 4;
  constexpr std::uint64_t kRounds = 3;
  constexpr std::uint64_t kRoundTicks = 2 * kThreads;
  std::vector<QueueEvent> history;
  const auto value = [&](std::uint64_t round, std::uint64_t t) {
    return static_cast<std::int64_t>(round * 10 + t);
  };
  for (std::uint64_t round = 0; round < 2 * kRounds; ++round) {
    for (std::uint64_t t = 0; t < kThreads; ++t) {
      const std::uint64_t invoked = round * kRoundTicks + t;
      const std::uint64_t returned = invoked + kThreads;
      if (round < kRounds) {
        history.push_back(ev(kSend, value(round, t), true, invoked, returned));
      } else {
        // Received in reverse thread order: legal, the sends of a round overlap.
        std::int64_t got = value(round - kRounds, kThreads - 1 - t);
        if (swap_last && t == 0 && round == 2 * kRounds - 2) {
          got = value(kRounds - 1, 0);
        } else if (swap_last && t == 0 && round == 2 * kRounds - 1) {
          got = value(kRounds - 2, kThreads - 1);
        }
        history.push_back(ev(kRecv, got, true, invoked, returned));
      }
    }
  }
  return history;
}

TEST(FifoLinearizability, TwentyFourEventsOfFourThreadsAreCheckedQuickly) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(check_bounded_fifo(four_threads_in_rounds(false), 12).linearizable);
    ASSERT_FALSE(check_bounded_fifo(four_threads_in_rounds(true), 12).linearizable);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
