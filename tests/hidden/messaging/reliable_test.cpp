// Reliable delivery over the seeded lossy transport: exactly once, in order, whatever the
// link drops, duplicates or reorders; a sliding window; retransmission that stops once
// acknowledged; transmissions that stay proportional to the payloads at 10% loss.

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "messaging_test_support.hpp"

namespace lockstep::messaging {
namespace {

using messaging_test::expect_exactly_once_in_order;
using messaging_test::run_link;
using messaging_test::safe_timeout;
using messaging_test::tag;

// A bound on virtual ticks, only there to turn a stalled protocol into a failure instead of a
// hang. Correct designs need well under 25 ticks per payload at 50% loss; this allows 400.
lossy::Tick tick_cap(std::uint64_t payloads) {
  return 400 * payloads + 50000;
}

struct Profile {
  const char* name;
  unsigned drop;
  unsigned duplicate;
  unsigned reorder;
};

// NOLINTNEXTLINE(readability-identifier-naming): the name GoogleTest looks for
void PrintTo(const Profile& profile, std::ostream* out) {
  *out << profile.drop << "‰ dropped, " << profile.duplicate << "‰ duplicated, " << profile.reorder
       << "‰ reordered";
}

std::string profile_name(const testing::TestParamInfo<Profile>& info) {
  return info.param.name;
}

class ReliableDelivery : public testing::TestWithParam<Profile> {};

// One application thread sends while the network thread steps the link: every payload must
// be delivered once, in exactly the order it was sent.
TEST_P(ReliableDelivery, EveryPayloadArrivesExactlyOnceInOrder) {
  const Profile profile = GetParam();
  lossy::Faults faults;
  faults.drop_permille = profile.drop;
  faults.duplicate_permille = profile.duplicate;
  faults.reorder_permille = profile.reorder;
  const auto count = static_cast<std::uint32_t>(stress::scaled(2000));
  const auto run = run_link(stress::seed(), faults,
                            SenderOptions{.window = 16, .retransmit_timeout = safe_timeout(faults)},
                            1, count, tick_cap(count));
  ASSERT_TRUE(run.completed) << "after " << tick_cap(count) << " ticks " << run.delivered.size()
                             << " of " << count << " payloads were delivered and "
                             << run.unacknowledged << " still unacknowledged (seed "
                             << stress::seed() << ")";
  ASSERT_EQ(run.delivered.size(), count);
  for (std::uint32_t i = 0; i < count; ++i) {
    ASSERT_EQ(run.delivered[i], tag(0, i))
        << "delivery " << i << " is not the " << i << "th payload sent: lost, duplicated or "
        << "out of order (seed " << stress::seed() << ")";
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, ReliableDelivery,
                         testing::Values(Profile{"clean", 0, 0, 0}, Profile{"drop10", 100, 0, 0},
                                         Profile{"drop30", 300, 0, 0}, Profile{"drop50", 500, 0, 0},
                                         Profile{"duplicate30", 0, 300, 0},
                                         Profile{"reorder30", 0, 0, 300},
                                         Profile{"mixed20", 200, 200, 200}),
                         profile_name);

// Several application threads send at once: each one's payloads arrive exactly once and in
// its own order, over a link that drops, duplicates and reorders.
TEST(ReliableConcurrency, SendersOnManyThreadsKeepTheirOwnOrder) {
  lossy::Faults faults;
  faults.drop_permille = 150;
  faults.duplicate_permille = 150;
  faults.reorder_permille = 150;
  constexpr std::uint32_t kSources = 3;
  const auto per_source = static_cast<std::uint32_t>(stress::scaled(1200));
  const auto run = run_link(stress::seed(), faults,
                            SenderOptions{.window = 32, .retransmit_timeout = safe_timeout(faults)},
                            kSources, per_source, tick_cap(std::uint64_t{kSources} * per_source));
  ASSERT_TRUE(run.completed) << run.delivered.size() << " delivered, " << run.unacknowledged
                             << " unacknowledged after the tick cap";
  expect_exactly_once_in_order(run.delivered, kSources, per_source, "the receiver");
}

// Throughput does not collapse at 10% loss: with a timeout above the worst round trip, a
// payload is resent only when it or its ack was lost, so ~1.25 transmissions per payload are
// expected. Resending whole windows, or acknowledged segments, costs several times that.
TEST(ReliableThroughput, TenPercentLossCostsAtMostTwoTransmissionsPerPayload) {
  lossy::Faults faults;
  faults.drop_permille = 100;
  const auto count = static_cast<std::uint32_t>(stress::scaled(4000));
  const auto run = run_link(stress::seed(), faults,
                            SenderOptions{.window = 32, .retransmit_timeout = safe_timeout(faults)},
                            1, count, tick_cap(count));
  ASSERT_TRUE(run.completed);
  EXPECT_EQ(run.delivered.size(), count);
  EXPECT_LE(run.stats.to_receiver.data, 2ULL * count)
      << "the sender transmitted " << run.stats.to_receiver.data << " data segments for " << count
      << " payloads at 10% loss (seed " << stress::seed() << ")";
}

// Once everything is acknowledged the link goes quiet: no data segment is sent again,
// however many retransmission timeouts pass.
TEST(ReliableRetransmission, StopsOnceEverythingIsAcknowledged) {
  lossy::Faults faults;
  faults.drop_permille = 200;
  faults.duplicate_permille = 100;
  faults.reorder_permille = 100;
  const lossy::Tick timeout = safe_timeout(faults);
  const auto count = static_cast<std::uint32_t>(stress::scaled(600));
  lossy::LossyTransport net(stress::seed(), faults);
  std::vector<std::string> delivered;
  ReliableReceiver rx(net.receiver_port(),
                      [&](std::string p) { delivered.push_back(std::move(p)); });
  ReliableSender tx(net.sender_port(), SenderOptions{.window = 16, .retransmit_timeout = timeout});
  for (std::uint32_t i = 0; i < count; ++i) {
    tx.send(tag(0, i));
  }
  lossy::Tick ticks = 0;
  while ((rx.delivered() < count || tx.unacknowledged() != 0) && ticks++ < tick_cap(count)) {
    net.step(tx, rx);
  }
  ASSERT_EQ(tx.unacknowledged(), 0U);
  ASSERT_EQ(delivered.size(), count);
  const auto data_before = net.stats().to_receiver.data;
  for (lossy::Tick i = 0; i < 20 * timeout; ++i) {
    net.step(tx, rx);
  }
  EXPECT_EQ(net.stats().to_receiver.data, data_before)
      << "data segments were transmitted after every payload had been acknowledged";
  EXPECT_EQ(net.in_flight(), 0U);
}

// The window: with nothing acknowledged yet, exactly `window` segments go out and no more;
// on a clean link nothing is ever sent twice.
TEST(ReliableWindow, KeepsWindowSegmentsInFlightWithoutWaitingForAcks) {
  lossy::Faults faults;
  faults.min_delay = 5;
  faults.max_delay = 5;
  constexpr std::size_t kWindow = 8;
  constexpr std::uint32_t kCount = 100;
  lossy::LossyTransport net(stress::seed(), faults);
  std::vector<std::string> delivered;
  ReliableReceiver rx(net.receiver_port(),
                      [&](std::string p) { delivered.push_back(std::move(p)); });
  ReliableSender tx(net.sender_port(),
                    SenderOptions{.window = kWindow, .retransmit_timeout = safe_timeout(faults)});
  for (std::uint32_t i = 0; i < kCount; ++i) {
    tx.send(tag(0, i));
  }
  net.step(tx, rx);  // tick 1: the window fills
  EXPECT_EQ(net.stats().to_receiver.data, kWindow)
      << "the first tick should put a full window on the wire";
  for (int tick = 2; tick <= 5; ++tick) {  // the first acks cannot arrive before tick 11
    net.step(tx, rx);
  }
  EXPECT_EQ(net.stats().to_receiver.data, kWindow)
      << "more than a window in flight before any ack arrived";
  lossy::Tick ticks = 0;
  while ((delivered.size() < kCount || tx.unacknowledged() != 0) && ticks++ < tick_cap(kCount)) {
    net.step(tx, rx);
  }
  ASSERT_EQ(delivered.size(), kCount);
  EXPECT_EQ(net.stats().to_receiver.data, kCount)
      << "segments were sent twice on a link that loses nothing";
}

// The receiver on its own: duplicates of delivered and of buffered segments are dropped,
// early segments wait for the gap to fill.
TEST(ReliableReceiverBuffer, DropsDuplicatesAndReleasesBufferedSegmentsInOrder) {
  lossy::LossyTransport net(stress::seed(), lossy::Faults{});
  std::vector<std::string> delivered;
  ReliableReceiver rx(net.receiver_port(),
                      [&](std::string p) { delivered.push_back(std::move(p)); });
  auto data = [](std::uint64_t seq, const char* payload) {
    return lossy::Segment{lossy::Segment::Kind::data, seq, payload};
  };
  rx.on_segment(data(0, "a"));
  rx.on_segment(data(0, "a"));
  EXPECT_EQ(delivered, (std::vector<std::string>{"a"})) << "a duplicate was delivered";
  rx.on_segment(data(2, "c"));
  EXPECT_EQ(delivered, (std::vector<std::string>{"a"})) << "segment 2 was delivered before 1";
  rx.on_segment(data(2, "c"));
  rx.on_segment(data(1, "b"));
  EXPECT_EQ(delivered, (std::vector<std::string>{"a", "b", "c"}));
  rx.on_segment(data(1, "b"));
  rx.on_segment(data(0, "a"));
  rx.on_segment(data(3, "d"));
  EXPECT_EQ(delivered, (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(rx.delivered(), 4U);
}

}  // namespace
}  // namespace lockstep::messaging
