// Per-sender FIFO, and one receive at a time per actor (its state needs no lock).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
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

// Holds each receive open until the next message has been told, so every tell lands in
// an empty mailbox while the actor runs: the exact moment a "schedule when the mailbox
// was empty" rule queues the actor a second time.
struct Lingerer {
  using Message = std::uint32_t;
  std::shared_ptr<Record> record;
  std::shared_ptr<std::atomic<std::uint32_t>> told;
  std::shared_ptr<std::atomic<std::uint32_t>> started;
  Exclusive exclusive;

  Lingerer(std::shared_ptr<Record> shared, std::shared_ptr<std::atomic<std::uint32_t>> told_count,
           std::shared_ptr<std::atomic<std::uint32_t>> started_count)
      : record(std::move(shared)),
        told(std::move(told_count)),
        started(std::move(started_count)),
        exclusive(&record->overlaps) {}

  void receive(std::uint32_t value, Context<Message>& /*ctx*/) {
    const Exclusive::Scope scope(exclusive);
    started->store(value + 1);
    // Wait (bounded) for the sender's next tell, then stay a little longer so that a second
    // worker, if the actor was queued twice, enters receive while this one is still here.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(5);
    while (told->load() <= value + 1 && std::chrono::steady_clock::now() < give_up) {
    }
    const auto linger = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
    while (std::chrono::steady_clock::now() < linger) {
    }
    record->received.fetch_add(1);
  }
};

TEST(ActorExclusion, AMessageToldWhileTheLastOneRunsStartsNoSecondReceive) {
  const auto rounds = static_cast<std::uint32_t>(stress::scaled(400));
  auto record = std::make_shared<Record>();
  auto told = std::make_shared<std::atomic<std::uint32_t>>(0);
  auto started = std::make_shared<std::atomic<std::uint32_t>>(0);
  {
    ActorSystem system(4);
    auto actor = system.spawn<Lingerer>(record, told, started);
    for (std::uint32_t i = 0; i < rounds; ++i) {
      actor.tell(i);
      told->store(i + 1);
      // The next tell waits until this message's receive has begun: the mailbox is empty
      // again and the actor is running.
      while (started->load() < i + 1) {
        std::this_thread::yield();
      }
    }
  }
  EXPECT_EQ(record->overlaps.load(), 0U)
      << "a message told while the actor ran its last one started a second receive on "
         "another worker: the actor was on the run queue twice";
  EXPECT_EQ(record->received.load(), std::size_t{rounds});
}

}  // namespace
}  // namespace lockstep::actor
