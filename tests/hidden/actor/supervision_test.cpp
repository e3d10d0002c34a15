// Supervision: a receive that throws is handled by the strategy its parent chose.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <variant>

#include "actor_test_support.hpp"

namespace lockstep::actor {
namespace {

using actor_test::answer;
using actor_test::ends_broken;
using actor_test::eventually;
using actor_test::Gate;
using actor_test::OpenOnExit;

struct Hold {};   // receive waits at the gate: later messages queue up behind it
struct Fail {};   // receive throws
struct Count {};  // receive counts it
struct HowMany {
  ReplyTo<int> reply_to;
};
using WorkMessage = std::variant<Hold, Fail, Count, HowMany>;

struct Shared {
  std::atomic<int> constructed{0};
  std::atomic<int> counted{0};
};

// Counts messages in its own state (reset by a restart) and in the shared record.
struct Worker {
  using Message = WorkMessage;
  std::shared_ptr<Shared> shared;
  Gate gate;
  int count = 0;

  Worker(std::shared_ptr<Shared> record, Gate hold_gate)
      : shared(std::move(record)), gate(std::move(hold_gate)) {
    shared->constructed.fetch_add(1);
  }

  void receive(Message message, Context<Message>& /*ctx*/) {
    if (std::holds_alternative<Hold>(message)) {
      gate.wait();
    } else if (std::holds_alternative<Fail>(message)) {
      throw std::runtime_error("worker failed on purpose");
    } else if (std::holds_alternative<Count>(message)) {
      ++count;
      shared->counted.fetch_add(1);
    } else {
      std::get<HowMany>(message).reply_to.reply(count);
    }
  }
};

std::future<int> ask_count(const ActorRef<WorkMessage>& worker) {
  return worker.ask<int>([](ReplyTo<int> reply_to) { return HowMany{std::move(reply_to)}; });
}

void tell_counts(const ActorRef<WorkMessage>& worker, int times) {
  for (int i = 0; i < times; ++i) {
    worker.tell(Count{});
  }
}

TEST(ActorSupervision, RestartGivesAFreshInstanceAndKeepsTheMailbox) {
  auto shared = std::make_shared<Shared>();
  Gate gate;
  ActorSystem system(2);
  const OpenOnExit opener(gate);
  auto worker = system.spawn<Worker>(shared, gate);
  worker.tell(Hold{});
  tell_counts(worker, 3);
  worker.tell(Fail{});
  tell_counts(worker, 5);
  auto after_restart = ask_count(worker);
  gate.open();
  EXPECT_EQ(answer(after_restart, "ask queued behind the failing message"), 5)
      << "after the restart the fresh instance counts from 0 the 5 messages that were "
         "queued behind the failure";
  EXPECT_EQ(shared->constructed.load(), 2) << "a restart constructs exactly one fresh instance";
  EXPECT_EQ(shared->counted.load(), 8);
  EXPECT_EQ(system.restarts(), 1U);
  EXPECT_EQ(system.dead_letters(), 0U) << "a restart keeps the mailbox: nothing is dropped";
}

TEST(ActorSupervision, EveryRestartIsCounted) {
  auto shared = std::make_shared<Shared>();
  ActorSystem system(2);
  auto worker = system.spawn<Worker>(shared, Gate{});
  for (int i = 0; i < 10; ++i) {
    worker.tell(Fail{});
    worker.tell(Count{});
  }
  auto last = ask_count(worker);
  EXPECT_EQ(answer(last, "ask after ten failures"), 1);
  EXPECT_EQ(system.restarts(), 10U);
  EXPECT_EQ(shared->counted.load(), 10);
}

TEST(ActorSupervision, StopStrategyStopsTheActorAndDeadLettersTheRest) {
  auto shared = std::make_shared<Shared>();
  Gate gate;
  ActorSystem system(2);
  const OpenOnExit opener(gate);
  auto worker = system.spawn_supervised<Worker>(Supervision::stop, shared, gate);
  worker.tell(Hold{});
  tell_counts(worker, 3);
  worker.tell(Fail{});
  tell_counts(worker, 5);
  auto never = ask_count(worker);
  gate.open();
  EXPECT_TRUE(eventually([&] { return system.dead_letters() == 6; }))
      << "the 6 messages queued behind the failure must become dead letters, counted "
      << system.dead_letters();
  worker.tell(Count{});
  EXPECT_EQ(system.dead_letters(), 7U) << "a message told to a stopped actor is a dead letter";
  EXPECT_TRUE(ends_broken(never, system))
      << "an ask queued behind the failure of a stopped actor must end with broken_promise";
  EXPECT_EQ(shared->counted.load(), 3);
  EXPECT_EQ(system.restarts(), 0U);
  EXPECT_EQ(shared->constructed.load(), 1);
}

TEST(ActorSupervision, AnAskWhoseReceiveThrowsEndsWithBrokenPromise) {
  struct Grumpy {
    using Message = ReplyTo<int>;
    void receive(const ReplyTo<int>& /*reply_to*/, Context<Message>& /*ctx*/) {
      throw std::runtime_error("no answer");
    }
  };
  ActorSystem system(1);
  auto grumpy = system.spawn<Grumpy>();
  auto reply = grumpy.ask<int>([](ReplyTo<int> reply_to) { return reply_to; });
  EXPECT_TRUE(ends_broken(reply, system)) << "the asker must not wait forever for a failed receive";
  EXPECT_EQ(system.restarts(), 1U);
}

// A parent that spawns one child per strategy and forwards to both.
struct Supervisor {
  using Message = WorkMessage;
  std::shared_ptr<Shared> restarted_record;
  std::shared_ptr<Shared> stopped_record;
  ActorRef<WorkMessage> restarted;
  ActorRef<WorkMessage> stopped;
  Supervisor(std::shared_ptr<Shared> restarted_shared, std::shared_ptr<Shared> stopped_shared)
      : restarted_record(std::move(restarted_shared)), stopped_record(std::move(stopped_shared)) {}
  void receive(Message message, Context<Message>& ctx) {
    if (!restarted) {
      restarted = ctx.spawn_supervised<Worker>(Supervision::restart, restarted_record, Gate{});
      stopped = ctx.spawn_supervised<Worker>(Supervision::stop, stopped_record, Gate{});
    }
    restarted.tell(message);
    stopped.tell(std::move(message));
  }
};

TEST(ActorSupervision, AChildFailsAccordingToTheStrategyItsParentChose) {
  auto restarted = std::make_shared<Shared>();
  auto stopped = std::make_shared<Shared>();
  ActorSystem system(2);
  auto supervisor = system.spawn<Supervisor>(restarted, stopped);
  supervisor.tell(Count{});
  supervisor.tell(Fail{});
  supervisor.tell(Count{});
  supervisor.tell(Count{});
  // Shutdown would dead-letter what the supervisor forwards after it begins: wait first.
  EXPECT_TRUE(eventually([&] {
    return restarted->counted.load() == 3 && system.dead_letters() == 2;
  })) << "the restarted child counted "
      << restarted->counted.load() << " of 3; dead letters " << system.dead_letters() << " of 2";
  system.shutdown();
  EXPECT_EQ(restarted->counted.load(), 3) << "the child supervised with restart goes on";
  EXPECT_EQ(restarted->constructed.load(), 2);
  EXPECT_EQ(stopped->counted.load(), 1) << "the child supervised with stop stops at the failure";
  EXPECT_EQ(system.restarts(), 1U);
  EXPECT_EQ(system.dead_letters(), 2U);
}

}  // namespace
}  // namespace lockstep::actor
