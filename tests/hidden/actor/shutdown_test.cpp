// Dead letters and shutdown: what happens to messages nobody will receive.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <variant>

#include "actor_test_support.hpp"

namespace lockstep::actor {
namespace {

using actor_test::ends_broken;
using actor_test::eventually;

struct Tally {
  std::atomic<std::size_t> received{0};
};

// Counts what it receives; stops itself on a negative number.
struct Stopper {
  using Message = int;
  std::shared_ptr<Tally> tally;
  void receive(int value, Context<int>& ctx) {
    if (value < 0) {
      ctx.stop();
      return;
    }
    tally->received.fetch_add(1);
  }
};

TEST(ActorDeadLetters, MessagesQueuedBehindAStopAndLaterOnesAreCounted) {
  auto tally = std::make_shared<Tally>();
  ActorSystem system(2);
  auto stopper = system.spawn<Stopper>(tally);
  for (int i = 0; i < 10; ++i) {
    stopper.tell(i);
  }
  stopper.tell(-1);
  for (int i = 0; i < 20; ++i) {
    stopper.tell(i);  // queued behind the stop, or told after it: dead letters either way
  }
  EXPECT_TRUE(eventually([&] { return system.dead_letters() == 20; }))
      << "expected 20 dead letters, counted " << system.dead_letters();
  stopper.tell(7);
  EXPECT_EQ(system.dead_letters(), 21U);
  system.shutdown();
  EXPECT_EQ(tally->received.load(), 10U) << "a stopped actor received messages";
  EXPECT_EQ(system.dead_letters(), 21U);
}

struct Quitter {
  using Message = std::variant<int, ReplyTo<int>>;
  void receive(Message message, Context<Message>& ctx) {
    if (auto* reply_to = std::get_if<ReplyTo<int>>(&message)) {
      reply_to->reply(1);
    } else {
      ctx.stop();
    }
  }
};

TEST(ActorDeadLetters, AnAskToAStoppedActorEndsWithBrokenPromise) {
  ActorSystem system(1);
  auto quitter = system.spawn<Quitter>();
  quitter.tell(0);
  auto reply = quitter.ask<int>([](ReplyTo<int> reply_to) { return reply_to; });
  EXPECT_TRUE(ends_broken(reply, system)) << "an ask that became a dead letter must not hang";
  EXPECT_EQ(system.dead_letters(), 1U);
}

// Slow enough that most messages are still queued when shutdown begins.
struct Slow {
  using Message = int;
  std::shared_ptr<Tally> tally;
  void receive(int /*value*/, Context<int>& /*ctx*/) {
    // Plain work, not yields: a yield on a loaded machine can cost a whole time slice.
    volatile unsigned sink = 0;
    for (unsigned i = 0; i < 2000; ++i) {
      sink = sink + i;
    }
    tally->received.fetch_add(1);
  }
};

TEST(ActorShutdown, ProcessesEveryMessageToldBeforeIt) {
  constexpr std::size_t kActors = 4;
  const std::size_t per_actor = stress::scaled(2000);
  auto tally = std::make_shared<Tally>();
  ActorSystem system(2);
  std::vector<ActorRef<int>> actors;
  for (std::size_t i = 0; i < kActors; ++i) {
    actors.push_back(system.spawn<Slow>(tally));
  }
  for (std::size_t n = 0; n < per_actor; ++n) {
    for (const auto& actor : actors) {
      actor.tell(static_cast<int>(n));
    }
  }
  system.shutdown();
  EXPECT_EQ(tally->received.load(), kActors * per_actor)
      << "shutdown dropped queued messages instead of processing them";
  EXPECT_EQ(system.dead_letters(), 0U);
}

TEST(ActorShutdown, TheDestructorDrainsToo) {
  const std::size_t count = stress::scaled(2000);
  auto tally = std::make_shared<Tally>();
  {
    ActorSystem system(1);
    auto slow = system.spawn<Slow>(tally);
    for (std::size_t n = 0; n < count; ++n) {
      slow.tell(static_cast<int>(n));
    }
  }
  EXPECT_EQ(tally->received.load(), count)
      << "destroying the system dropped queued messages instead of processing them";
}

TEST(ActorShutdown, IsIdempotentAndLaterTellsAreDeadLetters) {
  auto tally = std::make_shared<Tally>();
  ActorSystem system(2);
  auto slow = system.spawn<Slow>(tally);
  slow.tell(1);
  system.shutdown();
  system.shutdown();
  EXPECT_EQ(tally->received.load(), 1U);
  slow.tell(2);
  slow.tell(3);
  EXPECT_EQ(system.dead_letters(), 2U) << "messages told after shutdown are dead letters";
  EXPECT_EQ(tally->received.load(), 1U);
}

// Senders keep telling while shutdown runs: each message is either received or counted
// as a dead letter, never both, never neither.
TEST(ActorShutdown, TellsRacingShutdownAreEachReceivedOrDeadLettered) {
  constexpr std::size_t kSenders = 3;
  const std::size_t per_sender = stress::scaled(4000);
  const std::uint64_t seed = stress::seed();
  auto tally = std::make_shared<Tally>();
  ActorSystem system(2);
  std::vector<ActorRef<int>> actors;
  actors.reserve(4);
  for (int i = 0; i < 4; ++i) {
    actors.push_back(system.spawn<Stopper>(tally));
  }
  std::atomic<std::size_t> told{0};
  stress::run_threads(kSenders + 1, [&](std::size_t index) {
    stress::Rng rng(seed + index);
    if (index == kSenders) {
      while (told.load() < per_sender) {
        std::this_thread::yield();
      }
      system.shutdown();
      return;
    }
    for (std::size_t n = 0; n < per_sender; ++n) {
      actors[rng.below(actors.size())].tell(static_cast<int>(n));
      told.fetch_add(1);
    }
  });
  EXPECT_EQ(tally->received.load() + system.dead_letters(), kSenders * per_sender)
      << tally->received.load() << " received + " << system.dead_letters() << " dead letters, but "
      << kSenders * per_sender << " told (seed " << seed << ")";
}

TEST(ActorShutdown, CalledFromInsideAnActorIsRefused) {
  struct Rogue {
    using Message = ReplyTo<bool>;
    ActorSystem* system;
    void receive(const ReplyTo<bool>& reply_to, Context<Message>& /*ctx*/) {
      try {
        system->shutdown();
        reply_to.reply(false);
      } catch (const std::logic_error&) {
        reply_to.reply(true);
      }
    }
  };
  ActorSystem system(2);
  auto rogue = system.spawn<Rogue>(&system);
  auto refused = rogue.ask<bool>([](ReplyTo<bool> reply_to) { return reply_to; });
  EXPECT_EQ(actor_test::answer(refused, "shutdown from inside an actor"), true)
      << "shutdown() from inside receive must throw std::logic_error";
}

}  // namespace
}  // namespace lockstep::actor
