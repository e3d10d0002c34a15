#pragma once

// lockstep::channel — a bounded multi-producer multi-consumer channel with backpressure.
//
// Alternate solution: a ring of slots allocated once, and two C++20 counting semaphores
// that count its free slots and its filled slots. A sender takes a free-slot permit
// (acquire, try_acquire or a timed acquire, by the call), puts its value in and releases a
// filled-slot permit; a receiver does the opposite. A short mutex guards only the ring's
// indices, its slots and the closed flag; nobody waits for a permit while holding it.
//
// The state under the mutex is the truth; the semaphores lag it by the operations in
// flight (a thread that holds a permit and has not yet taken the mutex, or has left the
// mutex and not yet released the other kind). While the channel is open:
//
//   (F) free_   + free permits in flight   == capacity - count_
//   (R) filled_ + filled permits in flight == count_
//
// so a thread holding a free permit always finds room, and one holding a filled permit
// always finds a value. close() adds one wake-up token to each semaphore (see close()).
// Every operation takes effect at one instant under the mutex, which makes the channel
// linearizable: the try_ calls and the last look of the timed calls decide "full" and
// "empty" there, never from a permit count that may be held in flight.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <semaphore>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

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

namespace detail {
class HeldPermit;
}  // namespace detail

template <class T>
class Channel {
 public:
  // Throws std::invalid_argument when capacity is 0 (and std::length_error when it is
  // not below the semaphores' maximum count). All slots are allocated here, once.
  explicit Channel(std::size_t capacity, Overflow policy = Overflow::block);

  // No thread may still be inside a member function when the channel is destroyed.
  ~Channel() = default;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  Channel(Channel&&) = delete;
  Channel& operator=(Channel&&) = delete;

  // All members may be called concurrently from any number of threads.

  // Blocks while the channel is full under Overflow::block; never blocks under the drop
  // policies. Returns sent, evicted, dropped or closed.
  SendStatus send(T value);
  // Never blocks. Returns full instead of waiting. (It never waits for room; it may yield
  // while another thread finishes an operation already under way.)
  SendStatus try_send(T value);
  // Like send, but gives up with timed_out once `timeout` has passed.
  template <class Rep, class Period>
  SendStatus send_for(T value, std::chrono::duration<Rep, Period> timeout);

  // Blocks until a value is available or the channel is closed and drained (nullopt).
  std::optional<T> recv();
  // Never blocks: nullopt when the channel is empty. (It never waits for a value; it may
  // yield while another thread finishes an operation already under way.)
  std::optional<T> try_recv();
  // Like recv, but gives up with nullopt once `timeout` has passed.
  template <class Rep, class Period>
  std::optional<T> recv_for(std::chrono::duration<Rep, Period> timeout);

  // Idempotent. Every later send returns closed; blocked senders wake with closed;
  // receivers still get every queued value, then nullopt.
  void close();

  [[nodiscard]] bool is_closed() const;
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] Overflow policy() const noexcept { return policy_; }

 private:
  using Clock = std::chrono::steady_clock;
  using Semaphore = std::counting_semaphore<>;

  // The longest a waiter sleeps in one call into the semaphore before it looks again.
  // libstdc++'s counting_semaphore can miss a wake-up under contention (GCC bugzilla
  // 98033): release() wakes sleepers only when the count was zero, and a waiter compares
  // the futex word against a count it read before its last failed try, so it can fall
  // asleep while permits are available and stay asleep until the count next rises from
  // zero, which may be never. Waiting in bounded slices turns such a miss into a delay of
  // at most one slice instead of a hang.
  static constexpr Clock::duration kWakeSlice = std::chrono::milliseconds(20);

  static std::size_t checked_capacity(std::size_t capacity);
  // Takes a permit of `semaphore`, waiting until `deadline` (nullopt: for ever). Returns
  // false only once the deadline has passed, never before it.
  static bool acquire(Semaphore& semaphore, std::optional<Clock::time_point> deadline);

  SendStatus send_until(T& value, std::optional<Clock::time_point> deadline);
  std::optional<T> recv_until(std::optional<Clock::time_point> deadline);
  // Never waits for room: sends by the policy, or returns full (Overflow::block).
  SendStatus offer(T& value);
  // The calling thread holds a free-slot permit: put the value in (or report closed).
  SendStatus put(T& value, detail::HeldPermit& room);
  // The calling thread holds a filled-slot permit: take the oldest value (or nullopt when
  // the permit was close's wake-up token and the ring is empty).
  std::optional<T> take(detail::HeldPermit& item);
  // The slot after `index` in the ring.
  [[nodiscard]] std::size_t next(std::size_t index) const noexcept {
    return index + 1 == slots_.size() ? 0 : index + 1;
  }
  // The slot the next value goes into; the mutex is held.
  [[nodiscard]] std::size_t tail_locked() const noexcept {
    return (head_ + count_) % slots_.size();
  }

  const std::size_t capacity_;
  const Overflow policy_;
  Semaphore free_;    // permits for free slots (+ close's wake-up token for senders)
  Semaphore filled_;  // permits for filled slots (+ close's wake-up token for receivers)
  mutable std::mutex mutex_;
  // Guarded by mutex_; capacity + 1 slots, sized once and never resized. The spare slot
  // lets drop_oldest build the new value before it destroys the oldest, so a move that
  // throws leaves the channel as it was.
  std::vector<std::optional<T>> slots_;
  std::size_t head_ = 0;   // guarded by mutex_: slot of the oldest value
  std::size_t count_ = 0;  // guarded by mutex_: values in the ring
  // Written only under mutex_, so every decision taken under the mutex sees it exactly;
  // read without the mutex by is_closed() and by the early exits (seq_cst throughout).
  std::atomic<bool> closed_{false};
};

