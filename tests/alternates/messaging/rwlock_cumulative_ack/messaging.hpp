#pragma once

// lockstep::messaging — a message broker with delivery guarantees.
//
// Alternate solution, on a different design from the reference:
//   Broker: the registry (mailboxes, topics, pending requests) is guarded by a
//   std::shared_mutex. send and publish hold it shared for the whole delivery (so many
//   publishers deliver at once and a subscriber can never be removed mid-delivery);
//   open/close, subscribe/unsubscribe, request registration and reply hold it exclusive.
//   Lock order is always registry, then one inbox. Requests wait on a std::future whose
//   std::promise sits in the registry under its correlation id; whoever removes the entry
//   first (the reply, or the request giving up) decides whether the reply counts.
//   ReliableSender / ReliableReceiver: cumulative acknowledgements (an ack carries the next
//   sequence number the receiver expects), one retransmission timer for the oldest
//   unacknowledged segment, fast retransmit on the third duplicate ack. send() only appends
//   to an intake list under a small mutex; the window itself belongs to the network thread.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <lockstep/lossy_transport.hpp>

namespace lockstep::messaging {

struct Message {
  std::string from;
  std::string body;
  std::uint64_t correlation_id = 0;
};

struct Reply {
  std::string from;
  std::string body;
};

namespace detail {

class Inbox {
 public:
  // Caller holds the registry lock (shared or exclusive); takes the inbox's own lock.
  bool push(Message message) {
    std::lock_guard lock(mutex_);
    if (closed_) {
      return false;
    }
    messages_.push_back(std::move(message));
    arrived_.notify_one();  // under the lock: cheap here, and keeps the waiter's view simple
    return true;
  }
  std::optional<Message> pop_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    while (messages_.empty() && !closed_) {
      if (arrived_.wait_until(lock, deadline) == std::cv_status::timeout) {
        break;
      }
    }
    if (messages_.empty()) {
      return std::nullopt;
    }
    Message message = std::move(messages_.front());
    messages_.pop_front();
    return message;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    arrived_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<Message> messages_;  // mutex_
  bool closed_ = false;           // mutex_
};

}  // namespace detail

class Broker;

class Mailbox {
 public:
  Mailbox(Mailbox&& other) noexcept
      : broker_(std::exchange(other.broker_, nullptr)),
        name_(std::move(other.name_)),
        inbox_(std::move(other.inbox_)) {}
  Mailbox& operator=(Mailbox&& other) noexcept {
    if (this != &other) {
      close();
      broker_ = std::exchange(other.broker_, nullptr);
      name_ = std::move(other.name_);
      inbox_ = std::move(other.inbox_);
    }
    return *this;
  }
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;
  ~Mailbox() { close(); }

  [[nodiscard]] const std::string& name() const { return name_; }
  std::optional<Message> receive(std::chrono::nanoseconds timeout) {
    return inbox().pop_until(std::chrono::steady_clock::now() + timeout);
  }
  std::optional<Message> try_receive() { return inbox().pop_until({}); }
  void close();

 private:
  friend class Broker;
  Mailbox(Broker* broker, std::string name, std::shared_ptr<detail::Inbox> inbox)
      : broker_(broker), name_(std::move(name)), inbox_(std::move(inbox)) {}
  detail::Inbox& inbox() {
    if (!inbox_) {
      throw std::logic_error("messaging: moved-from Mailbox");
    }
    return *inbox_;
  }

  Broker* broker_;
  std::string name_;
  std::shared_ptr<detail::Inbox> inbox_;
};

class Subscription {
 public:
  Subscription(Subscription&& other) noexcept
      : broker_(std::exchange(other.broker_, nullptr)),
        topic_(std::move(other.topic_)),
        inbox_(std::move(other.inbox_)) {}
  Subscription& operator=(Subscription&& other) noexcept {
    if (this != &other) {
      unsubscribe();
      broker_ = std::exchange(other.broker_, nullptr);
      topic_ = std::move(other.topic_);
      inbox_ = std::move(other.inbox_);
    }
    return *this;
  }
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { unsubscribe(); }

  [[nodiscard]] const std::string& topic() const { return topic_; }
  std::optional<Message> receive(std::chrono::nanoseconds timeout) {
    return inbox().pop_until(std::chrono::steady_clock::now() + timeout);
  }
  std::optional<Message> try_receive() { return inbox().pop_until({}); }
  void unsubscribe();

 private:
  friend class Broker;
  Subscription(Broker* broker, std::string topic, std::shared_ptr<detail::Inbox> inbox)
      : broker_(broker), topic_(std::move(topic)), inbox_(std::move(inbox)) {}
  detail::Inbox& inbox() {
    if (!inbox_) {
      throw std::logic_error("messaging: moved-from Subscription");
    }
    return *inbox_;
  }

