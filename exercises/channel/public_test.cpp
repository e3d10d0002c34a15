// Public tests: a first check of the basics. The hidden tests go much further (many
// threads, sanitizers, close while blocked, linearizability); see README.md.

#include <gtest/gtest.h>

#include <future>
#include <vector>

#include <channel.hpp>

namespace lockstep::channel {
namespace {

TEST(ChannelPublic, SendThenRecvReturnsTheSameValue) {
  Channel<int> ch(4);
  ASSERT_EQ(ch.send(42), SendStatus::sent);
  EXPECT_EQ(ch.recv(), 42);
}

TEST(ChannelPublic, OneProducerOrderIsKept) {
  Channel<int> ch(16);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(ch.send(i), SendStatus::sent);
  }
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(ch.recv(), i);
  }
}

TEST(ChannelPublic, TrySendOnAFullChannelReportsFull) {
  Channel<int> ch(1);
  ASSERT_EQ(ch.try_send(1), SendStatus::sent);
  EXPECT_EQ(ch.try_send(2), SendStatus::full);
  EXPECT_EQ(ch.try_recv(), 1);
  EXPECT_EQ(ch.try_recv(), std::nullopt);
}

TEST(ChannelPublic, CloseLetsReceiversDrainThenEnds) {
  Channel<int> ch(4);
  ASSERT_EQ(ch.send(1), SendStatus::sent);
  ch.close();
  EXPECT_EQ(ch.send(2), SendStatus::closed);
  EXPECT_EQ(ch.recv(), 1);
  EXPECT_EQ(ch.recv(), std::nullopt);
}

TEST(ChannelPublic, OneProducerOneConsumerTransferEverything) {
  constexpr int kCount = 10000;
  Channel<int> ch(8);
  // std::async rather than std::thread: an exception in the producer reaches get().
  auto producer = std::async(std::launch::async, [&] {
    for (int i = 0; i < kCount; ++i) {
      EXPECT_EQ(ch.send(i), SendStatus::sent);
    }
    ch.close();
  });
  std::vector<int> received;
  while (auto value = ch.recv()) {
    received.push_back(*value);
  }
  producer.get();
  ASSERT_EQ(received.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(received[static_cast<std::size_t>(i)], i);
  }
}

}  // namespace
}  // namespace lockstep::channel
