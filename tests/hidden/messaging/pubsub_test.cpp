// Publish-subscribe: every subscriber present at publish time gets the message, in publish
// order per publisher; unsubscribing (RAII) races publishing safely and leaves nothing behind.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "messaging_test_support.hpp"

namespace lockstep::messaging {
namespace {

using messaging_test::expect_exactly_once_in_order;
using messaging_test::parse_tag;
using messaging_test::tag;
using std::chrono::milliseconds;

Message post(std::string body, std::string from = "publisher") {
  return Message{.from = std::move(from), .body = std::move(body)};
}

TEST(MessagingPubSub, EverySubscriberPresentGetsEveryMessageInOrder) {
  Broker broker;
  std::vector<Subscription> subs;
  subs.reserve(3);
  for (int i = 0; i < 3; ++i) {
    subs.push_back(broker.subscribe("news"));
  }
  auto other = broker.subscribe("weather");
  EXPECT_EQ(broker.subscriber_count("news"), 3U);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(broker.publish("news", post(std::to_string(i))), 3U);
  }
  for (auto& sub : subs) {
    EXPECT_EQ(sub.topic(), "news");
    for (int i = 0; i < 5; ++i) {
      auto message = sub.try_receive();
      ASSERT_TRUE(message.has_value()) << "a subscriber missed message " << i;
      EXPECT_EQ(message->body, std::to_string(i));
      EXPECT_EQ(message->from, "publisher");
    }
    EXPECT_EQ(sub.try_receive(), std::nullopt) << "a subscriber got a message twice";
  }
  EXPECT_EQ(other.try_receive(), std::nullopt) << "a message reached another topic";
}

TEST(MessagingPubSub, ASubscriberGetsOnlyWhatIsPublishedWhileItIsSubscribed) {
  Broker broker;
  EXPECT_EQ(broker.publish("news", post("nobody listens")), 0U);
  auto sub = broker.subscribe("news");
  EXPECT_EQ(sub.try_receive(), std::nullopt) << "got a message published before subscribing";
  EXPECT_EQ(broker.publish("news", post("first")), 1U);
  sub.unsubscribe();
  sub.unsubscribe();  // idempotent
  EXPECT_EQ(broker.subscriber_count("news"), 0U);
  EXPECT_EQ(broker.publish("news", post("second")), 0U);
  auto queued = sub.try_receive();
  ASSERT_TRUE(queued.has_value()) << "a message queued before unsubscribe was lost";
  EXPECT_EQ(queued->body, "first");
  EXPECT_EQ(sub.try_receive(), std::nullopt) << "got a message published after unsubscribe";
}

TEST(MessagingPubSub, DestroyingASubscriptionUnsubscribes) {
  Broker broker;
  {
    auto sub = broker.subscribe("news");
    auto moved = std::move(sub);  // the moved-to handle owns the subscription now
    EXPECT_EQ(broker.subscriber_count("news"), 1U);
  }
  EXPECT_EQ(broker.subscriber_count("news"), 0U);
  EXPECT_EQ(broker.publish("news", post("anyone?")), 0U);
}

TEST(MessagingPubSub, ReceiveWaitsForAPublish) {
  Broker broker;
  auto sub = broker.subscribe("news");
  std::optional<Message> got;
  messaging_test::Probe receiver([&] { got = sub.receive(std::chrono::seconds(30)); });
  receiver.wait_until_blocked();
  EXPECT_EQ(broker.publish("news", post("breaking")), 1U);
  receiver.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->body, "breaking");
}

