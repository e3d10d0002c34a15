// Closing: senders fail from then on, blocked parties wake, receivers drain what is left.

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <vector>

#include "channel_test_support.hpp"

namespace lockstep::channel {
namespace {

using channel_test::Probe;

TEST(ChannelClose, SendAfterCloseReportsClosed) {
  Channel<int> ch(2);
  ch.close();
  EXPECT_TRUE(ch.is_closed());
  EXPECT_EQ(ch.send(1), SendStatus::closed);
  EXPECT_EQ(ch.try_send(2), SendStatus::closed);
  EXPECT_EQ(ch.send_for(3, std::chrono::milliseconds(1)), SendStatus::closed);
  EXPECT_EQ(ch.size(), 0U);
}

TEST(ChannelClose, ReceiversDrainQueuedValuesThenGetNothing) {
  Channel<int> ch(4);
  ASSERT_EQ(ch.send(1), SendStatus::sent);
  ASSERT_EQ(ch.send(2), SendStatus::sent);
  ASSERT_EQ(ch.send(3), SendStatus::sent);
  ch.close();
  EXPECT_EQ(ch.recv(), 1) << "values sent before close must still be delivered";
  EXPECT_EQ(ch.try_recv(), 2);
  EXPECT_EQ(ch.recv_for(std::chrono::milliseconds(1)), 3);
  EXPECT_EQ(ch.recv(), std::nullopt);
  EXPECT_EQ(ch.try_recv(), std::nullopt);
}

TEST(ChannelClose, CloseTwiceIsHarmless) {
  Channel<int> ch(1);
  ASSERT_EQ(ch.send(1), SendStatus::sent);
  ch.close();
  ch.close();
  EXPECT_TRUE(ch.is_closed());
  EXPECT_EQ(ch.recv(), 1);
  EXPECT_EQ(ch.recv(), std::nullopt);
}

TEST(ChannelClose, BlockedReceiverWakesAndGetsNothing) {
  Channel<int> ch(2);
  std::optional<int> got = -1;
  Probe receiver([&] { got = ch.recv(); });
  receiver.wait_until_blocked();
  ch.close();
  receiver.join();  // a close that wakes nobody hangs here
  EXPECT_EQ(got, std::nullopt);
}

TEST(ChannelClose, BlockedSenderWakesWithClosed) {
  Channel<int> ch(1);
  ASSERT_EQ(ch.send(1), SendStatus::sent);
  SendStatus status{};
  Probe sender([&] { status = ch.send(2); });
  sender.wait_until_blocked();
  ch.close();
  sender.join();  // a close that wakes nobody hangs here
  EXPECT_EQ(status, SendStatus::closed);
  EXPECT_EQ(ch.try_recv(), 1);
  EXPECT_EQ(ch.recv(), std::nullopt);
}

TEST(ChannelClose, EveryBlockedReceiverWakes) {
  constexpr std::size_t kReceivers = 4;
  Channel<int> ch(1);
  std::array<std::optional<int>, kReceivers> got;
  got.fill(-1);
  std::vector<std::unique_ptr<Probe>> receivers;
  receivers.reserve(kReceivers);
  for (std::size_t i = 0; i < kReceivers; ++i) {
    receivers.push_back(std::make_unique<Probe>([&, i] { got.at(i) = ch.recv(); }));
  }
  for (auto& receiver : receivers) {
    receiver->wait_until_blocked();
  }
  ch.close();
  for (auto& receiver : receivers) {
    receiver->join();
  }
  for (const auto& value : got) {
    EXPECT_EQ(value, std::nullopt);
  }
}

}  // namespace
}  // namespace lockstep::channel
