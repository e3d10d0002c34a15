// Request-reply: a reply reaches exactly the request it answers (by correlation id), a
// request gives up at its deadline, late replies are discarded, nothing is left pending.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "messaging_test_support.hpp"

namespace lockstep::messaging {
namespace {

using messaging_test::Probe;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

Message ask(std::string body, std::string from = "client") {
  return Message{.from = std::move(from), .body = std::move(body)};
}

TEST(MessagingRequest, ReplyReachesTheRequester) {
  Broker broker;
  auto server = broker.open_mailbox("server");
  std::optional<Reply> answer;
  Probe client([&] { answer = broker.request("server", ask("ping"), seconds(30)); });
  auto request = server.receive(seconds(30));
  ASSERT_TRUE(request.has_value()) << "the request never reached the server's mailbox";
  EXPECT_EQ(request->body, "ping");
  EXPECT_EQ(request->from, "client");
  EXPECT_NE(request->correlation_id, 0U) << "a request must carry a correlation id";
  EXPECT_TRUE(broker.reply(*request, Reply{.from = "server", .body = "pong"}));
  client.join();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->body, "pong");
  EXPECT_EQ(answer->from, "server");
  EXPECT_EQ(broker.pending_requests(), 0U);
  EXPECT_EQ(broker.late_replies(), 0U);
}

TEST(MessagingRequest, GivesUpAtItsDeadlineWhenNobodyAnswers) {
  Broker broker;
  auto server = broker.open_mailbox("server");
  const auto timeout = milliseconds(40);
  const auto start = steady_clock::now();
  EXPECT_EQ(broker.request("server", ask("hello?"), timeout), std::nullopt);
  EXPECT_GE(steady_clock::now() - start, timeout) << "request returned before its deadline";
  EXPECT_EQ(broker.pending_requests(), 0U) << "a timed-out request was left pending";
}

// The deadline is far beyond the test's time limit: a request to a mailbox that does not
// exist must fail at once instead of waiting for it.
TEST(MessagingRequest, ToAMailboxNobodyOpenedFailsAtOnce) {
  Broker broker;
  EXPECT_EQ(broker.request("nobody", ask("hello?"), seconds(600)), std::nullopt);
  EXPECT_EQ(broker.pending_requests(), 0U);
}

// The first request times out; its reply arrives while a second request from the same
// requester is waiting. The late reply must be discarded, not handed to the second request.
TEST(MessagingRequest, LateReplyIsDiscardedNotDeliveredToALaterRequest) {
  Broker broker;
  auto server = broker.open_mailbox("server");
  std::optional<Reply> first = Reply{"unset", "unset"};
  {
    Probe client([&] { first = broker.request("server", ask("first"), milliseconds(20)); });
    client.join();
  }
  EXPECT_EQ(first, std::nullopt) << "nobody answered the first request";
  auto first_request = server.try_receive();
  ASSERT_TRUE(first_request.has_value());

  std::optional<Reply> second;
  Probe client([&] { second = broker.request("server", ask("second"), seconds(30)); });
  auto second_request = server.receive(seconds(30));
  ASSERT_TRUE(second_request.has_value());
  ASSERT_EQ(second_request->body, "second");
  EXPECT_NE(second_request->correlation_id, first_request->correlation_id);
  client.wait_until_blocked();

  EXPECT_FALSE(broker.reply(*first_request, Reply{.from = "server", .body = "to first"}))
      << "a reply to a timed-out request was accepted";
  EXPECT_TRUE(broker.reply(*second_request, Reply{.from = "server", .body = "to second"}));
  client.join();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->body, "to second") << "the second request got another request's reply";
  EXPECT_EQ(broker.late_replies(), 1U);
  EXPECT_EQ(broker.pending_requests(), 0U);
}

TEST(MessagingRequest, OnlyTheFirstReplyToARequestCounts) {
  Broker broker;
  auto server = broker.open_mailbox("server");
  std::optional<Reply> answer;
  Probe client([&] { answer = broker.request("server", ask("once"), seconds(30)); });
  auto request = server.receive(seconds(30));
  ASSERT_TRUE(request.has_value());
  EXPECT_TRUE(broker.reply(*request, Reply{.from = "a", .body = "first"}));
  client.join();
  EXPECT_FALSE(broker.reply(*request, Reply{.from = "b", .body = "second"}));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->body, "first");
  EXPECT_EQ(broker.late_replies(), 1U);
  EXPECT_FALSE(broker.reply(Message{.from = "x", .body = "not a request"}, Reply{}))
      << "a reply to a message that is not a request was accepted";
}

// Many timed-out requests leave nothing pending, and every late reply is counted and dropped.
TEST(MessagingRequest, TimedOutRequestsLeaveNothingBehind) {
  constexpr int kRequests = 40;
  Broker broker;
  auto server = broker.open_mailbox("server");
  for (int i = 0; i < kRequests; ++i) {
    EXPECT_EQ(broker.request("server", ask(std::to_string(i)), milliseconds(1)), std::nullopt);
  }
  EXPECT_EQ(broker.pending_requests(), 0U);
  int answered = 0;
  while (auto request = server.try_receive()) {
    EXPECT_FALSE(broker.reply(*request, Reply{.from = "server", .body = "too late"}));
    ++answered;
  }
  EXPECT_EQ(answered, kRequests);
  EXPECT_EQ(broker.late_replies(), static_cast<std::uint64_t>(kRequests));
  EXPECT_EQ(broker.pending_requests(), 0U);
}

// Several threads of one requester ask at once; two servers answer. Each request gets the
// reply to itself: replies are routed by correlation id, not by who asked.
TEST(MessagingRequestStress, ConcurrentRequestsFromOneRequesterGetTheirOwnReplies) {
  constexpr std::size_t kClients = 4;
  constexpr std::size_t kServers = 2;
  const std::size_t per_client = stress::scaled(600);
  const std::uint64_t seed = stress::seed();
  Broker broker;
  auto server_box = broker.open_mailbox("server");
  std::atomic<std::size_t> clients_left{kClients};
  std::atomic<std::size_t> wrong{0};
  stress::run_threads(kClients + kServers, [&](std::size_t index) {
    stress::Noise noise(seed ^ (index * 0x9e3779b97f4a7c15ULL), 20);
    if (index < kClients) {
      for (std::size_t i = 0; i < per_client; ++i) {
        std::string body = std::to_string(index);
        body += '/';
        body += std::to_string(i);
        // Generous: a correct broker answers in microseconds; a misrouted reply leaves a
        // request waiting, and this bounds how long.
        auto answer = broker.request("server", ask(body), seconds(10));
        if (!answer || answer->body != "re " + body) {
          wrong.fetch_add(1);
          ADD_FAILURE() << "request " << body << " got "
                        << (answer ? answer->body : std::string("no reply"));
          break;
        }
        noise();
      }
      clients_left.fetch_sub(1);
      return;
    }
    while (clients_left.load() != 0) {
      auto request = server_box.receive(milliseconds(1));
      if (request) {
        noise();
        broker.reply(*request, Reply{.from = "server", .body = "re " + request->body});
      }
    }
  });
  EXPECT_EQ(wrong.load(), 0U);
  EXPECT_EQ(broker.pending_requests(), 0U);
}

}  // namespace
}  // namespace lockstep::messaging
