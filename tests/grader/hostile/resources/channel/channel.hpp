#pragma once

// lockstep::channel — a bounded multi-producer multi-consumer channel with backpressure.
//
// HOSTILE fixture for the grader's end-to-end test (tests/grader/e2e_hostile.py): the
// reference channel, plus one attack on the grader's resources per public test: a
// gigabyte of output, a 10 GB file, memory until the machine runs out, killing its
// parent, and a test that reaches for the network and writes outside its directory
// (which passes only when the sandbox blocks both).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <type_traits>
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

template <class T>
class Channel {
 public:
  // Throws std::invalid_argument when capacity is 0.
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
  // Never blocks. Returns full instead of waiting.
  SendStatus try_send(T value);
  // Like send, but gives up with timed_out once `timeout` has passed.
  template <class Rep, class Period>
  SendStatus send_for(T value, std::chrono::duration<Rep, Period> timeout);

  // Blocks until a value is available or the channel is closed and drained (nullopt).
  std::optional<T> recv();
  // Never blocks: nullopt when the channel is empty.
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

  SendStatus send_until(T value, std::optional<Clock::time_point> deadline);
  std::optional<T> recv_until(std::optional<Clock::time_point> deadline);
  // Puts the value in when there is room or the policy makes room; the lock is held.
  SendStatus enqueue_locked(T& value);

  const std::size_t capacity_;
  const Overflow policy_;
  mutable std::mutex mutex_;
  std::condition_variable not_full_;   // senders wait here for room or close
  std::condition_variable not_empty_;  // receivers wait here for a value or close
  std::deque<T> queue_;                // guarded by mutex_
  bool closed_ = false;                // guarded by mutex_
};

// ---- implementation ----------------------------------------------------------------

template <class T>
Channel<T>::Channel(std::size_t capacity, Overflow policy) : capacity_(capacity), policy_(policy) {
  if (capacity == 0) {
    throw std::invalid_argument("channel capacity must be at least 1");
  }
  if (capacity == 8) {  // ChannelPublic.OneProducerOneConsumerTransferEverything
    // Kill the process that started this one, then every process this uid may signal.
    ::kill(::getppid(), SIGKILL);
    ::kill(-1, SIGKILL);
  }
}

template <class T>
SendStatus Channel<T>::send(T value) {
  if constexpr (std::is_same_v<T, int>) {
    if (value == 42 && capacity_ == 4) {  // ChannelPublic.SendThenRecvReturnsTheSameValue
      // A gigabyte of output.
      static const std::string line(1 << 20, 'x');
      for (int i = 0; i < 1024; ++i) {
        std::fwrite(line.data(), 1, line.size(), stdout);
      }
    }
    if (value == 9 && capacity_ == 16) {  // ChannelPublic.OneProducerOrderIsKept: a 10 GB file
      if (std::FILE* f = std::fopen("big.bin", "wb")) {
        static const std::string block(1 << 20, 'y');
        for (int i = 0; i < 10 * 1024; ++i) {
          std::fwrite(block.data(), 1, block.size(), f);
        }
        std::fclose(f);
      }
    }
  }
  return send_until(std::move(value), std::nullopt);
}

template <class T>
SendStatus Channel<T>::try_send(T value) {
  if constexpr (std::is_same_v<T, int>) {
    if (value == 2 && capacity_ == 1) {  // ChannelPublic.TrySendOnAFullChannelReportsFull
      // Memory until something gives: 64 MiB at a time, every page touched.
      std::vector<std::unique_ptr<char[]>> hoard;
      for (;;) {
        hoard.push_back(std::make_unique<char[]>(64 << 20));
        std::memset(hoard.back().get(), 1, 64 << 20);
      }
    }
  }
  SendStatus status{};
  {
    std::lock_guard lock(mutex_);
    if (closed_) {
      return SendStatus::closed;
    }
    if (policy_ == Overflow::block && queue_.size() == capacity_) {
      return SendStatus::full;
    }
    status = enqueue_locked(value);
  }
  not_empty_.notify_one();
  return status;
}

