#pragma once

// lockstep::messaging — a message broker with delivery guarantees.
//
// MUTANT (known-bad on purpose): on a timeout the sender resends its whole window (go-
// back-N), acknowledged segments included, instead of only the segments whose timer
// expired: at 10% loss almost every window has a loss and the link carries several
// times the payloads

#include <algorithm>
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

namespace detail {
class Queue;
}  // namespace detail

class Broker;

// A named point-to-point mailbox, open from open_mailbox() until this handle is destroyed
// (or close() is called). Move-only. receive/try_receive may be called from any number of
// threads at once.
class Mailbox {
 public:
  Mailbox(Mailbox&& other) noexcept
      : broker_(std::exchange(other.broker_, nullptr)),
        name_(std::move(other.name_)),
        queue_(std::move(other.queue_)) {}
  Mailbox& operator=(Mailbox&& other) noexcept;
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;
  ~Mailbox();  // closes the mailbox

  [[nodiscard]] const std::string& name() const { return name_; }
  // Waits up to `timeout` for a message; nullopt when none arrived in time or the mailbox
  // is closed and empty. Messages come out in the order they were accepted by send().
  std::optional<Message> receive(std::chrono::nanoseconds timeout);
  // Never blocks.
  std::optional<Message> try_receive();
  // Idempotent. Later sends to this name fail (until the name is opened again); messages
  // already queued can still be received.
  void close();

 private:
  friend class Broker;
  Mailbox(Broker* broker, std::string name, std::shared_ptr<detail::Queue> queue)
      : broker_(broker), name_(std::move(name)), queue_(std::move(queue)) {}

  Broker* broker_ = nullptr;
  std::string name_;
  std::shared_ptr<detail::Queue> queue_;
};

// A subscription to one topic, from subscribe() until this handle is destroyed (RAII
// unsubscribe) or unsubscribe() is called. Move-only.
class Subscription {
 public:
  Subscription(Subscription&& other) noexcept
      : broker_(std::exchange(other.broker_, nullptr)),
        topic_(std::move(other.topic_)),
        id_(other.id_),
        queue_(std::move(other.queue_)) {}
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription();  // unsubscribes

  [[nodiscard]] const std::string& topic() const { return topic_; }
  // As Mailbox::receive: the messages published to the topic while subscribed.
  std::optional<Message> receive(std::chrono::nanoseconds timeout);
  std::optional<Message> try_receive();
  // Idempotent. No publish that starts after this returns reaches this subscription;
  // messages already queued can still be received.
  void unsubscribe();

 private:
  friend class Broker;
  Subscription(Broker* broker, std::string topic, std::uint64_t id,
               std::shared_ptr<detail::Queue> queue)
      : broker_(broker), topic_(std::move(topic)), id_(id), queue_(std::move(queue)) {}

  Broker* broker_ = nullptr;
  std::string topic_;
  std::uint64_t id_ = 0;
  std::shared_ptr<detail::Queue> queue_;
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
  Mailbox open_mailbox(std::string name);
  // Queues `message` in mailbox `to`. Returns false (and drops it) when no such mailbox is
  // open. Messages from one thread to one mailbox arrive in the order they were sent.
  bool send(const std::string& to, Message message);

  // ---- publish-subscribe ----
  Subscription subscribe(std::string topic);
  // Delivers a copy to every subscription of `topic` present when publish is called;
  // returns how many that was. Messages of one publisher arrive in publish order.
  std::size_t publish(const std::string& topic, const Message& message);
  [[nodiscard]] std::size_t subscriber_count(const std::string& topic) const;

  // ---- request-reply ----
  // Sends `message` to mailbox `to` with a fresh correlation id and waits up to `timeout`
  // for the reply to exactly that request. nullopt on timeout or when `to` is not open.
  std::optional<Reply> request(const std::string& to, Message message,
                               std::chrono::nanoseconds timeout);
  // Answers `request` (a message received from a mailbox). Returns true when the reply
  // reached the waiting requester; false, counting a late reply, when that request has
  // already timed out or been answered, or `request` is not a request.
  bool reply(const Message& request, Reply reply);
  // Requests waiting for their reply right now.
  [[nodiscard]] std::size_t pending_requests() const;
  // Replies discarded by reply() since the broker was made.
  [[nodiscard]] std::uint64_t late_replies() const;

 private:
  friend class Mailbox;
  friend class Subscription;
  using Clock = std::chrono::steady_clock;

