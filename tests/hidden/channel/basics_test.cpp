// Single-threaded behaviour: the contract of each call on its own.

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "channel_test_support.hpp"

namespace lockstep::channel {
namespace {

TEST(ChannelBasics, ZeroCapacityIsRejected) {
  EXPECT_THROW(Channel<int>(0), std::invalid_argument);
}

TEST(ChannelBasics, ValuesComeOutInTheOrderTheyWereSent) {
  Channel<int> ch(8);
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(ch.send(i), SendStatus::sent);
  }
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(ch.recv(), i);
  }
}

TEST(ChannelBasics, TrySendReportsFullAndKeepsTheQueuedValues) {
  Channel<int> ch(2);
  EXPECT_EQ(ch.try_send(1), SendStatus::sent);
  EXPECT_EQ(ch.try_send(2), SendStatus::sent);
  EXPECT_EQ(ch.try_send(3), SendStatus::full);
  EXPECT_EQ(ch.size(), 2U);
  EXPECT_EQ(ch.try_recv(), 1);
  EXPECT_EQ(ch.try_send(4), SendStatus::sent);
  EXPECT_EQ(ch.try_recv(), 2);
  EXPECT_EQ(ch.try_recv(), 4);
}

TEST(ChannelBasics, TryRecvOnAnEmptyChannelReturnsNothing) {
  Channel<int> ch(1);
  EXPECT_EQ(ch.try_recv(), std::nullopt);
  ASSERT_EQ(ch.send(7), SendStatus::sent);
  EXPECT_EQ(ch.try_recv(), 7);
  EXPECT_EQ(ch.try_recv(), std::nullopt);
}

TEST(ChannelBasics, MoveOnlyValuesPassThrough) {
  Channel<std::unique_ptr<int>> ch(2);
  ASSERT_EQ(ch.send(std::make_unique<int>(5)), SendStatus::sent);
  ASSERT_EQ(ch.try_send(std::make_unique<int>(6)), SendStatus::sent);
  auto first = ch.recv();
  auto second = ch.try_recv();
  ASSERT_TRUE(first && *first);
  ASSERT_TRUE(second && *second);
  EXPECT_EQ(**first, 5);
  EXPECT_EQ(**second, 6);
}

TEST(ChannelBasics, SizeCountsQueuedValues) {
  Channel<int> ch(3);
  EXPECT_EQ(ch.size(), 0U);
  EXPECT_EQ(ch.capacity(), 3U);
  ASSERT_EQ(ch.send(1), SendStatus::sent);
  ASSERT_EQ(ch.send(2), SendStatus::sent);
  EXPECT_EQ(ch.size(), 2U);
  ASSERT_TRUE(ch.recv().has_value());
  EXPECT_EQ(ch.size(), 1U);
}

}  // namespace
}  // namespace lockstep::channel
