// The actor system's performance workload (DESIGN 7.8): the grader times this test in the
// release build against the reference's and scores the ratio. Each round starts a system
// of 2 workers (on one CPU, like every thread of the round), spawns two players and a sink,
// and then
//   - makes round trips: the test asks player 0, which passes the ball to player 1, which
//     replies; the test waits for each reply before the next ask, so between round trips
//     the workers go idle and every ask has to get an idle worker going again;
//   - plays one long rally: the ball goes back and forth between the two players, every
//     hit a tell that puts the other player on the run queue;
//   - bursts tells from the test thread to the sink, then asks it for its tally.
// The time goes into scheduling: waking an idle worker, putting an actor on the run queue,
// running its mailbox. A scheduler whose idle workers poll (nap, look again) makes many
// round trips wait for a nap to end, and one whose idle workers spin takes the one CPU from
// the threads that have work; one that queues an actor again after every message pays the
// run queue for every message of the burst.

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <utility>
#include <variant>

#include <actor.hpp>
#include <lockstep/performance.hpp>

namespace lockstep::actor {
namespace {

constexpr std::size_t kRounds = 5;
constexpr std::size_t kWorkers = 2;
constexpr std::int64_t kRoundTrips = 500;   // asks, each passed on once between the players
constexpr std::int64_t kLongRally = 5'000;  // tells between the players in one rally
constexpr std::int64_t kBurst = 20'000;     // tells from the test thread to the sink

// ---- the players ------------------------------------------------------------------------

struct Ball {
  std::int64_t hits_left;
  std::int64_t hits_made;
  ReplyTo<std::int64_t> rally_over;  // completed with hits_made by the last receiver
};
struct HowManyBalls {
  ReplyTo<std::int64_t> reply_to;
};
using PlayerMessage = std::variant<Ball, HowManyBalls>;

struct Court {
  std::array<ActorRef<PlayerMessage>, 2> players;  // written before the first tell
};

// Passes the ball to the other player until its hits are used up; the last receiver replies.
struct Player {
  using Message = PlayerMessage;
  std::shared_ptr<Court> court;
  std::size_t side = 0;
  std::int64_t balls = 0;  // plain state: one receive at a time

  void receive(Message message, Context<Message>& /*ctx*/) {
    if (auto* query = std::get_if<HowManyBalls>(&message)) {
      query->reply_to.reply(balls);
      return;
    }
    Ball& ball = std::get<Ball>(message);
    ++balls;
    if (ball.hits_left == 0) {
      ball.rally_over.reply(ball.hits_made);
      return;
    }
    court->players[1 - side].tell(
        Ball{ball.hits_left - 1, ball.hits_made + 1, std::move(ball.rally_over)});
  }
};

// ---- the burst ------------------------------------------------------------------------

struct Tally {
  std::int64_t count;
  std::int64_t sum;
};
struct WhatIsTheTally {
  ReplyTo<Tally> reply_to;
};
using SinkMessage = std::variant<std::int64_t, WhatIsTheTally>;

struct Sink {
  using Message = SinkMessage;
  std::int64_t count = 0;
  std::int64_t sum = 0;

  void receive(Message message, Context<Message>& /*ctx*/) {
    if (auto* value = std::get_if<std::int64_t>(&message)) {
      ++count;
      sum += *value;
      return;
    }
    std::get<WhatIsTheTally>(message).reply_to.reply(Tally{count, sum});
  }
};

std::int64_t balls_of(const ActorRef<PlayerMessage>& player) {
  return player
      .ask<std::int64_t>(
          [](ReplyTo<std::int64_t> reply_to) { return HowManyBalls{std::move(reply_to)}; })
      .get();
}

// Serves a ball of `hits` hits to player 0; the future ends with the hits made.
std::future<std::int64_t> serve(const Court& court, std::int64_t hits) {
  return court.players[0].ask<std::int64_t>([hits](ReplyTo<std::int64_t> rally_over) {
    return Ball{hits, 0, std::move(rally_over)};
  });
}

TEST(ActorPerformance, RoundTripsARallyAndABurstOfTells) {
  performance::time_rounds(kRounds, [] {
    ActorSystem system(kWorkers);  // its workers start here: pinned like this thread
    auto court = std::make_shared<Court>();
    court->players[0] = system.spawn<Player>(court, std::size_t{0});
    court->players[1] = system.spawn<Player>(court, std::size_t{1});
    const ActorRef<SinkMessage> sink = system.spawn<Sink>();

    std::int64_t round_trip_hits = 0;
    for (std::int64_t i = 0; i < kRoundTrips; ++i) {
      round_trip_hits += serve(*court, 1).get();
    }
    const std::int64_t rally_hits = serve(*court, kLongRally).get();

    for (std::int64_t i = 1; i <= kBurst; ++i) {
      sink.tell(i);
    }
    const Tally tally =
        sink.ask<Tally>([](ReplyTo<Tally> reply_to) { return WhatIsTheTally{std::move(reply_to)}; })
            .get();

    // Correct results are part of the workload: a fast system that loses or repeats
    // messages earns nothing.
    EXPECT_EQ(round_trip_hits, kRoundTrips);
    EXPECT_EQ(rally_hits, kLongRally);
    EXPECT_EQ(balls_of(court->players[0]) + balls_of(court->players[1]),
              2 * kRoundTrips + kLongRally + 1);
    EXPECT_EQ(tally.count, kBurst);
    EXPECT_EQ(tally.sum, kBurst * (kBurst + 1) / 2);
    system.shutdown();
    EXPECT_EQ(system.dead_letters(), 0U);
    EXPECT_EQ(system.restarts(), 0U);
    court->players = {};  // the players' spawn arguments hold the court: break the cycle
  });
}

}  // namespace
}  // namespace lockstep::actor