// ---- implementation ----------------------------------------------------------------

namespace detail {

// A permit the calling thread took from a semaphore. Unless spent (it became a slot of
// the other kind), the destructor gives it back: to the next waiter when it was close's
// wake-up token, to the pool when an exception cut the operation short.
class HeldPermit {
 public:
  explicit HeldPermit(std::counting_semaphore<>& semaphore) noexcept : semaphore_(&semaphore) {}
  ~HeldPermit() {
    if (semaphore_ != nullptr) {
      semaphore_->release();
    }
  }
  HeldPermit(const HeldPermit&) = delete;
  HeldPermit& operator=(const HeldPermit&) = delete;
  HeldPermit(HeldPermit&&) = delete;
  HeldPermit& operator=(HeldPermit&&) = delete;

  void spend() noexcept { semaphore_ = nullptr; }

 private:
  std::counting_semaphore<>* semaphore_;
};

}  // namespace detail

template <class T>
std::size_t Channel<T>::checked_capacity(std::size_t capacity) {
  if (capacity == 0) {
    throw std::invalid_argument("channel capacity must be at least 1");
  }
  // Each semaphore counts at most capacity + 1 (the slots and close's wake-up token).
  if (capacity >= static_cast<std::size_t>(Semaphore::max())) {
    throw std::length_error("channel capacity exceeds the semaphore's maximum count");
  }
  return capacity;
}

template <class T>
Channel<T>::Channel(std::size_t capacity, Overflow policy)
    : capacity_(checked_capacity(capacity)),
      policy_(policy),
      free_(static_cast<std::ptrdiff_t>(capacity_)),
      filled_(0),
      slots_(capacity_ + 1) {}

template <class T>
bool Channel<T>::acquire(Semaphore& semaphore, std::optional<Clock::time_point> deadline) {
  for (;;) {
    Clock::duration slice = kWakeSlice;
    if (deadline) {
      const auto now = Clock::now();
      if (now >= *deadline) {
        return false;
      }
      slice = std::min(slice, *deadline - now);
    }
    if (semaphore.try_acquire_for(slice)) {
      return true;
    }
  }
}

template <class T>
SendStatus Channel<T>::send(T value) {
  return send_until(value, std::nullopt);
}

template <class T>
SendStatus Channel<T>::try_send(T value) {
  return offer(value);
}

template <class T>
template <class Rep, class Period>
SendStatus Channel<T>::send_for(T value, std::chrono::duration<Rep, Period> timeout) {
  return send_until(value, Clock::now() + std::chrono::ceil<Clock::duration>(timeout));
}

template <class T>
SendStatus Channel<T>::send_until(T& value, std::optional<Clock::time_point> deadline) {
  if (policy_ != Overflow::block) {
    return offer(value);  // the drop policies make room or drop; they never wait
  }
  if (closed_.load()) {
    return SendStatus::closed;
  }
  if (!acquire(free_, deadline)) {
    // The deadline has passed. One last look, under the mutex: room that appeared with
    // the deadline is used, and timed_out means the channel really was full.
    const SendStatus status = offer(value);
    return status == SendStatus::full ? SendStatus::timed_out : status;
  }
  detail::HeldPermit room(free_);
  return put(value, room);
}

