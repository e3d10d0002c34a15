// Point-to-point: named mailboxes, send and timed receive, FIFO per sender.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "messaging_test_support.hpp"

namespace lockstep::messaging {
namespace {

using messaging_test::Probe;
using messaging_test::tag;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

Message text(std::string body, std::string from = "test") {
  return Message{.from = std::move(from), .body = std::move(body)};
}

TEST(MessagingMailbox, SendToAMailboxNobodyOpenedFails) {
  Broker broker;
  EXPECT_FALSE(broker.send("nobody", text("hello")));
}

TEST(MessagingMailbox, OpeningANameThatIsOpenThrows) {
  Broker broker;
  auto box = broker.open_mailbox("inbox");
  EXPECT_THROW((void)broker.open_mailbox("inbox"), std::invalid_argument);
  EXPECT_EQ(box.name(), "inbox");
}

TEST(MessagingMailbox, MessagesComeOutInOrderWithSenderAndBody) {
  Broker broker;
  auto box = broker.open_mailbox("inbox");
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(broker.send("inbox", text(std::to_string(i), "alice")));
  }
  for (int i = 0; i < 10; ++i) {
    auto message = box.try_receive();
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(message->body, std::to_string(i));
    EXPECT_EQ(message->from, "alice");
    EXPECT_EQ(message->correlation_id, 0U) << "a plain send is not a request";
  }
  EXPECT_EQ(box.try_receive(), std::nullopt);
}

TEST(MessagingMailbox, ClosingRefusesNewMessagesKeepsQueuedOnesAndFreesTheName) {
  Broker broker;
  std::optional<Mailbox> box(broker.open_mailbox("inbox"));
  ASSERT_TRUE(broker.send("inbox", text("before")));
  box->close();
  EXPECT_FALSE(broker.send("inbox", text("after"))) << "a closed mailbox accepted a message";
  auto queued = box->try_receive();
  ASSERT_TRUE(queued.has_value()) << "a message queued before close was lost";
  EXPECT_EQ(queued->body, "before");
  box.reset();
  auto again = broker.open_mailbox("inbox");  // the name is free again
  ASSERT_TRUE(broker.send("inbox", text("new")));
  EXPECT_EQ(again.try_receive()->body, "new");
}

TEST(MessagingMailbox, DestroyingTheHandleClosesTheMailbox) {
  Broker broker;
  {
    auto box = broker.open_mailbox("inbox");
    ASSERT_TRUE(broker.send("inbox", text("x")));
  }
  EXPECT_FALSE(broker.send("inbox", text("y")));
  auto again = broker.open_mailbox("inbox");
  EXPECT_EQ(again.try_receive(), std::nullopt) << "a new mailbox inherited old messages";
}

TEST(MessagingMailbox, ReceiveWaitsForAMessage) {
  Broker broker;
  auto box = broker.open_mailbox("inbox");
  std::optional<Message> got;
  Probe receiver([&] { got = box.receive(std::chrono::seconds(30)); });
  receiver.wait_until_blocked();
  EXPECT_FALSE(receiver.finished()) << "receive returned from an empty mailbox";
  ASSERT_TRUE(broker.send("inbox", text("wake up")));
  receiver.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->body, "wake up");
}

TEST(MessagingMailbox, ReceiveGivesUpAtItsDeadline) {
  Broker broker;
  auto box = broker.open_mailbox("inbox");
  const auto timeout = milliseconds(40);
  const auto start = steady_clock::now();
  EXPECT_EQ(box.receive(timeout), std::nullopt);
  EXPECT_GE(steady_clock::now() - start, timeout) << "receive returned before its deadline";
}

// Several senders and receivers share one mailbox: every message arrives once, and each
// receiver sees each sender's messages in the order they were sent.
TEST(MessagingMailboxStress, ManySendersManyReceiversKeepPerSenderOrder) {
  constexpr std::uint32_t kSenders = 3;
  constexpr std::uint32_t kReceivers = 2;
  const auto per_sender = static_cast<std::uint32_t>(stress::scaled(6000));
  const std::uint64_t seed = stress::seed();
  Broker broker;
  auto box = broker.open_mailbox("shared");
  std::atomic<std::uint32_t> senders_left{kSenders};
  std::vector<std::vector<std::string>> received(kReceivers);
  stress::run_threads(kSenders + kReceivers, [&](std::size_t index) {
    stress::Noise noise(seed ^ (index * 0x9e3779b97f4a7c15ULL), 20);
    if (index < kSenders) {
      const auto sender = static_cast<std::uint32_t>(index);
      for (std::uint32_t i = 0; i < per_sender; ++i) {
        EXPECT_TRUE(broker.send("shared", text(tag(sender, i), std::to_string(sender))));
        noise();
      }
      senders_left.fetch_sub(1);
      return;
    }
    auto& mine = received[index - kSenders];
    stress::Rng rng(seed + index);
    for (;;) {
      const bool done = senders_left.load() == 0;
      auto message = rng.below(2) == 0 ? box.try_receive() : box.receive(milliseconds(1));
      if (message) {
        mine.push_back(std::move(message->body));
      } else if (done) {
        break;  // every sender had finished before this look found the mailbox empty
      }
      noise();
    }
  });
  std::vector<std::string> all;
  for (std::uint32_t r = 0; r < kReceivers; ++r) {
    std::vector<std::int64_t> last(kSenders, -1);
    for (const auto& body : received[r]) {
      const auto t = messaging_test::parse_tag(body);
      ASSERT_TRUE(t.valid && t.source < kSenders) << body;
      ASSERT_GT(static_cast<std::int64_t>(t.sequence), last[t.source])
          << "receiver " << r << " got " << body << " after " << last[t.source]
          << ": duplicated or out of order";
      last[t.source] = t.sequence;
    }
    all.insert(all.end(), received[r].begin(), received[r].end());
  }
  // Together the receivers got every message exactly once.
  std::vector<std::vector<bool>> seen(kSenders, std::vector<bool>(per_sender, false));
  for (const auto& body : all) {
    const auto t = messaging_test::parse_tag(body);
    ASSERT_LT(t.sequence, per_sender);
    ASSERT_FALSE(seen[t.source][t.sequence]) << body << " was received twice";
    seen[t.source][t.sequence] = true;
  }
  EXPECT_EQ(all.size(), std::size_t{kSenders} * per_sender) << "messages were lost";
}

}  // namespace
}  // namespace lockstep::messaging