  Broker* broker_;
  std::string topic_;
  std::shared_ptr<detail::Inbox> inbox_;  // its address identifies the subscription
};

class Broker {
 public:
  Broker() = default;
  ~Broker() = default;
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;
  Broker(Broker&&) = delete;
  Broker& operator=(Broker&&) = delete;

  Mailbox open_mailbox(std::string name) {
    auto inbox = std::make_shared<detail::Inbox>();
    {
      std::unique_lock lock(registry_);
      if (mailboxes_.count(name) != 0) {
        throw std::invalid_argument("messaging: mailbox already open: " + name);
      }
      mailboxes_[name] = inbox;
    }
    return Mailbox(this, std::move(name), std::move(inbox));
  }

  bool send(const std::string& to, Message message) {
    std::shared_lock lock(registry_);
    auto it = mailboxes_.find(to);
    return it != mailboxes_.end() && it->second->push(std::move(message));
  }

  Subscription subscribe(std::string topic) {
    auto inbox = std::make_shared<detail::Inbox>();
    {
      std::unique_lock lock(registry_);
      topics_[topic].push_back(inbox);
    }
    return Subscription(this, std::move(topic), std::move(inbox));
  }

  std::size_t publish(const std::string& topic, const Message& message) {
    // Shared for the whole delivery: no subscriber can come or go meanwhile, so the ones
    // reached are exactly those present when the lock was taken.
    std::shared_lock lock(registry_);
    auto it = topics_.find(topic);
    if (it == topics_.end()) {
      return 0;
    }
    for (const auto& inbox : it->second) {
      inbox->push(message);
    }
    return it->second.size();
  }

  [[nodiscard]] std::size_t subscriber_count(const std::string& topic) const {
    std::shared_lock lock(registry_);
    auto it = topics_.find(topic);
    return it == topics_.end() ? 0 : it->second.size();
  }

  std::optional<Reply> request(const std::string& to, Message message,
                               std::chrono::nanoseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::future<Reply> answer;
    {
      std::unique_lock lock(registry_);
      message.correlation_id = next_correlation_id_++;
      answer = pending_[message.correlation_id].get_future();
    }
    const std::uint64_t id = message.correlation_id;
    if (send(to, std::move(message))) {
      answer.wait_until(deadline);
    }
    {
      std::unique_lock lock(registry_);
      if (pending_.erase(id) != 0) {
        return std::nullopt;  // nobody answered in time; any reply from now on is late
      }
    }
    return answer.get();  // reply() removed the entry after setting the value
  }

  bool reply(const Message& request, Reply reply) {
    std::unique_lock lock(registry_);
    auto it = pending_.find(request.correlation_id);
    if (request.correlation_id == 0 || it == pending_.end()) {
      late_replies_.fetch_add(1);
      return false;
    }
    it->second.set_value(std::move(reply));
    pending_.erase(it);
    return true;
  }

  [[nodiscard]] std::size_t pending_requests() const {
    std::shared_lock lock(registry_);
    return pending_.size();
  }
  [[nodiscard]] std::uint64_t late_replies() const { return late_replies_.load(); }

 private:
  friend class Mailbox;
  friend class Subscription;

  void close_mailbox(const std::string& name, const std::shared_ptr<detail::Inbox>& inbox) {
    {
      std::unique_lock lock(registry_);
      auto it = mailboxes_.find(name);
      if (it != mailboxes_.end() && it->second == inbox) {
        mailboxes_.erase(it);
      }
    }
    inbox->close();
  }
  void unsubscribe(const std::string& topic, const std::shared_ptr<detail::Inbox>& inbox) {
    std::unique_lock lock(registry_);
    auto it = topics_.find(topic);
    if (it == topics_.end()) {
      return;
    }
    auto& inboxes = it->second;
    inboxes.erase(std::remove(inboxes.begin(), inboxes.end(), inbox), inboxes.end());
    if (inboxes.empty()) {
      topics_.erase(it);
    }
  }

  mutable std::shared_mutex registry_;
  std::map<std::string, std::shared_ptr<detail::Inbox>> mailboxes_;            // registry_
  std::map<std::string, std::vector<std::shared_ptr<detail::Inbox>>> topics_;  // registry_
  std::map<std::uint64_t, std::promise<Reply>> pending_;                       // registry_
  std::uint64_t next_correlation_id_ = 1;                                      // registry_
  std::atomic<std::uint64_t> late_replies_{0};
};

inline void Mailbox::close() {
  if (broker_ != nullptr) {
    broker_->close_mailbox(name_, inbox_);
    broker_ = nullptr;
  }
}

inline void Subscription::unsubscribe() {
  if (broker_ != nullptr) {
    broker_->unsubscribe(topic_, inbox_);
    broker_ = nullptr;
  }
}

// ---- reliable delivery: cumulative acks, one timer, fast retransmit -------------------

struct SenderOptions {
  std::size_t window = 32;
  lossy::Tick retransmit_timeout = 20;
};

class ReliableSender {
 public:
  explicit ReliableSender(lossy::LossyTransport::Port& port, SenderOptions options = {})
      : port_(port), options_(options) {
    if (options.window == 0 || options.retransmit_timeout == 0) {
      throw std::invalid_argument("messaging: window and timeout must be positive");
    }
  }

