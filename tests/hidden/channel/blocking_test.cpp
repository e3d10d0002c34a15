// Backpressure: a full channel makes senders wait, an empty one makes receivers wait,
// and the timed variants give up at (never before) their deadline.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <vector>

#include "channel_test_support.hpp"

namespace lockstep::channel {
namespace {

using channel_test::Probe;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(ChannelBlocking, SenderWaitsForRoomInsteadOfFailing) {
  Channel<int> ch(1);
  ASSERT_EQ(ch.send(1), SendStatus::sent);
  SendStatus status{};
  Probe sender([&] { status = ch.send(2); });
  sender.wait_until_blocked();
  EXPECT_FALSE(sender.finished()) << "send returned while the channel was still full";
  EXPECT_EQ(ch.recv(), 1);
  sender.join();
  EXPECT_EQ(status, SendStatus::sent) << "a blocking send must wait for room, then succeed";
  EXPECT_EQ(ch.try_recv(), 2);
}

TEST(ChannelBlocking, ReceiverWaitsForAValue) {
  Channel<int> ch(1);
  std::optional<int> got;
  Probe receiver([&] { got = ch.recv(); });
  receiver.wait_until_blocked();
  EXPECT_FALSE(receiver.finished()) << "recv returned from an empty, open channel";
  ASSERT_EQ(ch.send(9), SendStatus::sent);
  receiver.join();
  EXPECT_EQ(got, 9);
}

TEST(ChannelBlocking, EveryBlockedSenderGetsInAsRoomAppears) {
  constexpr int kSenders = 4;
  Channel<int> ch(1);
  ASSERT_EQ(ch.send(-1), SendStatus::sent);
  std::array<SendStatus, kSenders> statuses{};
  std::vector<std::unique_ptr<Probe>> senders;
  senders.reserve(kSenders);
  for (int i = 0; i < kSenders; ++i) {
    senders.push_back(std::make_unique<Probe>([&, i] { statuses.at(i) = ch.send(i); }));
  }
  for (auto& sender : senders) {
    sender->wait_until_blocked();
  }
  std::vector<int> received;
  received.reserve(kSenders + 1);
  for (int i = 0; i <= kSenders; ++i) {
    // A bound far beyond any wake-up: it only turns "nobody sent" into a failure, not a hang.
    auto value = ch.recv_for(std::chrono::seconds(10));
    ASSERT_TRUE(value.has_value()) << "a blocked sender's value never arrived";
    received.push_back(*value);
  }
  for (auto& sender : senders) {
    sender->join();
  }
  for (auto status : statuses) {
    EXPECT_EQ(status, SendStatus::sent);
  }
  std::sort(received.begin(), received.end());
  EXPECT_EQ(received, (std::vector<int>{-1, 0, 1, 2, 3}));
}

TEST(ChannelTimeout, SendForGivesUpAtItsDeadlineWhenFull) {
  Channel<int> ch(1);
  ASSERT_EQ(ch.send(1), SendStatus::sent);
  const auto timeout = milliseconds(40);
  const auto start = steady_clock::now();
  EXPECT_EQ(ch.send_for(2, timeout), SendStatus::timed_out);
  EXPECT_GE(steady_clock::now() - start, timeout) << "send_for returned before its deadline";
  EXPECT_EQ(ch.size(), 1U);
}

TEST(ChannelTimeout, RecvForGivesUpAtItsDeadlineWhenEmpty) {
  Channel<int> ch(1);
  const auto timeout = milliseconds(40);
  const auto start = steady_clock::now();
  EXPECT_EQ(ch.recv_for(timeout), std::nullopt);
  EXPECT_GE(steady_clock::now() - start, timeout) << "recv_for returned before its deadline";
}

TEST(ChannelTimeout, RecvForTakesAValueThatArrivesInTime) {
  Channel<int> ch(1);
  std::optional<int> got;
  Probe receiver([&] { got = ch.recv_for(std::chrono::seconds(30)); });
  receiver.wait_until_blocked();
  ASSERT_EQ(ch.send(3), SendStatus::sent);
  receiver.join();
  EXPECT_EQ(got, 3);
}

TEST(ChannelTimeout, SendForSucceedsWhenRoomAppearsInTime) {
  Channel<int> ch(1);
  ASSERT_EQ(ch.send(1), SendStatus::sent);
  SendStatus status{};
  Probe sender([&] { status = ch.send_for(2, std::chrono::seconds(30)); });
  sender.wait_until_blocked();
  EXPECT_EQ(ch.recv(), 1);
  sender.join();
  EXPECT_EQ(status, SendStatus::sent);
  EXPECT_EQ(ch.try_recv(), 2);
}

}  // namespace
}  // namespace lockstep::channel
