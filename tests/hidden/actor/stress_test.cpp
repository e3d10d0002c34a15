// Load: no message lost or duplicated when actors tell actors, thousands of actors on two
// threads, and no actor left idle with a message in its mailbox.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "actor_test_support.hpp"

namespace lockstep::actor {
namespace {

using actor_test::eventually;

// ---- exactly once, with hops between actors -----------------------------------------

struct Parcel {
  std::uint32_t id;
  std::uint32_t hops_left;
};

struct Ledger {
  explicit Ledger(std::size_t parcels) : arrivals(parcels) {}
  std::vector<std::atomic<std::uint32_t>> arrivals;
  std::atomic<std::size_t> delivered{0};
  std::vector<ActorRef<Parcel>> relays;  // written before the first tell, then only read
};

// Passes a parcel on to another relay until its hops are used up, then books it.
struct Relay {
  using Message = Parcel;
  std::shared_ptr<Ledger> ledger;
  void receive(Parcel parcel, Context<Parcel>& /*ctx*/) {
    if (parcel.hops_left == 0) {
      ledger->arrivals[parcel.id].fetch_add(1);
      ledger->delivered.fetch_add(1);
      return;
    }
    const auto next = (parcel.id * 2654435761U + parcel.hops_left) % ledger->relays.size();
    ledger->relays[next].tell(Parcel{parcel.id, parcel.hops_left - 1});
  }
};

TEST(ActorStress, NoMessageIsLostOrDuplicatedUnderLoad) {
  constexpr std::uint32_t kSenders = 4;
  constexpr std::size_t kRelays = 16;
  constexpr std::uint32_t kHops = 3;
  const auto per_sender = static_cast<std::uint32_t>(stress::scaled(20000) / kSenders);
  const std::size_t parcels = std::size_t{kSenders} * per_sender;
  const std::uint64_t seed = stress::seed();
  auto ledger = std::make_shared<Ledger>(parcels);
  ActorSystem system(3);
  for (std::size_t i = 0; i < kRelays; ++i) {
    ledger->relays.push_back(system.spawn<Relay>(ledger));
  }
  stress::run_threads(kSenders, [&](std::size_t index) {
    stress::Rng rng(seed + index);
    stress::Noise noise(seed ^ (index * 0x9e3779b97f4a7c15ULL), 20);
    for (std::uint32_t seq = 0; seq < per_sender; ++seq) {
      const auto id = static_cast<std::uint32_t>(index) * per_sender + seq;
      ledger->relays[rng.below(kRelays)].tell(Parcel{id, kHops});
      noise();
    }
  });
  const bool all_arrived = eventually([&] { return ledger->delivered.load() >= parcels; });
  system.shutdown();
  ledger->relays.clear();
  std::size_t lost = 0;
  std::size_t duplicated = 0;
  for (const auto& arrivals : ledger->arrivals) {
    lost += arrivals.load() == 0 ? 1 : 0;
    duplicated += arrivals.load() > 1 ? 1 : 0;
  }
  EXPECT_TRUE(all_arrived) << ledger->delivered.load() << " of " << parcels
                           << " parcels arrived within the patience (seed " << seed << ")";
  EXPECT_EQ(lost, 0U) << "parcels never arrived (seed " << seed << ")";
  EXPECT_EQ(duplicated, 0U) << "parcels arrived more than once (seed " << seed << ")";
  EXPECT_EQ(system.dead_letters(), 0U);
}

// ---- thousands of actors, two threads ------------------------------------------------

struct Ball {
  std::uint32_t bounces_left;
  ActorRef<Ball> from;  // empty: a nudge that does nothing
};

struct Rally {
  std::atomic<std::size_t> finished{0};
};

struct Player {
  using Message = Ball;
  std::shared_ptr<Rally> rally;
  void receive(const Ball& ball, Context<Ball>& ctx) {
    if (!ball.from) {
      return;
    }
    if (ball.bounces_left == 0) {
      rally->finished.fetch_add(1);
      return;
    }
    ball.from.tell(Ball{ball.bounces_left - 1, ctx.self()});
  }
};

TEST(ActorStress, TenThousandActorsPingPongOnTwoThreads) {
  const std::size_t pairs = stress::scaled(10000) / 2;
  constexpr std::uint32_t kBounces = 20;
  auto rally = std::make_shared<Rally>();
  ActorSystem system(2);
  std::vector<ActorRef<Ball>> players;
  players.reserve(2 * pairs);
  for (std::size_t i = 0; i < 2 * pairs; ++i) {
    players.push_back(system.spawn<Player>(rally));
  }
  const auto threads = actor_test::thread_count();
  for (std::size_t pair = 0; pair < pairs; ++pair) {
    players[2 * pair].tell(Ball{kBounces, players[2 * pair + 1]});
  }
  const bool all_finished = eventually([&] { return rally->finished.load() == pairs; });
  if (!all_finished) {
    for (const auto& player : players) {
      player.tell(Ball{0, {}});  // unstick idle actors so that shutdown can finish
    }
  }
  EXPECT_LE(threads, 16U) << 2 * pairs << " actors on a pool of 2 threads, but the process has "
                          << threads << " threads: actors must not get a thread each";
  EXPECT_TRUE(all_finished) << rally->finished.load() << " of " << pairs
                            << " rallies finished: a ball was lost or an actor was never "
                               "scheduled again";
}

// ---- the lost schedule -----------------------------------------------------------------

struct Mark {
  std::atomic<std::uint64_t> received{0};
};

// Publishes the number of the message it got: its driver waits for it, then tells the
// next one right away, i.e. while the worker is still finishing this receive and is about
// to find the mailbox empty and let the actor go idle.
struct Echo {
  using Message = std::uint64_t;
  std::shared_ptr<Mark> mark;
  void receive(std::uint64_t number, Context<Message>& /*ctx*/) { mark->received.store(number); }
};

TEST(ActorLiveness, AMessageArrivingAsTheActorGoesIdleIsStillReceived) {
  constexpr std::size_t kDrivers = 2;
  const std::uint64_t rounds = stress::scaled(10000);
  const std::uint64_t seed = stress::seed();
  ActorSystem system(2);
  std::vector<std::shared_ptr<Mark>> marks;
  std::vector<ActorRef<std::uint64_t>> echoes;
  for (std::size_t i = 0; i < kDrivers; ++i) {
    marks.push_back(std::make_shared<Mark>());
    echoes.push_back(system.spawn<Echo>(marks.back()));
  }
  std::vector<std::uint64_t> stalled_at(kDrivers, 0);
  stress::run_threads(kDrivers, [&](std::size_t index) {
    stress::Rng rng(seed + index);
    const auto& mark = *marks[index];
    for (std::uint64_t number = 1; number <= rounds; ++number) {
      echoes[index].tell(number);
      const auto deadline = std::chrono::steady_clock::now() + actor_test::kPatience;
      for (std::size_t polls = 1; mark.received.load() != number; ++polls) {
        if (polls % 256 == 0 && std::chrono::steady_clock::now() > deadline) {
          stalled_at[index] = number;
          echoes[index].tell(0);  // unstick the actor so that shutdown can finish
          return;
        }
        std::this_thread::yield();
      }
      // Sweep the next tell across the moment the worker lets the actor go idle.
      for (auto spin = rng.below(200); spin > 0; --spin) {
        (void)mark.received.load(std::memory_order_relaxed);
      }
    }
  });
  for (std::size_t i = 0; i < kDrivers; ++i) {
    EXPECT_EQ(stalled_at[i], 0U)
        << "message " << stalled_at[i] << " to actor " << i << " was never received within "
        << actor_test::kPatience.count()
        << " s: it arrived while the worker was letting the actor go idle, and nobody "
           "scheduled the actor again (lost schedule; seed "
        << seed << ")";
  }
}

}  // namespace
}  // namespace lockstep::actor
