#pragma once

// lockstep::messaging — a message broker with delivery guarantees.
//
// Your task: implement every member below so that it keeps the promise written above it.
// The lesson (README.md beside this file) explains the guarantees and how they are tested.
// You own this whole file: add private members, helpers and classes as you like, but keep
// the public API exactly as it is, because the tests are written against it.
//
// Four parts, graded separately (see README.md, "How it is graded"):
//   1. point-to-point: Broker::open_mailbox, Broker::send, Mailbox
//   2. publish-subscribe: Broker::subscribe, Broker::publish, Subscription
//   3. request-reply: Broker::request, Broker::reply
//   4. reliable delivery over a lossy link: ReliableSender, ReliableReceiver

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <lockstep/lossy_transport.hpp>
#include <lockstep/not_implemented.hpp>

namespace lockstep::messaging {

// What travels through the broker.
struct Message {
  std::string from;  // who sent it; on a request, who is asking
  std::string body;
  std::uint64_t correlation_id = 0;  // set by Broker::request; 0 on everything else
};

// The answer to a request.
struct Reply {
  std::string from;  // who answered
  std::string body;
};

class Broker;

// A named point-to-point mailbox, open from open_mailbox() until this handle is destroyed
// (or close() is called). Move-only. receive/try_receive may be called from any number of
// threads at once.
class Mailbox {
 public:
  Mailbox(Mailbox&& other) noexcept = default;  // TODO(student): a moved-from handle owns nothing
  Mailbox& operator=(Mailbox&& other) noexcept = default;
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;
  ~Mailbox() = default;  // TODO(student): closes the mailbox

  [[nodiscard]] const std::string& name() const { return name_; }

  // Waits up to `timeout` for a message; nullopt when none arrived in time or the mailbox
  // is closed and empty. Messages come out in the order they were accepted by send().
  std::optional<Message> receive(std::chrono::nanoseconds timeout) {
    // TODO(student): never return nullopt before the deadline while the mailbox is open.
    (void)timeout;
    throw lockstep::not_implemented("messaging: Mailbox::receive");
  }

  // Never blocks.
  std::optional<Message> try_receive() {
    // TODO(student)
    throw lockstep::not_implemented("messaging: Mailbox::try_receive");
  }

  // Idempotent. Later sends to this name fail (until the name is opened again); messages
  // already queued can still be received.
  void close() {
    // TODO(student)
    throw lockstep::not_implemented("messaging: Mailbox::close");
  }

 private:
  friend class Broker;
  std::string name_;
  // TODO(student): what a handle needs to reach its queue and its broker.
};

// A subscription to one topic, from subscribe() until this handle is destroyed (RAII
// unsubscribe) or unsubscribe() is called. Move-only.
class Subscription {
 public:
  Subscription(Subscription&& other) noexcept = default;  // TODO(student)
  Subscription& operator=(Subscription&& other) noexcept = default;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() = default;  // TODO(student): unsubscribes

  [[nodiscard]] const std::string& topic() const { return topic_; }

  // As Mailbox::receive: the messages published to the topic while subscribed.
  std::optional<Message> receive(std::chrono::nanoseconds timeout) {
    // TODO(student)
    (void)timeout;
    throw lockstep::not_implemented("messaging: Subscription::receive");
  }
  std::optional<Message> try_receive() {
    // TODO(student)
    throw lockstep::not_implemented("messaging: Subscription::try_receive");
  }

  // Idempotent. No publish that starts after this returns reaches this subscription;
  // messages already queued can still be received.
  void unsubscribe() {
    // TODO(student): it may race any number of publish calls on other threads.
    throw lockstep::not_implemented("messaging: Subscription::unsubscribe");
  }

 private:
  friend class Broker;
  std::string topic_;
  // TODO(student)
};

// Every member may be called from any number of threads at once. Every Mailbox and
// Subscription must be destroyed before the Broker that made it.
class Broker {
 public:
  Broker() = default;
  ~Broker() = default;
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;
  Broker(Broker&&) = delete;
  Broker& operator=(Broker&&) = delete;

  // ---- point-to-point ----

  // Opens the mailbox `name`. Throws std::invalid_argument when it is already open.
  Mailbox open_mailbox(std::string name) {
    // TODO(student)
    (void)name;
    throw lockstep::not_implemented("messaging: Broker::open_mailbox");
  }

  // Queues `message` in mailbox `to`. Returns false (and drops it) when no such mailbox is
  // open. Messages from one thread to one mailbox arrive in the order they were sent.
  bool send(const std::string& to, Message message) {
    // TODO(student)
    (void)to;
    (void)message;
    throw lockstep::not_implemented("messaging: Broker::send");
  }

  // ---- publish-subscribe ----

  Subscription subscribe(std::string topic) {
    // TODO(student)
    (void)topic;
    throw lockstep::not_implemented("messaging: Broker::subscribe");
  }

