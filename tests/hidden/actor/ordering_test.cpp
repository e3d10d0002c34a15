// Per-sender FIFO, and one receive at a time per actor (its state needs no lock).

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "actor_test_support.hpp"

namespace lockstep::actor {
namespace {

using actor_test::encode;
using actor_test::Exclusive;
using actor_test::sender_of;
using actor_test::sequence_of;

// What the test reads after shutdown; the actor writes it from receive.
struct Record {
  std::atomic<std::size_t> overlaps{0};
  std::atomic<std::size_t> out_of_order{0};
  std::atomic<std::size_t> received{0};
};

// Checks that each sender's values arrive in increasing order. Its bookkeeping is plain
// state: safe only because receive never runs on two threads at once.
struct OrderChecker {
  using Message = std::uint64_t;
  std::shared_ptr<Record> record;
  Exclusive exclusive;
  std::vector<std::int64_t> last_seen;
  std::size_t received = 0;

  OrderChecker(std::shared_ptr<Record> shared, std::size_t senders)
      : record(std::move(shared)), exclusive(&record->overlaps), last_seen(senders, -1) {}
  OrderChecker(const OrderChecker&) = delete;
  OrderChecker& operator=(const OrderChecker&) = delete;
  OrderChecker(OrderChecker&&) = delete;
  OrderChecker& operator=(OrderChecker&&) = delete;
  ~OrderChecker() { record->received.fetch_add(received); }

  void receive(std::uint64_t value, Context<Message>& /*ctx*/) {
    const Exclusive::Scope scope(exclusive);
    const auto sender = sender_of(value);
    const auto sequence = static_cast<std::int64_t>(sequence_of(value));
    if (sender >= last_seen.size() || sequence <= last_seen[sender]) {
      record->out_of_order.fetch_add(1);
    } else {
      last_seen[sender] = sequence;
    }
    ++received;
  }
};

TEST(ActorOrdering, OneSendersMessagesArriveInOrder) {
  auto record = std::make_shared<Record>();
  const std::size_t count = stress::scaled(20000);
  {
    ActorSystem system(2);
    auto checker = system.spawn<OrderChecker>(record, std::size_t{1});
    for (std::uint32_t i = 0; i < count; ++i) {
      checker.tell(encode(0, i));
    }
  }
  EXPECT_EQ(record->out_of_order.load(), 0U) << "messages of one sender were reordered";
  EXPECT_EQ(record->received.load(), count);
}

// Several threads tell the same actors at once; each sender's messages stay in order and
// every message arrives once.
TEST(ActorOrdering, ManySendersEachKeepTheirOrder) {
  constexpr std::uint32_t kSenders = 4;
  constexpr std::size_t kActors = 3;
  const auto per_sender = static_cast<std::uint32_t>(stress::scaled(40000) / kSenders);
  const std::uint64_t seed = stress::seed();
  auto record = std::make_shared<Record>();
  {
    ActorSystem system(3);
    std::vector<ActorRef<std::uint64_t>> checkers;
    for (std::size_t i = 0; i < kActors; ++i) {
      checkers.push_back(system.spawn<OrderChecker>(record, std::size_t{kSenders}));
    }
    stress::run_threads(kSenders, [&](std::size_t index) {
      stress::Noise noise(seed + index, 20);
      for (std::uint32_t seq = 0; seq < per_sender; ++seq) {
        for (const auto& checker : checkers) {
          checker.tell(encode(static_cast<std::uint32_t>(index), seq));
        }
        noise();
      }
    });
  }
  EXPECT_EQ(record->out_of_order.load(), 0U)
      << "a sender's messages arrived out of order or twice (seed " << seed << ")";
  EXPECT_EQ(record->overlaps.load(), 0U) << "one actor's receive ran on two threads at once";
  EXPECT_EQ(record->received.load(), std::size_t{kSenders} * per_sender * kActors)
      << "messages were lost or duplicated";
}

// Busy actors told by many threads: a message arriving while its actor runs must never
// start a second receive of that actor on another worker.
TEST(ActorExclusion, ReceiveNeverRunsOnTwoThreadsAtOnce) {
  constexpr std::uint32_t kSenders = 4;
  constexpr std::size_t kActors = 4;
  const auto per_sender = static_cast<std::uint32_t>(stress::scaled(40000) / kSenders);
  const std::uint64_t seed = stress::seed();
  auto record = std::make_shared<Record>();
  {
    ActorSystem system(4);
    std::vector<ActorRef<std::uint64_t>> checkers;
    for (std::size_t i = 0; i < kActors; ++i) {
      checkers.push_back(system.spawn<OrderChecker>(record, std::size_t{kSenders}));
    }
    stress::run_threads(kSenders, [&](std::size_t index) {
      stress::Rng rng(seed + index);
      stress::Noise noise(seed ^ (index * 0x9e3779b97f4a7c15ULL), 50);
      for (std::uint32_t seq = 0; seq < per_sender; ++seq) {
        checkers[rng.below(kActors)].tell(encode(static_cast<std::uint32_t>(index), seq));
        noise();
      }
    });
  }
  EXPECT_EQ(record->overlaps.load(), 0U)
      << "one actor's receive ran on two threads at once: it was scheduled twice (seed " << seed
      << ")";
  EXPECT_EQ(record->received.load(), std::size_t{kSenders} * per_sender)
      << "messages were lost or duplicated";
}

}  // namespace
}  // namespace lockstep::actor