  struct PendingRequest {
    std::condition_variable answered;  // waited on with mutex_
    std::optional<Reply> reply;        // guarded by mutex_
  };
  struct Subscriber {
    std::uint64_t id;
    std::shared_ptr<detail::Queue> queue;
  };

  void close_mailbox(const std::string& name, const detail::Queue* queue);
  void unsubscribe(const std::string& topic, std::uint64_t id);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<detail::Queue>> mailboxes_;   // mutex_
  std::unordered_map<std::string, std::vector<Subscriber>> topics_;             // mutex_
  std::unordered_map<std::uint64_t, std::shared_ptr<PendingRequest>> pending_;  // mutex_
  std::uint64_t next_subscriber_id_ = 1;                                        // mutex_
  std::uint64_t next_correlation_id_ = 1;                                       // mutex_
  std::uint64_t late_replies_ = 0;                                              // mutex_
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
  explicit ReliableSender(lossy::LossyTransport::Port& port, SenderOptions options = {});

  // Queues a payload; never blocks.
  void send(std::string payload);
  // Network thread: a segment arrived from the receiver.
  void on_segment(const lossy::Segment& segment);
  // Network thread, once per tick: transmit new segments the window allows and resend
  // those whose timer expired.
  void on_tick(lossy::Tick now);
  // Payloads accepted by send() and not yet acknowledged (queued or in flight).
  [[nodiscard]] std::size_t unacknowledged() const;

 private:
  struct Outgoing {
    std::string payload;
    bool acked = false;
    bool sent = false;
    lossy::Tick sent_at = 0;
  };

  lossy::LossyTransport::Port& port_;
  const SenderOptions options_;
  mutable std::mutex mutex_;
  std::deque<Outgoing> outgoing_;  // mutex_; outgoing_[i] has sequence number base_ + i
  std::uint64_t base_ = 0;         // mutex_
};

// The receiving end. on_segment/on_tick are called by the network thread only; `deliver`
// runs there, once per payload, in sequence order.
class ReliableReceiver {
 public:
  ReliableReceiver(lossy::LossyTransport::Port& port, std::function<void(std::string)> deliver);

  void on_segment(const lossy::Segment& segment);
  void on_tick(lossy::Tick now);
  // Payloads handed to `deliver` so far. Any thread.
  [[nodiscard]] std::uint64_t delivered() const { return delivered_.load(); }

 private:
  lossy::LossyTransport::Port& port_;
  std::function<void(std::string)> deliver_;
  std::uint64_t next_ = 0;                      // network thread only: next sequence to deliver
  std::map<std::uint64_t, std::string> ahead_;  // network thread only: arrived early
  std::atomic<std::uint64_t> delivered_{0};
};

// ---- implementation ----------------------------------------------------------------

namespace detail {

// An unbounded MPMC queue of messages that can be closed.
class Queue {
 public:
  // False when the queue is closed (the message is dropped).
  bool push(Message message) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) {
        return false;
      }
      messages_.push_back(std::move(message));
    }
    not_empty_.notify_one();
    return true;
  }

  std::optional<Message> pop_for(std::chrono::nanoseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mutex_);
    // wait_until re-checks the predicate at the deadline, so a message that arrived with
    // it is still taken.
    if (!not_empty_.wait_until(lock, deadline, [this] { return closed_ || !messages_.empty(); }) ||
        messages_.empty()) {
      return std::nullopt;
    }
    return take_locked();
  }

  std::optional<Message> try_pop() {
    std::lock_guard lock(mutex_);
    if (messages_.empty()) {
      return std::nullopt;
    }
    return take_locked();
  }

  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    not_empty_.notify_all();
  }

 private:
  Message take_locked() {
    Message message = std::move(messages_.front());
    messages_.pop_front();
    return message;
  }

  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::deque<Message> messages_;  // guarded by mutex_
  bool closed_ = false;           // guarded by mutex_
};

inline std::shared_ptr<Queue> require(const std::shared_ptr<Queue>& queue) {
  if (!queue) {
    throw std::logic_error("messaging: use of a moved-from handle");
  }
  return queue;
}

}  // namespace detail

// ---- Mailbox -----------------------------------------------------------------------

inline Mailbox& Mailbox::operator=(Mailbox&& other) noexcept {
  if (this != &other) {
    close();
    broker_ = std::exchange(other.broker_, nullptr);
    name_ = std::move(other.name_);
    queue_ = std::move(other.queue_);
  }
  return *this;
}