  // Delivers a copy to every subscription of `topic` present when publish is called;
  // returns how many that was. Messages of one publisher arrive in publish order.
  std::size_t publish(const std::string& topic, const Message& message) {
    // TODO(student): subscribe and unsubscribe may change the subscriber list on other
    // threads while you deliver. Never read it without the protection they change it under.
    (void)topic;
    (void)message;
    throw lockstep::not_implemented("messaging: Broker::publish");
  }

  [[nodiscard]] std::size_t subscriber_count(const std::string& topic) const {
    // TODO(student)
    (void)topic;
    throw lockstep::not_implemented("messaging: Broker::subscriber_count");
  }

  // ---- request-reply ----

  // Sends `message` to mailbox `to` with a fresh correlation id and waits up to `timeout`
  // for the reply to exactly that request. nullopt on timeout or when `to` is not open.
  std::optional<Reply> request(const std::string& to, Message message,
                               std::chrono::nanoseconds timeout) {
    // TODO(student): one requester may have several requests waiting at once, and a reply
    // may come after its request gave up.
    (void)to;
    (void)message;
    (void)timeout;
    throw lockstep::not_implemented("messaging: Broker::request");
  }

  // Answers `request` (a message received from a mailbox). Returns true when the reply
  // reached the waiting requester; false, counting a late reply, when that request has
  // already timed out or been answered, or `request` is not a request.
  bool reply(const Message& request, Reply reply) {
    // TODO(student)
    (void)request;
    (void)reply;
    throw lockstep::not_implemented("messaging: Broker::reply");
  }

  // Requests waiting for their reply right now.
  [[nodiscard]] std::size_t pending_requests() const {
    // TODO(student)
    throw lockstep::not_implemented("messaging: Broker::pending_requests");
  }

  // Replies discarded by reply() since the broker was made.
  [[nodiscard]] std::uint64_t late_replies() const {
    // TODO(student)
    throw lockstep::not_implemented("messaging: Broker::late_replies");
  }

 private:
  // TODO(student): the registry of mailboxes, subscribers and pending requests, and what
  // guards it.
};

// ---- reliable delivery over a lossy link ---------------------------------------------

struct SenderOptions {
  std::size_t window = 32;              // most segments sent and not yet acknowledged
  lossy::Tick retransmit_timeout = 20;  // ticks after which an unacknowledged segment is resent
};

// The sending end of a reliable link. send() may be called from any number of threads,
// concurrently with the network thread's on_segment/on_tick. Payloads reach the receiver
// exactly once and in the order send() accepted them.
class ReliableSender {
 public:
  // Throws std::invalid_argument when the window or the timeout is 0.
  explicit ReliableSender(lossy::LossyTransport::Port& port, SenderOptions options = {})
      : port_(port), options_(options) {
    // TODO(student)
  }

  // Queues a payload; never blocks.
  void send(std::string payload) {
    // TODO(student): give it the next sequence number.
    (void)payload;
    throw lockstep::not_implemented("messaging: ReliableSender::send");
  }

  // Network thread: a segment arrived from the receiver (an ack).
  void on_segment(const lossy::Segment& segment) {
    // TODO(student): an acknowledged segment is never sent again.
    (void)segment;
    throw lockstep::not_implemented("messaging: ReliableSender::on_segment");
  }

  // Network thread, once per tick: transmit new segments while fewer than `window` are
  // unacknowledged, and resend those whose timer expired.
  void on_tick(lossy::Tick now) {
    // TODO(student)
    (void)now;
    throw lockstep::not_implemented("messaging: ReliableSender::on_tick");
  }

  // Payloads accepted by send() and not yet acknowledged (queued or in flight).
  [[nodiscard]] std::size_t unacknowledged() const {
    // TODO(student)
    throw lockstep::not_implemented("messaging: ReliableSender::unacknowledged");
  }

 private:
  lossy::LossyTransport::Port& port_;
  const SenderOptions options_;
  // TODO(student): the window, the timers, and what guards them.
};

// The receiving end. on_segment/on_tick are called by the network thread only; `deliver`
// runs there, once per payload, in sequence order.
class ReliableReceiver {
 public:
  ReliableReceiver(lossy::LossyTransport::Port& port, std::function<void(std::string)> deliver)
      : port_(port), deliver_(std::move(deliver)) {}

  // A segment arrived from the sender.
  void on_segment(const lossy::Segment& segment) {
    // TODO(student): acknowledge; deliver each payload once, in order; hold early ones back.
    (void)segment;
    throw lockstep::not_implemented("messaging: ReliableReceiver::on_segment");
  }

  // Once per tick (you may have nothing to do here).
  void on_tick(lossy::Tick now) {
    // TODO(student)
    (void)now;
    throw lockstep::not_implemented("messaging: ReliableReceiver::on_tick");
  }

  // Payloads handed to `deliver` so far. Safe from any thread.
  [[nodiscard]] std::uint64_t delivered() const {
    // TODO(student)
    throw lockstep::not_implemented("messaging: ReliableReceiver::delivered");
  }

 private:
  lossy::LossyTransport::Port& port_;
  std::function<void(std::string)> deliver_;
  // TODO(student)
};

}  // namespace lockstep::messaging