// Several publishers at once, subscribers present throughout: every subscriber receives every
// message exactly once, each publisher's in its publish order.
TEST(MessagingPubSubStress, EachPublishersOrderIsKeptForEverySubscriber) {
  constexpr std::uint32_t kPublishers = 3;
  constexpr std::uint32_t kSubscribers = 3;
  const auto per_publisher = static_cast<std::uint32_t>(stress::scaled(3000));
  const std::uint64_t seed = stress::seed();
  Broker broker;
  std::vector<Subscription> subs;
  subs.reserve(kSubscribers);
  for (std::uint32_t i = 0; i < kSubscribers; ++i) {
    subs.push_back(broker.subscribe("ticks"));
  }
  std::atomic<std::uint32_t> publishers_left{kPublishers};
  std::vector<std::vector<std::string>> received(kSubscribers);
  stress::run_threads(kPublishers + kSubscribers, [&](std::size_t index) {
    stress::Noise noise(seed ^ (index * 0x9e3779b97f4a7c15ULL), 20);
    if (index < kPublishers) {
      const auto publisher = static_cast<std::uint32_t>(index);
      for (std::uint32_t i = 0; i < per_publisher; ++i) {
        EXPECT_EQ(broker.publish("ticks", post(tag(publisher, i))), kSubscribers);
        noise();
      }
      publishers_left.fetch_sub(1);
      return;
    }
    auto& sub = subs[index - kPublishers];
    auto& mine = received[index - kPublishers];
    for (;;) {
      const bool done = publishers_left.load() == 0;
      auto message = sub.receive(milliseconds(1));
      if (message) {
        mine.push_back(std::move(message->body));
      } else if (done) {
        break;
      }
    }
  });
  for (std::uint32_t s = 0; s < kSubscribers; ++s) {
    expect_exactly_once_in_order(received[s], kPublishers, per_publisher,
                                 "subscriber " + std::to_string(s));
  }
}

// Subscriptions come and go while publishers publish. Publishing must read the subscriber
// list under the same protection that subscribe and unsubscribe change it under (TSan and
// ASan watch); a short-lived subscriber still sees each publisher's messages in order and
// never twice; and when all is over no subscription is left behind.
TEST(MessagingPubSubStress, UnsubscribeRacingPublishIsSafe) {
  constexpr std::uint32_t kPublishers = 2;
  constexpr std::uint32_t kChurners = 3;
  const auto per_publisher = static_cast<std::uint32_t>(stress::scaled(4000));
  const std::uint64_t seed = stress::seed();
  Broker broker;
  auto steady = broker.subscribe("churn");  // present throughout: must get everything
  std::atomic<std::uint32_t> publishers_left{kPublishers};
  std::atomic<std::uint64_t> churn_rounds{0};
  stress::run_threads(kPublishers + kChurners, [&](std::size_t index) {
    stress::Noise noise(seed ^ (index * 0x9e3779b97f4a7c15ULL), 50);
    if (index < kPublishers) {
      const auto publisher = static_cast<std::uint32_t>(index);
      for (std::uint32_t i = 0; i < per_publisher; ++i) {
        EXPECT_GE(broker.publish("churn", post(tag(publisher, i))), 1U);
        noise();
      }
      publishers_left.fetch_sub(1);
      return;
    }
    stress::Rng rng(seed + index);
    while (publishers_left.load() != 0) {
      std::vector<std::int64_t> last(kPublishers, -1);
      auto check = [&](const std::optional<Message>& message) {
        if (!message) {
          return;
        }
        const auto t = parse_tag(message->body);
        ASSERT_TRUE(t.valid && t.source < kPublishers) << message->body;
        ASSERT_GT(static_cast<std::int64_t>(t.sequence), last[t.source])
            << "a short-lived subscriber got " << message->body << " after " << t.source << ":"
            << last[t.source];
        last[t.source] = t.sequence;
      };
      {
        auto sub = std::make_unique<Subscription>(broker.subscribe("churn"));
        const auto reads = rng.below(4);
        for (std::uint64_t r = 0; r < reads; ++r) {
          check(sub->try_receive());
          noise();
        }
        if (rng.below(2) == 0) {
          sub->unsubscribe();  // explicitly, then drain what was queued before
          while (auto message = sub->try_receive()) {
            check(message);
          }
        }
      }  // or by the destructor
      churn_rounds.fetch_add(1);
      noise();
    }
  });
  EXPECT_GT(churn_rounds.load(), 0U);
  EXPECT_EQ(broker.subscriber_count("churn"), 1U) << "subscriptions were left behind";
  std::vector<std::string> everything;
  while (auto message = steady.try_receive()) {
    everything.push_back(std::move(message->body));
  }
  expect_exactly_once_in_order(everything, kPublishers, per_publisher, "the steady subscriber");
}

}  // namespace
}  // namespace lockstep::messaging
