#pragma once

// Small helpers shared by the messaging hidden tests: a thread probe, payloads that say who
// sent them and in which order, and a driver that runs a reliable link over the seeded
// lossy transport until everything is delivered and acknowledged.

#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <lockstep/lossy_transport.hpp>
#include <lockstep/stress.hpp>
#include <messaging.hpp>

namespace lockstep::messaging_test {

// "<source>:<sequence>": lost, duplicated and reordered payloads are visible from the
// payloads alone.
inline std::string tag(std::uint32_t source, std::uint32_t sequence) {
  return std::to_string(source) + ":" + std::to_string(sequence);
}
struct Tag {
  std::uint32_t source = 0;
  std::uint32_t sequence = 0;
  bool valid = false;
};
inline Tag parse_tag(std::string_view text) {
  Tag result;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return result;
  }
  const char* begin = text.data();
  const auto first = std::from_chars(begin, begin + colon, result.source);
  const auto second = std::from_chars(begin + colon + 1, begin + text.size(), result.sequence);
  result.valid = first.ec == std::errc{} && first.ptr == begin + colon &&
                 second.ec == std::errc{} && second.ptr == begin + text.size();
  return result;
}

// Checks that `received` holds, for every source below `sources`, exactly the sequence
// numbers 0..per_source-1, each once, in increasing order.
inline void expect_exactly_once_in_order(const std::vector<std::string>& received,
                                         std::uint32_t sources, std::uint32_t per_source,
                                         const std::string& who) {
  std::vector<std::int64_t> last(sources, -1);
  std::vector<std::uint32_t> count(sources, 0);
  for (const auto& payload : received) {
    const Tag t = parse_tag(payload);
    ASSERT_TRUE(t.valid && t.source < sources) << who << ": a payload nobody sent: " << payload;
    ASSERT_GT(static_cast<std::int64_t>(t.sequence), last[t.source])
        << who << " got " << payload << " after " << t.source << ":" << last[t.source]
        << ": duplicated or out of order (seed " << stress::seed() << ")";
    last[t.source] = t.sequence;
    ++count[t.source];
  }
  for (std::uint32_t source = 0; source < sources; ++source) {
    EXPECT_EQ(count[source], per_source)
        << who << ": source " << source << " sent " << per_source << ", " << count[source]
        << " arrived (seed " << stress::seed() << ")";
  }
}

// Runs `body` on a new thread and tells its kernel id, so a test can wait until that
// thread is asleep inside the broker before acting.
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
  // implementation passes whatever this returns; it only makes a broken one fail reliably.
  void wait_until_blocked() const {
    while (tid_.load() == 0) {
      std::this_thread::yield();
    }
    if (!finished_.load()) {
      stress::wait_until_blocked(tid_.load());
    }
  }
  [[nodiscard]] bool finished() const { return finished_.load(); }
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

// A retransmission timeout that never fires for a segment whose ack is still on its way.
inline lossy::Tick safe_timeout(const lossy::Faults& faults) {
  return faults.max_round_trip() + 1;
}

struct LinkRun {
  std::vector<std::string> delivered;   // in delivery order
  lossy::Stats stats;                   // the transport's counters at the end
  lossy::Tick ticks_after_sending = 0;  // ticks stepped after the last send() returned
  bool completed = false;               // everything delivered and acknowledged in time
  std::size_t unacknowledged = 0;       // the sender's count at the end
};

// `sources` application threads each send `per_source` tagged payloads while this thread
// steps the link. Stops when every payload was delivered and the sender has nothing left
// unacknowledged, or `tick_cap` ticks after the last send() returned (virtual time: the
// cap does not depend on how fast the machine is). Then steps `quiet_ticks` more.
inline LinkRun run_link(std::uint64_t seed, const lossy::Faults& faults,
                        messaging::SenderOptions options, std::uint32_t sources,
                        std::uint32_t per_source, lossy::Tick tick_cap,
                        lossy::Tick quiet_ticks = 0) {
  LinkRun run;
  lossy::LossyTransport net(seed, faults);
  messaging::ReliableReceiver rx(net.receiver_port(), [&run](std::string payload) {
    run.delivered.push_back(std::move(payload));
  });
  messaging::ReliableSender tx(net.sender_port(), options);
  const std::uint64_t total = std::uint64_t{sources} * per_source;
  std::atomic<std::uint32_t> sources_left{sources};
  std::vector<std::thread> senders;
  std::vector<std::exception_ptr> errors(sources);
  senders.reserve(sources);
  for (std::uint32_t source = 0; source < sources; ++source) {
    senders.emplace_back([&, source] {
      try {
        stress::Noise noise(seed ^ (source * 0x9e3779b97f4a7c15ULL), 20);
        for (std::uint32_t i = 0; i < per_source; ++i) {
          tx.send(tag(source, i));
          noise();
        }
      } catch (...) {
        errors[source] = std::current_exception();
      }
      sources_left.fetch_sub(1);
    });
  }
  lossy::Tick after = 0;
  try {
    for (;;) {
      const bool sending = sources_left.load() != 0;
      if (!sending && rx.delivered() >= total && tx.unacknowledged() == 0) {
        run.completed = true;
        break;
      }
      if (!sending && ++after > tick_cap) {
        break;
      }
      net.step(tx, rx);
    }
    for (lossy::Tick i = 0; i < quiet_ticks; ++i) {
      net.step(tx, rx);
    }
    run.unacknowledged = tx.unacknowledged();
  } catch (...) {
    for (auto& thread : senders) {
      thread.join();
    }
    throw;
  }
  for (auto& thread : senders) {
    thread.join();
  }
  for (const auto& error : errors) {
    if (error) {
      std::rethrow_exception(error);
    }
  }
  run.stats = net.stats();
  run.ticks_after_sending = after;
  return run;
}

}  // namespace lockstep::messaging_test
