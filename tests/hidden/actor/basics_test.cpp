// The basics: spawn, tell, ask, self, children; refs that outlive their system.

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <variant>

#include "actor_test_support.hpp"

namespace lockstep::actor {
namespace {

using actor_test::answer;
using actor_test::eventually;

struct Add {
  int amount;
};
struct Total {
  ReplyTo<int> reply_to;
};
using CounterMessage = std::variant<Add, Total>;

// Sums what it is told; tells the sum when asked.
struct Counter {
  using Message = CounterMessage;
  int total = 0;
  void receive(Message message, Context<Message>& /*ctx*/) {
    if (const auto* add = std::get_if<Add>(&message)) {
      total += add->amount;
    } else {
      std::get<Total>(message).reply_to.reply(total);
    }
  }
};

std::future<int> ask_total(const ActorRef<CounterMessage>& counter) {
  return counter.ask<int>([](ReplyTo<int> reply_to) { return Total{std::move(reply_to)}; });
}

TEST(ActorBasics, ZeroThreadsIsRejected) {
  EXPECT_THROW(ActorSystem system(0), std::invalid_argument);
}

TEST(ActorBasics, EveryToldMessageReachesReceive) {
  ActorSystem system(2);
  auto counter = system.spawn<Counter>();
  for (int i = 1; i <= 100; ++i) {
    counter.tell(Add{i});
  }
  auto total = ask_total(counter);
  EXPECT_EQ(answer(total, "ask after 100 tells"), 5050);
  EXPECT_EQ(system.dead_letters(), 0U);
}

TEST(ActorBasics, EachAskGetsItsOwnReply) {
  ActorSystem system(2);
  auto counter = system.spawn<Counter>();
  std::vector<std::future<int>> totals;
  for (int i = 0; i < 20; ++i) {
    counter.tell(Add{1});
    totals.push_back(ask_total(counter));
  }
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(answer(totals[static_cast<std::size_t>(i)], "ask " + std::to_string(i)), i + 1)
        << "asks and tells from one sender are received in the order they were sent";
  }
}

struct Countdown {
  using Message = int;
  std::shared_ptr<std::atomic<int>> reached_zero;
  explicit Countdown(std::shared_ptr<std::atomic<int>> flag) : reached_zero(std::move(flag)) {}
  void receive(int remaining, Context<int>& ctx) {
    if (remaining == 0) {
      reached_zero->fetch_add(1);
    } else {
      ctx.self().tell(remaining - 1);
    }
  }
};

TEST(ActorBasics, SelfReachesTheSameActor) {
  auto reached_zero = std::make_shared<std::atomic<int>>(0);
  ActorSystem system(2);
  auto countdown = system.spawn<Countdown>(reached_zero);
  countdown.tell(1000);
  EXPECT_TRUE(eventually([&] { return reached_zero->load() == 1; }))
      << "a countdown that tells itself through ctx.self() never reached zero";
  system.shutdown();
  EXPECT_EQ(reached_zero->load(), 1);
}

// Spawns one child on its first message and forwards everything to it.
struct Parent {
  using Message = CounterMessage;
  ActorRef<CounterMessage> child;
  void receive(Message message, Context<Message>& ctx) {
    if (!child) {
      child = ctx.spawn<Counter>();
    }
    child.tell(std::move(message));
  }
};

TEST(ActorBasics, ChildrenSpawnedThroughTheContextReceiveMessages) {
  ActorSystem system(2);
  auto parent = system.spawn<Parent>();
  parent.tell(Add{20});
  parent.tell(Add{22});
  auto total = ask_total(parent);
  EXPECT_EQ(answer(total, "ask forwarded to a child"), 42);
}

TEST(ActorBasics, ManyActorsOnOnePoolThreadAllRun) {
  ActorSystem system(1);
  std::vector<ActorRef<CounterMessage>> counters;
  for (int i = 0; i < 100; ++i) {
    counters.push_back(system.spawn<Counter>());
    counters.back().tell(Add{i});
  }
  for (int i = 0; i < 100; ++i) {
    auto total = ask_total(counters[static_cast<std::size_t>(i)]);
    EXPECT_EQ(answer(total, "counter " + std::to_string(i)), i);
  }
}

TEST(ActorBasics, ARefThatOutlivesItsSystemIsSafeToTell) {
  ActorRef<CounterMessage> counter;
  {
    ActorSystem system(1);
    counter = system.spawn<Counter>();
    counter.tell(Add{1});
  }
  counter.tell(Add{2});  // a dead letter; must not touch freed memory (ASan checks)
  auto total = ask_total(counter);
  EXPECT_TRUE(actor_test::ends_broken(total))
      << "an ask through a ref whose system is gone must end with broken_promise";
}

}  // namespace
}  // namespace lockstep::actor
