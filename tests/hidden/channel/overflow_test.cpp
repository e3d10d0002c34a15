// Overflow policies: what a send does when the channel is full.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "channel_test_support.hpp"

namespace lockstep::channel {
namespace {

std::vector<int> drain(Channel<int>& ch) {
  std::vector<int> values;
  while (auto value = ch.try_recv()) {
    values.push_back(*value);
  }
  return values;
}

TEST(ChannelOverflow, DropNewestKeepsTheOldestValues) {
  Channel<int> ch(3, Overflow::drop_newest);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(ch.send(i), i < 3 ? SendStatus::sent : SendStatus::dropped) << "send #" << i;
  }
  EXPECT_EQ(drain(ch), (std::vector<int>{0, 1, 2}));
}

TEST(ChannelOverflow, DropOldestKeepsTheNewestValues) {
  Channel<int> ch(3, Overflow::drop_oldest);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(ch.send(i), i < 3 ? SendStatus::sent : SendStatus::evicted) << "send #" << i;
    EXPECT_LE(ch.size(), 3U);
  }
  EXPECT_EQ(drain(ch), (std::vector<int>{7, 8, 9}));
}

TEST(ChannelOverflow, DropPoliciesNeverBlockOrFailTrySend) {
  Channel<int> newest(1, Overflow::drop_newest);
  Channel<int> oldest(1, Overflow::drop_oldest);
  ASSERT_EQ(newest.send(1), SendStatus::sent);
  ASSERT_EQ(oldest.send(1), SendStatus::sent);
  EXPECT_EQ(newest.try_send(2), SendStatus::dropped);
  EXPECT_EQ(newest.send_for(3, std::chrono::hours(1)), SendStatus::dropped);
  EXPECT_EQ(oldest.try_send(2), SendStatus::evicted);
  EXPECT_EQ(oldest.send_for(3, std::chrono::hours(1)), SendStatus::evicted);
  EXPECT_EQ(newest.recv(), 1);
  EXPECT_EQ(oldest.recv(), 3);
}

TEST(ChannelOverflow, DropOldestNeitherLosesNorDuplicatesUnderContention) {
  using channel_test::encode;
  using channel_test::producer_of;
  using channel_test::sequence_of;
  constexpr std::uint32_t kProducers = 3;
  const auto per_producer = static_cast<std::uint32_t>(stress::scaled(20000));
  Channel<std::int64_t> ch(4, Overflow::drop_oldest);
  std::atomic<std::uint64_t> evicted{0};
  std::atomic<std::uint32_t> producers_left{kProducers};
  std::vector<std::int64_t> received;

  stress::run_threads(kProducers + 1, [&](std::size_t index) {
    if (index < kProducers) {
      const auto producer = static_cast<std::uint32_t>(index);
      for (std::uint32_t seq = 0; seq < per_producer; ++seq) {
        const auto status = ch.send(encode(producer, seq));
        EXPECT_TRUE(status == SendStatus::sent || status == SendStatus::evicted) << status;
        if (status == SendStatus::evicted) {
          evicted.fetch_add(1);
        }
      }
      if (producers_left.fetch_sub(1) == 1) {
        ch.close();
      }
      return;
    }
    while (auto value = ch.recv()) {
      received.push_back(*value);
    }
  });

  // Every value came out at most once, each producer's in its order, and every value
  // that did not come out was reported as evicted by exactly one send.
  std::vector<std::int64_t> last_seen(kProducers, -1);
  for (const auto value : received) {
    const auto producer = producer_of(value);
    ASSERT_LT(producer, kProducers) << "a value nobody sent: " << value;
    ASSERT_GT(static_cast<std::int64_t>(sequence_of(value)), last_seen[producer])
        << "producer " << producer << "'s value " << sequence_of(value)
        << " arrived twice or out of order";
    last_seen[producer] = sequence_of(value);
  }
  EXPECT_EQ(received.size() + evicted.load(), std::uint64_t{kProducers} * per_producer)
      << "received + evicted must equal sent: a value was lost or duplicated";
}

}  // namespace
}  // namespace lockstep::channel
