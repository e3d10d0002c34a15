// Public tests: a first check of the basics. The hidden tests go much further (many threads,
// sanitizers, fault rates up to 50%, late replies, unsubscribe racing publish); see README.md.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <lockstep/lossy_transport.hpp>
#include <messaging.hpp>

namespace lockstep::messaging {
namespace {

using std::chrono::seconds;

TEST(MessagingPublic, SendThenReceiveReturnsTheSameMessage) {
  Broker broker;
  auto box = broker.open_mailbox("inbox");
  ASSERT_TRUE(broker.send("inbox", Message{.from = "alice", .body = "hello"}));
  auto message = box.receive(seconds(5));
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->from, "alice");
  EXPECT_EQ(message->body, "hello");
}

TEST(MessagingPublic, PublishReachesEverySubscriber) {
  Broker broker;
  auto first = broker.subscribe("news");
  auto second = broker.subscribe("news");
  EXPECT_EQ(broker.publish("news", Message{.from = "desk", .body = "extra"}), 2U);
  EXPECT_EQ(first.try_receive()->body, "extra");
  EXPECT_EQ(second.try_receive()->body, "extra");
}

TEST(MessagingPublic, RequestGetsItsReply) {
  Broker broker;
  auto server = broker.open_mailbox("server");
  // std::async rather than std::thread: an exception in the client reaches get().
  auto client = std::async(std::launch::async, [&] {
    return broker.request("server", Message{.from = "client", .body = "2+2"}, seconds(30));
  });
  auto request = server.receive(seconds(30));
  ASSERT_TRUE(request.has_value());
  EXPECT_TRUE(broker.reply(*request, Reply{.from = "server", .body = "4"}));
  auto answer = client.get();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->body, "4");
}

// Steps the link until everything sent is delivered and acknowledged (or a generous cap on
// virtual ticks passes) and returns what the receiver delivered, in order.
std::vector<std::string> run_link(const lossy::Faults& faults, int count) {
  lossy::LossyTransport net(/*seed=*/42, faults);
  std::vector<std::string> delivered;
  ReliableReceiver rx(net.receiver_port(),
                      [&](std::string p) { delivered.push_back(std::move(p)); });
  ReliableSender tx(net.sender_port(),
                    SenderOptions{.window = 16, .retransmit_timeout = faults.max_round_trip() + 1});
  for (int i = 0; i < count; ++i) {
    tx.send("m" + std::to_string(i));
  }
  for (int tick = 0; tick < 100000; ++tick) {
    if (delivered.size() == static_cast<std::size_t>(count) && tx.unacknowledged() == 0) {
      break;
    }
    net.step(tx, rx);
  }
  return delivered;
}

TEST(MessagingPublic, ReliableLinkDeliversInOrderOverACleanLink) {
  const auto delivered = run_link(lossy::Faults{}, 100);
  ASSERT_EQ(delivered.size(), 100U);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(delivered[static_cast<std::size_t>(i)], "m" + std::to_string(i));
  }
}

TEST(MessagingPublic, ReliableLinkDeliversExactlyOnceInOrderDespiteFaults) {
  lossy::Faults faults;
  faults.drop_permille = 200;
  faults.duplicate_permille = 200;
  faults.reorder_permille = 200;
  const auto delivered = run_link(faults, 300);
  ASSERT_EQ(delivered.size(), 300U) << "payloads lost or duplicated";
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(delivered[static_cast<std::size_t>(i)], "m" + std::to_string(i))
        << "out of order or duplicated at position " << i;
  }
}

}  // namespace
}  // namespace lockstep::messaging
