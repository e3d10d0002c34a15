#pragma once

// lockstep::channel — a bounded multi-producer multi-consumer channel with backpressure.
//
// Your task: implement every member below so that it keeps the promise written above it.
// The lesson (README.md beside this file) explains the guarantees and how they are tested.
// You own this whole file: add private members and helpers as you like, but keep the
// public API exactly as it is, because the tests are written against it.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

#include <lockstep/not_implemented.hpp>

namespace lockstep::channel {

// What a send does when the channel is full.
enum class Overflow {
  block,        // wait for room (backpressure)
  drop_newest,  // discard the value being sent
  drop_oldest,  // discard the oldest queued value to make room
};

enum class SendStatus {
  sent,       // the value is in the channel
  evicted,    // drop_oldest: the value is in; the oldest queued value was discarded
  dropped,    // drop_newest: the channel was full; this value was discarded
  full,       // try_send under Overflow::block: no room; the value was discarded
  timed_out,  // send_for: still no room at the deadline; the value was discarded
  closed,     // the channel is closed; the value was discarded
};

template <class T>
class Channel {
 public:
  // Throws std::invalid_argument when capacity is 0.
  explicit Channel(std::size_t capacity, Overflow policy = Overflow::block)
      : capacity_(capacity), policy_(policy) {
    // TODO(student): reject a capacity of 0.
  }

  // No thread may still be inside a member function when the channel is destroyed.
  ~Channel() = default;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  Channel(Channel&&) = delete;
  Channel& operator=(Channel&&) = delete;

  // All members may be called concurrently from any number of threads.

  // Blocks while the channel is full under Overflow::block; never blocks under the drop
  // policies. Returns sent, evicted, dropped or closed.
  SendStatus send(T value) {
    // TODO(student): wait for room and put the value in under ONE hold of your lock, so
    // that two senders can never both see the last free slot.
    (void)value;
    throw lockstep::not_implemented("channel: send");
  }

  // Never blocks. Returns full instead of waiting.
  SendStatus try_send(T value) {
    // TODO(student): like send, but report full instead of waiting.
    (void)value;
    throw lockstep::not_implemented("channel: try_send");
  }

  // Like send, but gives up with timed_out once `timeout` has passed.
  template <class Rep, class Period>
  SendStatus send_for(T value, std::chrono::duration<Rep, Period> timeout) {
    // TODO(student): a deadline-bounded send; it must not return before the deadline
    // unless the value went in or the channel closed.
    (void)value;
    (void)timeout;
    throw lockstep::not_implemented("channel: send_for");
  }

  // Blocks until a value is available or the channel is closed and drained (nullopt).
  std::optional<T> recv() {
    // TODO(student): wake senders waiting for room after you take a value.
    throw lockstep::not_implemented("channel: recv");
  }

  // Never blocks: nullopt when the channel is empty.
  std::optional<T> try_recv() {
    // TODO(student)
    throw lockstep::not_implemented("channel: try_recv");
  }

  // Like recv, but gives up with nullopt once `timeout` has passed.
  template <class Rep, class Period>
  std::optional<T> recv_for(std::chrono::duration<Rep, Period> timeout) {
    // TODO(student)
    (void)timeout;
    throw lockstep::not_implemented("channel: recv_for");
  }

  // Idempotent. Every later send returns closed; blocked senders wake with closed;
  // receivers still get every queued value, then nullopt.
  void close() {
    // TODO(student): every blocked sender and receiver must wake up.
    throw lockstep::not_implemented("channel: close");
  }

  [[nodiscard]] bool is_closed() const {
    // TODO(student)
    throw lockstep::not_implemented("channel: is_closed");
  }

  [[nodiscard]] std::size_t size() const {
    // TODO(student): safe to call while other threads send and receive.
    throw lockstep::not_implemented("channel: size");
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] Overflow policy() const noexcept { return policy_; }

 private:
  const std::size_t capacity_;
  const Overflow policy_;
  // TODO(student): the queue, the closed flag and whatever synchronisation guards them.
};

}  // namespace lockstep::channel