template <class T>
SendStatus Channel<T>::put(T& value, detail::HeldPermit& room) {
  {
    std::lock_guard lock(mutex_);
    if (closed_.load()) {
      // The permit may be close's wake-up token: `room` passes it on to the next sender.
      return SendStatus::closed;
    }
    // (F): holding a free permit, there is room. If the move throws, nothing changed and
    // `room` gives the permit back.
    slots_[tail_locked()].emplace(std::move(value));
    ++count_;
    room.spend();
  }
  filled_.release();  // (R): the new value's permit, given after it is in the ring
  return SendStatus::sent;
}

template <class T>
SendStatus Channel<T>::offer(T& value) {
  for (;;) {
    if (closed_.load()) {
      return SendStatus::closed;
    }
    if (free_.try_acquire()) {
      detail::HeldPermit room(free_);
      return put(value, room);
    }
    {
      std::lock_guard lock(mutex_);
      if (closed_.load()) {
        return SendStatus::closed;
      }
      if (count_ == capacity_) {
        switch (policy_) {
          case Overflow::block:
            return SendStatus::full;
          case Overflow::drop_newest:
            return SendStatus::dropped;
          case Overflow::drop_oldest:
            // The new value goes into the spare slot first (if its move throws, nothing
            // changed), then the oldest is destroyed. count_ is unchanged, so (F) and (R)
            // still hold and no permit moves; a receiver holding a filled permit in
            // flight takes the next value instead.
            slots_[tail_locked()].emplace(std::move(value));
            slots_[head_].reset();
            head_ = next(head_);
            return SendStatus::evicted;
        }
      }
    }
    // There is room, but try_acquire found no permit (libstdc++'s try_acquire may also
    // fail spuriously): the permits of that room are held by operations in flight, which
    // finish without waiting for this thread. Let them, then look again.
    std::this_thread::yield();
  }
}

template <class T>
std::optional<T> Channel<T>::recv() {
  return recv_until(std::nullopt);
}

template <class T>
std::optional<T> Channel<T>::try_recv() {
  for (;;) {
    if (filled_.try_acquire()) {
      detail::HeldPermit item(filled_);
      return take(item);
    }
    {
      std::lock_guard lock(mutex_);
      if (count_ == 0) {
        return std::nullopt;
      }
    }
    // A value is queued but its permit is held by an operation in flight (see offer()).
    std::this_thread::yield();
  }
}

template <class T>
template <class Rep, class Period>
std::optional<T> Channel<T>::recv_for(std::chrono::duration<Rep, Period> timeout) {
  return recv_until(Clock::now() + std::chrono::ceil<Clock::duration>(timeout));
}

template <class T>
std::optional<T> Channel<T>::recv_until(std::optional<Clock::time_point> deadline) {
  if (!acquire(filled_, deadline)) {
    // The deadline has passed: one last look, so a value that arrived with it is taken.
    return try_recv();
  }
  detail::HeldPermit item(filled_);
  return take(item);
}

template <class T>
std::optional<T> Channel<T>::take(detail::HeldPermit& item) {
  std::optional<T> value;  // the only object returned, so it is constructed in place
  {
    std::lock_guard lock(mutex_);
    if (count_ == 0) {
      // By (R) an open channel has a value for every filled permit, so this permit is
      // close's wake-up token and the channel is closed and drained: `item` passes it on
      // to the next receiver.
      return value;
    }
    // After close, the token may be spent on a value here; that value's own permit then
    // stays in circulation as the token, so no value is ever left behind.
    auto& slot = slots_[head_];
    value.emplace(std::move(*slot));  // if the move throws, nothing changed
    slot.reset();
    head_ = next(head_);
    --count_;
    item.spend();
  }
  free_.release();  // (F): the slot's permit, given after the value left the ring
  return value;
}

template <class T>
void Channel<T>::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_.load()) {
      return;  // idempotent: the wake-up tokens are given once
    }
    closed_.store(true);
  }
  // One wake-up token per semaphore, given after closed_ is set. A sender that takes a
  // permit and finds the channel closed, and a receiver that finds it closed and empty,
  // give the permit back on its way out, so the token reaches every blocked thread in
  // turn and stays available to later callers. A receiver that finds values left spends
  // a permit on one of them, which leaves the number of permits one above the number of
  // values: the last value's permit carries the token on. Neither semaphore ever counts
  // more than capacity + 1.
  free_.release();
  filled_.release();
}

template <class T>
bool Channel<T>::is_closed() const {
  return closed_.load();
}

template <class T>
std::size_t Channel<T>::size() const {
  std::lock_guard lock(mutex_);
  return count_;
}

}  // namespace lockstep::channel
