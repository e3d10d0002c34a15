#pragma once

// Small helpers shared by the channel's hidden tests.

#include <atomic>
#include <cstdint>
#include <exception>
#include <ostream>
#include <thread>

#include <channel.hpp>
#include <lockstep/stress.hpp>

namespace lockstep::channel {

inline std::ostream& operator<<(std::ostream& out, SendStatus status) {
  switch (status) {
    case SendStatus::sent:
      return out << "sent";
    case SendStatus::evicted:
      return out << "evicted";
    case SendStatus::dropped:
      return out << "dropped";
    case SendStatus::full:
      return out << "full";
    case SendStatus::timed_out:
      return out << "timed_out";
    case SendStatus::closed:
      return out << "closed";
  }
  return out << "SendStatus(" << static_cast<int>(status) << ")";
}

}  // namespace lockstep::channel

namespace lockstep::channel_test {

// A value that says who sent it and in which order: producer in the high half, that
// producer's sequence number in the low half. Lost, duplicated and reordered values are
// then visible from the values alone.
inline std::int64_t encode(std::uint32_t producer, std::uint32_t sequence) {
  return static_cast<std::int64_t>((std::uint64_t{producer} << 32U) | sequence);
}
inline std::uint32_t producer_of(std::int64_t value) {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(value) >> 32U);
}
inline std::uint32_t sequence_of(std::int64_t value) {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(value) & 0xffffffffU);
}

// Runs `body` on a new thread and tells its kernel id, so a test can wait until that
// thread is asleep inside the channel before acting.
class Probe {
 public:
  template <class Body>
  explicit Probe(Body body)
      : thread_([this, body = std::move(body)]() mutable {
          tid_.store(stress::current_tid());
          try {
            body();
          } catch (...) {
            error_ = std::current_exception();  // read by join() after the thread ends
          }
          finished_.store(true);
        }) {}
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;
  Probe(Probe&&) = delete;
  Probe& operator=(Probe&&) = delete;
  ~Probe() {
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  // Waits until the thread is blocked in the kernel (or has finished). A correct
  // channel passes whatever this returns; it only makes a broken one fail reliably.
  void wait_until_blocked() const {
    while (tid_.load() == 0) {
      std::this_thread::yield();
    }
    if (!finished_.load()) {
      stress::wait_until_blocked(tid_.load());
    }
  }
  [[nodiscard]] bool finished() const { return finished_.load(); }
  // Joins the thread and rethrows what its body threw (e.g. not_implemented).
  void join() {
    thread_.join();
    if (error_) {
      std::rethrow_exception(error_);
    }
  }

 private:
  std::atomic<pid_t> tid_{0};
  std::atomic<bool> finished_{false};
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace lockstep::channel_test