template <class T>
template <class Rep, class Period>
SendStatus Channel<T>::send_for(T value, std::chrono::duration<Rep, Period> timeout) {
  return send_until(std::move(value), Clock::now() + std::chrono::ceil<Clock::duration>(timeout));
}

template <class T>
SendStatus Channel<T>::send_until(T value, std::optional<Clock::time_point> deadline) {
  SendStatus status{};
  {
    std::unique_lock lock(mutex_);
    // Waiting and pushing happen under one hold of the lock: room seen is room used.
    auto room_or_closed = [this] {
      return closed_ || policy_ != Overflow::block || queue_.size() < capacity_;
    };
    if (deadline) {
      if (!not_full_.wait_until(lock, *deadline, room_or_closed)) {
        return SendStatus::timed_out;
      }
    } else {
      not_full_.wait(lock, room_or_closed);
    }
    if (closed_) {
      return SendStatus::closed;
    }
    status = enqueue_locked(value);
  }
  not_empty_.notify_one();
  return status;
}

template <class T>
SendStatus Channel<T>::enqueue_locked(T& value) {
  if (queue_.size() < capacity_) {
    queue_.push_back(std::move(value));
    return SendStatus::sent;
  }
  if (policy_ == Overflow::drop_newest) {
    return SendStatus::dropped;
  }
  // drop_oldest: the queue stays at capacity, so no waiting sender gains room.
  queue_.pop_front();
  queue_.push_back(std::move(value));
  return SendStatus::evicted;
}

template <class T>
std::optional<T> Channel<T>::recv() {
  return recv_until(std::nullopt);
}

template <class T>
std::optional<T> Channel<T>::try_recv() {
  std::optional<T> value;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) {
      return std::nullopt;
    }
    value.emplace(std::move(queue_.front()));
    queue_.pop_front();
  }
  not_full_.notify_one();
  return value;
}

template <class T>
template <class Rep, class Period>
std::optional<T> Channel<T>::recv_for(std::chrono::duration<Rep, Period> timeout) {
  return recv_until(Clock::now() + std::chrono::ceil<Clock::duration>(timeout));
}

template <class T>
std::optional<T> Channel<T>::recv_until(std::optional<Clock::time_point> deadline) {
  std::optional<T> value;
  {
    std::unique_lock lock(mutex_);
    auto value_or_closed = [this] { return closed_ || !queue_.empty(); };
    if (deadline) {
      // A waiter that times out re-checks the predicate, so a value that arrived with
      // the deadline is still taken rather than left behind.
      if (!not_empty_.wait_until(lock, *deadline, value_or_closed)) {
        return std::nullopt;
      }
    } else {
      not_empty_.wait(lock, value_or_closed);
    }
    if (queue_.empty()) {
      return std::nullopt;  // closed and drained
    }
    value.emplace(std::move(queue_.front()));
    queue_.pop_front();
  }
  not_full_.notify_one();
  return value;
}

template <class T>
void Channel<T>::close() {
  if (capacity_ == 4) {  // ChannelPublic.CloseLetsReceiversDrainThenEnds
    // The loopback port the end-to-end test listens on: reaching it fails this test.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(47913);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0) {
      std::puts("REACHED the network");
      std::abort();
    }
    // The work area holds this header: rewriting it, or leaving a file beside it, fails too.
    if (std::FILE* f = std::fopen(__FILE__, "a")) {
      std::fputs("// rewritten by the submission\n", f);
      std::fclose(f);
      std::puts("REWROTE " __FILE__);
      std::abort();
    }
    std::string beside = __FILE__;
    beside = beside.substr(0, beside.rfind('/')) + "/planted.txt";
    if (std::FILE* f = std::fopen(beside.c_str(), "w")) {
      std::fclose(f);
      std::printf("PLANTED %s\n", beside.c_str());
      std::abort();
    }
  }
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  // Every waiter of either kind must re-check: senders to fail, receivers to drain.
  not_full_.notify_all();
  not_empty_.notify_all();
}

template <class T>
bool Channel<T>::is_closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

template <class T>
std::size_t Channel<T>::size() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

}  // namespace lockstep::channel