  void send(std::string payload) {
    std::lock_guard lock(intake_mutex_);
    intake_.push_back(std::move(payload));
    unacknowledged_.fetch_add(1);
  }

  // Network thread only (as is everything below but unacknowledged()).
  void on_segment(const lossy::Segment& segment) {
    if (segment.kind != lossy::Segment::Kind::ack) {
      return;
    }
    const std::uint64_t next_expected = segment.seq;
    if (next_expected > base_ && next_expected <= next_to_send_) {
      const auto newly = next_expected - base_;
      window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(newly));
      base_ = next_expected;
      unacknowledged_.fetch_sub(newly);
      duplicate_acks_ = 0;
      timer_started_ = port_.now();  // the new oldest segment gets a full timeout
    } else if (next_expected == base_ && base_ < next_to_send_) {
      if (++duplicate_acks_ == 3) {
        fast_retransmit_ = true;  // three acks past a gap: the oldest segment is lost
      }
    }
  }

  void on_tick(lossy::Tick now) {
    {
      std::lock_guard lock(intake_mutex_);
      while (!intake_.empty()) {
        window_.push_back(std::move(intake_.front()));
        intake_.pop_front();
      }
    }
    const bool outstanding = base_ < next_to_send_;
    if (outstanding && (fast_retransmit_ || now - timer_started_ >= options_.retransmit_timeout)) {
      port_.transmit(lossy::Segment{lossy::Segment::Kind::data, base_, window_.front()});
      timer_started_ = now;
      fast_retransmit_ = false;
    }
    while (next_to_send_ - base_ < options_.window && next_to_send_ - base_ < window_.size()) {
      if (base_ == next_to_send_) {
        timer_started_ = now;
      }
      port_.transmit(lossy::Segment{lossy::Segment::Kind::data, next_to_send_,
                                    window_[next_to_send_ - base_]});
      ++next_to_send_;
    }
  }

  [[nodiscard]] std::size_t unacknowledged() const { return unacknowledged_.load(); }

 private:
  lossy::LossyTransport::Port& port_;
  const SenderOptions options_;
  std::mutex intake_mutex_;
  std::deque<std::string> intake_;  // intake_mutex_
  std::atomic<std::size_t> unacknowledged_{0};
  // Network thread only:
  std::deque<std::string> window_;  // payloads from base_ on: sent (below next_to_send_) or not
  std::uint64_t base_ = 0;          // oldest unacknowledged sequence number
  std::uint64_t next_to_send_ = 0;  // first sequence number never transmitted
  lossy::Tick timer_started_ = 0;
  unsigned duplicate_acks_ = 0;
  bool fast_retransmit_ = false;
};

class ReliableReceiver {
 public:
  ReliableReceiver(lossy::LossyTransport::Port& port, std::function<void(std::string)> deliver)
      : port_(port), deliver_(std::move(deliver)) {}

  void on_segment(const lossy::Segment& segment) {
    if (segment.kind != lossy::Segment::Kind::data) {
      return;
    }
    if (segment.seq >= next_) {
      const auto offset = segment.seq - next_;
      if (early_.size() <= offset) {
        early_.resize(offset + 1);
      }
      if (!early_[offset]) {
        early_[offset] = segment.payload;
      }
      while (!early_.empty() && early_.front()) {
        std::string payload = std::move(*early_.front());
        early_.pop_front();
        ++next_;
        deliver_(std::move(payload));
        delivered_.fetch_add(1);
      }
    }
    // Cumulative: everything below next_ has arrived. Sent for duplicates too, so a lost
    // ack is made good by the next one.
    port_.transmit(lossy::Segment{lossy::Segment::Kind::ack, next_, {}});
  }

  void on_tick(lossy::Tick /*now*/) {}

  [[nodiscard]] std::uint64_t delivered() const { return delivered_.load(); }

 private:
  lossy::LossyTransport::Port& port_;
  std::function<void(std::string)> deliver_;
  std::uint64_t next_ = 0;                        // network thread only
  std::deque<std::optional<std::string>> early_;  // network thread only: [i] is seq next_ + i
  std::atomic<std::uint64_t> delivered_{0};
};

}  // namespace lockstep::messaging