inline Mailbox::~Mailbox() {
  close();
}

inline std::optional<Message> Mailbox::receive(std::chrono::nanoseconds timeout) {
  return detail::require(queue_)->pop_for(timeout);
}

inline std::optional<Message> Mailbox::try_receive() {
  return detail::require(queue_)->try_pop();
}

inline void Mailbox::close() {
  if (broker_ != nullptr && queue_) {
    broker_->close_mailbox(name_, queue_.get());
    queue_->close();
    broker_ = nullptr;
  }
}

// ---- Subscription ------------------------------------------------------------------

inline Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    unsubscribe();
    broker_ = std::exchange(other.broker_, nullptr);
    topic_ = std::move(other.topic_);
    id_ = other.id_;
    queue_ = std::move(other.queue_);
  }
  return *this;
}

inline Subscription::~Subscription() {
  unsubscribe();
}

inline std::optional<Message> Subscription::receive(std::chrono::nanoseconds timeout) {
  return detail::require(queue_)->pop_for(timeout);
}

inline std::optional<Message> Subscription::try_receive() {
  return detail::require(queue_)->try_pop();
}

inline void Subscription::unsubscribe() {
  if (broker_ != nullptr) {
    broker_->unsubscribe(topic_, id_);
    broker_ = nullptr;
  }
}

// ---- Broker ------------------------------------------------------------------------

inline Mailbox Broker::open_mailbox(std::string name) {
  auto queue = std::make_shared<detail::Queue>();
  {
    std::lock_guard lock(mutex_);
    if (!mailboxes_.emplace(name, queue).second) {
      throw std::invalid_argument("messaging: mailbox '" + name + "' is already open");
    }
  }
  return Mailbox(this, std::move(name), std::move(queue));
}

inline void Broker::close_mailbox(const std::string& name, const detail::Queue* queue) {
  std::lock_guard lock(mutex_);
  auto it = mailboxes_.find(name);
  if (it != mailboxes_.end() && it->second.get() == queue) {
    mailboxes_.erase(it);
  }
}

inline bool Broker::send(const std::string& to, Message message) {
  std::shared_ptr<detail::Queue> queue;
  {
    std::lock_guard lock(mutex_);
    auto it = mailboxes_.find(to);
    if (it == mailboxes_.end()) {
      return false;
    }
    queue = it->second;
  }
  // Pushed outside the registry lock; a mailbox closed meanwhile refuses the message.
  return queue->push(std::move(message));
}

inline Subscription Broker::subscribe(std::string topic) {
  auto queue = std::make_shared<detail::Queue>();
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_subscriber_id_++;
    topics_[topic].push_back(Subscriber{id, queue});
  }
  return Subscription(this, std::move(topic), id, std::move(queue));
}

inline void Broker::unsubscribe(const std::string& topic, std::uint64_t id) {
  std::shared_ptr<detail::Queue> removed;  // released after the lock
  std::lock_guard lock(mutex_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) {
    return;
  }
  auto& subscribers = it->second;
  for (auto sub = subscribers.begin(); sub != subscribers.end(); ++sub) {
    if (sub->id == id) {
      removed = std::move(sub->queue);
      subscribers.erase(sub);
      break;
    }
  }
  if (subscribers.empty()) {
    topics_.erase(it);  // no empty topics left behind: subscribe/unsubscribe churn does not grow
  }
}

inline std::size_t Broker::publish(const std::string& topic, const Message& message) {
  // The subscribers present now are the ones this publish reaches: a copy taken under the
  // lock. The shared_ptrs keep each queue alive while we push, even if its subscription
  // is destroyed meanwhile (the push then goes to a queue nobody reads, and is freed with it).
  std::vector<std::shared_ptr<detail::Queue>> targets;
  {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(topic);
    if (it == topics_.end()) {
      return 0;
    }
    targets.reserve(it->second.size());
    for (const auto& sub : it->second) {
      targets.push_back(sub.queue);
    }
  }
  for (const auto& queue : targets) {
    queue->push(message);
  }
  return targets.size();
}

inline std::size_t Broker::subscriber_count(const std::string& topic) const {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(topic);
  return it == topics_.end() ? 0 : it->second.size();
}

