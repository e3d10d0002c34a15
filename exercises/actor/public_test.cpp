// Public tests: a first check of the basics. The hidden tests go much further (many
// senders, thousands of actors, supervision, dead letters, sanitizers); see README.md.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <variant>

#include <actor.hpp>

namespace lockstep::actor {
namespace {

struct Add {
  int amount;
};
struct Total {
  ReplyTo<int> reply_to;
};
struct Fail {};
using CounterMessage = std::variant<Add, Total, Fail>;

// Sums what it is told, tells the sum when asked, throws on Fail.
struct Counter {
  using Message = CounterMessage;
  int total = 0;
  void receive(Message message, Context<Message>& /*ctx*/) {
    if (const auto* add = std::get_if<Add>(&message)) {
      total += add->amount;
    } else if (auto* ask = std::get_if<Total>(&message)) {
      ask->reply_to.reply(total);
    } else {
      throw std::runtime_error("asked to fail");
    }
  }
};

std::future<int> ask_total(const ActorRef<CounterMessage>& counter) {
  return counter.ask<int>([](ReplyTo<int> reply_to) { return Total{std::move(reply_to)}; });
}

// A bounded wait: a reply that never comes fails the test instead of hanging it.
int wait_for_reply(std::future<int>& reply) {
  if (reply.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "no reply within 10 s";
    return -1;
  }
  return reply.get();
}

TEST(ActorPublic, AskReturnsTheActorsReply) {
  ActorSystem system(2);
  auto counter = system.spawn<Counter>();
  counter.tell(Add{40});
  counter.tell(Add{2});
  auto total = ask_total(counter);
  EXPECT_EQ(wait_for_reply(total), 42);
}

struct Recorder {
  using Message = int;
  std::shared_ptr<std::vector<int>> seen;  // read by the test after shutdown
  void receive(int value, Context<int>& /*ctx*/) { seen->push_back(value); }
};

TEST(ActorPublic, OneSendersMessagesArriveInOrder) {
  auto seen = std::make_shared<std::vector<int>>();
  {
    ActorSystem system(2);
    auto recorder = system.spawn<Recorder>(seen);
    for (int i = 0; i < 1000; ++i) {
      recorder.tell(i);
    }
  }  // the destructor shuts down: every message told before it is processed
  ASSERT_EQ(seen->size(), 1000U);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ((*seen)[static_cast<std::size_t>(i)], i);
  }
}

TEST(ActorPublic, ShutdownProcessesQueuedMessages) {
  auto seen = std::make_shared<std::vector<int>>();
  ActorSystem system(1);
  auto recorder = system.spawn<Recorder>(seen);
  for (int i = 0; i < 5000; ++i) {
    recorder.tell(i);
  }
  system.shutdown();
  EXPECT_EQ(seen->size(), 5000U);
  EXPECT_EQ(system.dead_letters(), 0U);
}

TEST(ActorPublic, AThrowingActorIsRestartedWithFreshState) {
  ActorSystem system(2);
  auto counter = system.spawn<Counter>();
  counter.tell(Add{5});
  counter.tell(Fail{});
  counter.tell(Add{1});
  auto total = ask_total(counter);
  EXPECT_EQ(wait_for_reply(total), 1) << "the fresh instance starts from 0 and keeps the mailbox";
  EXPECT_EQ(system.restarts(), 1U);
}

struct Quitter {
  using Message = int;
  void receive(int /*value*/, Context<int>& ctx) { ctx.stop(); }
};

TEST(ActorPublic, MessagesToAStoppedActorAreDeadLetters) {
  ActorSystem system(2);
  auto quitter = system.spawn<Quitter>();
  quitter.tell(1);  // stops the actor
  quitter.tell(2);
  quitter.tell(3);
  system.shutdown();
  EXPECT_EQ(system.dead_letters(), 2U);
}

}  // namespace
}  // namespace lockstep::actor
