// Many producers and consumers at once: nothing lost, nothing duplicated, each producer's
// values in order, the capacity never exceeded, size() safe to read at any time.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "channel_test_support.hpp"

namespace lockstep::channel {
namespace {

using channel_test::encode;
using channel_test::producer_of;
using channel_test::sequence_of;

struct Shape {
  std::size_t capacity;
  std::uint32_t producers;
  std::uint32_t consumers;
};

std::string shape_name(const testing::TestParamInfo<Shape>& info) {
  return "cap" + std::to_string(info.param.capacity) + "_p" + std::to_string(info.param.producers) +
         "_c" + std::to_string(info.param.consumers);
}

// NOLINTNEXTLINE(readability-identifier-naming): the name GoogleTest looks for
void PrintTo(const Shape& shape, std::ostream* out) {
  *out << "capacity " << shape.capacity << ", " << shape.producers << " producers, "
       << shape.consumers << " consumers";
}

class ChannelStress : public testing::TestWithParam<Shape> {};

// Producers mix the three ways of sending; consumers the three ways of receiving. One more
// thread keeps reading size(), which must never exceed the capacity.
TEST_P(ChannelStress, EveryValueArrivesExactlyOnceInProducerOrder) {
  const Shape shape = GetParam();
  const auto per_producer = static_cast<std::uint32_t>(stress::scaled(40000) / shape.producers);
  const std::uint64_t seed = stress::seed();
  Channel<std::int64_t> ch(shape.capacity);
  std::atomic<std::uint32_t> producers_left{shape.producers};
  std::atomic<std::size_t> largest_size{0};
  std::vector<std::vector<std::int64_t>> received(shape.consumers);

  const std::size_t threads = shape.producers + shape.consumers + 1;
  stress::run_threads(threads, [&](std::size_t index) {
    stress::Rng rng(seed + index);
    stress::Noise noise(seed ^ (index * 0x9e3779b97f4a7c15ULL), 20);
    if (index < shape.producers) {
      const auto producer = static_cast<std::uint32_t>(index);
      for (std::uint32_t seq = 0; seq < per_producer; ++seq) {
        const auto value = encode(producer, seq);
        SendStatus status{};
        switch (rng.below(3)) {
          case 0:
            status = ch.send(value);
            break;
          case 1:
            while ((status = ch.try_send(value)) == SendStatus::full) {
              noise();
            }
            break;
          default:
            while ((status = ch.send_for(value, std::chrono::microseconds(50))) ==
                   SendStatus::timed_out) {
            }
            break;
        }
        EXPECT_EQ(status, SendStatus::sent);
        noise();
      }
      if (producers_left.fetch_sub(1) == 1) {
        ch.close();
      }
    } else if (index < shape.producers + shape.consumers) {
      auto& mine = received[index - shape.producers];
      for (;;) {
        std::optional<std::int64_t> value;
        switch (rng.below(3)) {
          case 0:
            value = ch.recv();
            break;
          case 1:
            value = ch.try_recv();
            if (!value && !ch.is_closed()) {
              noise();
              continue;
            }
            if (!value) {
              value = ch.recv();  // closed: take what is left, or learn it is drained
            }
            break;
          default:
            value = ch.recv_for(std::chrono::microseconds(50));
            if (!value && !ch.is_closed()) {
              continue;
            }
            if (!value) {
              value = ch.recv();
            }
            break;
        }
        if (!value) {
          break;
        }
        mine.push_back(*value);
        noise();
      }
    } else {
      while (producers_left.load() != 0 || ch.size() != 0) {
        const auto size = ch.size();
        auto largest = largest_size.load();
        while (size > largest && !largest_size.compare_exchange_weak(largest, size)) {
        }
        std::this_thread::yield();
      }
    }
  });

  EXPECT_LE(largest_size.load(), shape.capacity) << "size() exceeded the capacity";
  std::vector<std::uint32_t> count(shape.producers, 0);
  for (std::size_t consumer = 0; consumer < received.size(); ++consumer) {
    std::vector<std::int64_t> last_seen(shape.producers, -1);
    for (const auto value : received[consumer]) {
      const auto producer = producer_of(value);
      ASSERT_LT(producer, shape.producers) << "a value nobody sent: " << value;
      ASSERT_GT(static_cast<std::int64_t>(sequence_of(value)), last_seen[producer])
          << "consumer " << consumer << " got producer " << producer << "'s value "
          << sequence_of(value) << " after " << last_seen[producer]
          << ": duplicated or out of FIFO order";
      last_seen[producer] = sequence_of(value);
      ++count[producer];
    }
  }
  for (std::uint32_t producer = 0; producer < shape.producers; ++producer) {
    EXPECT_EQ(count[producer], per_producer) << "producer " << producer << " sent " << per_producer
                                             << " values, " << count[producer] << " arrived";
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ChannelStress,
                         testing::Values(Shape{1, 1, 1}, Shape{1, 3, 3}, Shape{4, 4, 2},
                                         Shape{64, 2, 4}),
                         shape_name);

// Many senders race for the last free slots while nobody receives: exactly `capacity`
// of them may get in, in every round.
TEST(ChannelCapacity, RacingSendersNeverOverfill) {
  constexpr std::size_t kCapacity = 2;
  constexpr std::size_t kSenders = 4;
  const std::size_t rounds = stress::scaled(1000);
  for (std::size_t round = 0; round < rounds; ++round) {
    Channel<int> ch(kCapacity);
    ASSERT_EQ(ch.send(-1), SendStatus::sent);  // one slot left to race for
    std::atomic<std::size_t> accepted{1};
    stress::run_threads(kSenders, [&](std::size_t index) {
      const auto status = (index % 2 == 0)
                              ? ch.try_send(static_cast<int>(index))
                              : ch.send_for(static_cast<int>(index), std::chrono::milliseconds(1));
      if (status == SendStatus::sent) {
        accepted.fetch_add(1);
      }
    });
    ASSERT_EQ(accepted.load(), kCapacity)
        << "round " << round << ": " << accepted.load() << " sends accepted into a channel of "
        << "capacity " << kCapacity << " that nobody read (seed " << stress::seed() << ")";
    ASSERT_EQ(ch.size(), kCapacity);
  }
}

// Tells when a blocked party is never woken: all of these threads finish only if every
// hand-off wakes the right kind of waiter.
TEST(ChannelLiveness, SendersAndReceiversSharingOneSlotNeverStall) {
  constexpr std::size_t kPairs = 4;
  const std::size_t per_sender = stress::scaled(4000);
  Channel<int> ch(1);
  std::atomic<std::size_t> received{0};
  stress::run_threads(2 * kPairs, [&](std::size_t index) {
    if (index < kPairs) {
      for (std::size_t i = 0; i < per_sender; ++i) {
        EXPECT_EQ(ch.send(static_cast<int>(i)), SendStatus::sent);
      }
    } else {
      for (std::size_t i = 0; i < per_sender; ++i) {
        if (ch.recv().has_value()) {
          received.fetch_add(1);
        }
      }
    }
  });
  EXPECT_EQ(received.load(), kPairs * per_sender);
}

}  // namespace
}  // namespace lockstep::channel