inline std::optional<Reply> Broker::request(const std::string& to, Message message,
                                            std::chrono::nanoseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto pending = std::make_shared<PendingRequest>();
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_correlation_id_++;
    pending_.emplace(id, pending);
  }
  message.correlation_id = id;
  std::unique_lock lock(mutex_, std::defer_lock);
  if (send(to, std::move(message))) {
    lock.lock();
    pending->answered.wait_until(lock, deadline, [&] { return pending->reply.has_value(); });
  } else {
    lock.lock();
  }
  // Whatever happened, this request is over: a reply from now on is late.
  pending_.erase(id);
  return std::move(pending->reply);
}

inline bool Broker::reply(const Message& request, Reply reply) {
  std::shared_ptr<PendingRequest> pending;
  {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(request.correlation_id);  // by correlation id, never by sender
    if (it == pending_.end() || it->second->reply.has_value()) {
      ++late_replies_;
      return false;
    }
    pending = it->second;
    pending->reply = std::move(reply);
  }
  pending->answered.notify_one();
  return true;
}

inline std::size_t Broker::pending_requests() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

inline std::uint64_t Broker::late_replies() const {
  std::lock_guard lock(mutex_);
  return late_replies_;
}

// ---- ReliableSender ----------------------------------------------------------------

inline ReliableSender::ReliableSender(lossy::LossyTransport::Port& port, SenderOptions options)
    : port_(port), options_(options) {
  if (options_.window == 0 || options_.retransmit_timeout == 0) {
    throw std::invalid_argument("messaging: window and retransmit_timeout must be positive");
  }
}

inline void ReliableSender::send(std::string payload) {
  std::lock_guard lock(mutex_);
  outgoing_.push_back(Outgoing{std::move(payload)});
}

inline void ReliableSender::on_segment(const lossy::Segment& segment) {
  if (segment.kind != lossy::Segment::Kind::ack) {
    return;
  }
  std::lock_guard lock(mutex_);
  // An ack for a segment already slid out of the window, or never sent, changes nothing.
  if (segment.seq < base_ || segment.seq - base_ >= outgoing_.size()) {
    return;
  }
  outgoing_[segment.seq - base_].acked = true;
  while (!outgoing_.empty() && outgoing_.front().acked) {
    outgoing_.pop_front();  // acknowledged: never sent again, memory released
    ++base_;
  }
}

inline void ReliableSender::on_tick(lossy::Tick now) {
  std::vector<lossy::Segment> to_transmit;
  {
    std::lock_guard lock(mutex_);
    const std::size_t in_window = std::min(options_.window, outgoing_.size());
    // Go back N: when one segment times out, everything sent in the window goes again.
    bool expired = false;
    for (std::size_t i = 0; i < in_window; ++i) {
      const auto& out = outgoing_[i];
      expired =
          expired || (!out.acked && out.sent && now - out.sent_at >= options_.retransmit_timeout);
    }
    for (std::size_t i = 0; i < in_window; ++i) {
      auto& out = outgoing_[i];
      if (out.sent && !expired) {
        continue;
      }
      out.sent = true;
      out.sent_at = now;
      to_transmit.push_back(lossy::Segment{lossy::Segment::Kind::data, base_ + i, out.payload});
    }
  }
  // Transmitted outside our lock: the transport has its own.
  for (auto& segment : to_transmit) {
    port_.transmit(std::move(segment));
  }
}

inline std::size_t ReliableSender::unacknowledged() const {
  std::lock_guard lock(mutex_);
  return outgoing_.size();
}

// ---- ReliableReceiver --------------------------------------------------------------

inline ReliableReceiver::ReliableReceiver(lossy::LossyTransport::Port& port,
                                          std::function<void(std::string)> deliver)
    : port_(port), deliver_(std::move(deliver)) {}

inline void ReliableReceiver::on_segment(const lossy::Segment& segment) {
  if (segment.kind != lossy::Segment::Kind::data) {
    return;
  }
  // Always acknowledge, duplicates included: the ack of the first copy may have been lost.
  port_.transmit(lossy::Segment{lossy::Segment::Kind::ack, segment.seq, {}});
  if (segment.seq < next_) {
    return;  // already delivered: a duplicate or a retransmission
  }
  ahead_.emplace(segment.seq, segment.payload);  // no effect when already buffered
  while (!ahead_.empty() && ahead_.begin()->first == next_) {
    auto node = ahead_.extract(ahead_.begin());
    ++next_;
    deliver_(std::move(node.mapped()));
    delivered_.fetch_add(1);
  }
}

inline void ReliableReceiver::on_tick(lossy::Tick /*now*/) {}

}  // namespace lockstep::messaging
