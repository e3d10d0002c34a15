#pragma once

// lockstep::lossy — a seeded, simulated unreliable link for the messaging exercise.
//
// A LossyTransport joins two ports, the sender's and the receiver's. Whatever one port
// transmits travels towards the other and may, by the link's Faults, be
//   - dropped      (never arrives),
//   - duplicated   (a second copy arrives, with a delay of its own),
//   - reordered    (held back by extra ticks, so segments transmitted after it overtake it),
//   - delayed      (every copy takes between min_delay and max_delay ticks).
//
// Time is virtual: a tick passes only when the test calls step(). There are no threads,
// no sleeps and no wall clock here, so a protocol's behaviour depends only on what it
// does, never on how loaded the machine is.
//
// Determinism. Every fate is a pure function of (seed, direction, n) for the n-th segment
// transmitted in that direction: with one seed and one set of fault rates, the n-th
// segment a port transmits always meets the same fate (dropped or not, how many copies,
// which delays). When the protocol's transmissions are made in the same order (one
// thread), the whole run repeats exactly; when application threads race to transmit,
// which segment is the n-th may differ, its fate does not.
//
// Threads. transmit(), now() and stats() may be called from any thread at any time.
// step() must be called from one thread at a time (the "network thread"); it calls the
// endpoints' on_segment() and on_tick() on that thread, never while holding the
// transport's lock, so an endpoint may transmit from inside them.
//
// How a test drives it:
//
//   lossy::LossyTransport net(seed, lossy::Faults{.drop_permille = 100});
//   ReliableReceiver rx(net.receiver_port(), deliver);
//   ReliableSender tx(net.sender_port(), options);
//   tx.send("hello");
//   while (!done()) net.step(tx, rx);   // one tick: deliveries, then on_tick on both ends
//
// step(sender_end, receiver_end) works with any two objects that have
// `void on_segment(const lossy::Segment&)` and `void on_tick(lossy::Tick)`.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace lockstep::lossy {

// Virtual time, in ticks since the transport was made (it starts at 0).
using Tick = std::uint64_t;

// What travels on the link. The protocol decides what `seq` means on an ack (the sequence
// number of the segment it acknowledges, or the next one expected: cumulative).
struct Segment {
  enum class Kind : std::uint8_t { data, ack };
  Kind kind = Kind::data;
  std::uint64_t seq = 0;
  std::string payload;  // data only
};

// Fault rates, in permille (0..1000) of the segments transmitted in each direction.
struct Faults {
  unsigned drop_permille = 0;       // the segment is lost
  unsigned duplicate_permille = 0;  // one more copy arrives, independently delayed
  unsigned reorder_permille = 0;    // a copy is held back by 1..max_extra_delay more ticks
  Tick min_delay = 1;               // every copy takes min_delay..max_delay ticks
  Tick max_delay = 4;
  Tick max_extra_delay = 16;  // the most a reordered copy is held back beyond max_delay

  // The longest a copy can take to cross the link, and a round trip at worst: a
  // retransmission timeout above max_round_trip() never fires for a segment whose ack
  // is still on its way.
  [[nodiscard]] Tick max_one_way() const {
    return max_delay + (reorder_permille > 0 ? max_extra_delay : 0);
  }
  [[nodiscard]] Tick max_round_trip() const { return 2 * max_one_way(); }
};

// Counters of one direction; everything is counted at transmit time except `delivered`.
struct DirectionStats {
  std::uint64_t transmitted = 0;  // transmit() calls
  std::uint64_t data = 0;         // of which data segments
  std::uint64_t acks = 0;         // of which acks
  std::uint64_t dropped = 0;      // segments lost
  std::uint64_t duplicated = 0;   // segments given a second copy
  std::uint64_t reordered = 0;    // copies held back
  std::uint64_t delivered = 0;    // copies handed to the far end by step()
};

struct Stats {
  DirectionStats to_receiver;  // transmitted by the sender's port
  DirectionStats to_sender;    // transmitted by the receiver's port
};

class LossyTransport {
 public:
  enum class Side : std::uint8_t { sender, receiver };

  // One end of the link, handed to a protocol endpoint.
  class Port {
   public:
    // Puts a segment on the wire towards the other end. Thread-safe; never blocks.
    void transmit(Segment segment) { transport_->transmit(side_, std::move(segment)); }
    // The current virtual time. Thread-safe.
    [[nodiscard]] Tick now() const { return transport_->now(); }

   private:
    friend class LossyTransport;
    Port(LossyTransport* transport, Side side) : transport_(transport), side_(side) {}
    LossyTransport* transport_;
    Side side_;
  };

  LossyTransport(std::uint64_t seed, Faults faults)
      : seed_(seed),
        faults_(faults),
        sender_port_(this, Side::sender),
        receiver_port_(this, Side::receiver) {
    faults_.max_delay = std::max(faults_.max_delay, faults_.min_delay);
    faults_.max_extra_delay = std::max<Tick>(faults_.max_extra_delay, 1);
  }
  LossyTransport(const LossyTransport&) = delete;
  LossyTransport& operator=(const LossyTransport&) = delete;
  LossyTransport(LossyTransport&&) = delete;
  LossyTransport& operator=(LossyTransport&&) = delete;
  ~LossyTransport() = default;

  Port& sender_port() { return sender_port_; }
  Port& receiver_port() { return receiver_port_; }
  [[nodiscard]] const Faults& faults() const { return faults_; }

  [[nodiscard]] Tick now() const {
    std::lock_guard lock(mutex_);
    return now_;
  }

  // One tick: time advances by 1; every copy now due is handed to its end's on_segment
  // (in order of due time, then of transmission); then sender_end.on_tick(now) and
  // receiver_end.on_tick(now). One thread at a time.
  template <class SenderEnd, class ReceiverEnd>
  void step(SenderEnd& sender_end, ReceiverEnd& receiver_end) {
    std::vector<InFlight> due;
    Tick now = 0;
    {
      std::lock_guard lock(mutex_);
      now = ++now_;
      auto is_due = [now](const InFlight& copy) { return copy.due <= now; };
      auto first_due = std::stable_partition(in_flight_.begin(), in_flight_.end(),
                                             [&](const InFlight& c) { return !is_due(c); });
      due.assign(std::make_move_iterator(first_due), std::make_move_iterator(in_flight_.end()));
      in_flight_.erase(first_due, in_flight_.end());
      for (const auto& copy : due) {
        ++direction(copy.from).delivered;
      }
    }
    std::stable_sort(due.begin(), due.end(), [](const InFlight& a, const InFlight& b) {
      return a.due != b.due ? a.due < b.due : a.order < b.order;
    });
    for (const auto& copy : due) {
      if (copy.from == Side::sender) {
        receiver_end.on_segment(copy.segment);
      } else {
        sender_end.on_segment(copy.segment);
      }
    }
    sender_end.on_tick(now);
    receiver_end.on_tick(now);
  }

  // Copies still travelling (both directions).
  [[nodiscard]] std::size_t in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_.size();
  }

  [[nodiscard]] Stats stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }

 private:
  struct InFlight {
    Tick due;
    std::uint64_t order;  // global transmission order, to break ties deterministically
    Side from;
    Segment segment;
  };

  // splitmix64 of the (seed, direction, index, draw) tuple: every fate is a pure function.
  [[nodiscard]] std::uint64_t draw(Side from, std::uint64_t index, std::uint64_t which) const {
    std::uint64_t z =
        seed_ ^ (from == Side::sender ? 0x5bd1e9955bd1e995ULL : 0xc2b2ae3d27d4eb4fULL);
    z += 0x9e3779b97f4a7c15ULL * (index * 8 + which + 1);
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
  }
  [[nodiscard]] bool chance(Side from, std::uint64_t index, std::uint64_t which,
                            unsigned permille) const {
    return draw(from, index, which) % 1000 < permille;
  }
  [[nodiscard]] Tick delay(Side from, std::uint64_t index, std::uint64_t which) const {
    return faults_.min_delay +
           draw(from, index, which) % (faults_.max_delay - faults_.min_delay + 1);
  }

  DirectionStats& direction(Side from) {
    return from == Side::sender ? stats_.to_receiver : stats_.to_sender;
  }

  void transmit(Side from, Segment segment) {
    std::lock_guard lock(mutex_);
    auto& counters = direction(from);
    const std::uint64_t index = counters.transmitted++;
    ++(segment.kind == Segment::Kind::data ? counters.data : counters.acks);
    if (chance(from, index, 0, faults_.drop_permille)) {
      ++counters.dropped;
      return;
    }
    if (chance(from, index, 1, faults_.duplicate_permille)) {
      ++counters.duplicated;
      schedule_locked(from, index, 1, segment);  // the second copy, delayed independently
    }
    schedule_locked(from, index, 0, std::move(segment));
  }

  // Puts one copy of segment `index` on the wire with its own delay (and maybe held back).
  void schedule_locked(Side from, std::uint64_t index, std::uint64_t copy, Segment segment) {
    Tick when = now_ + delay(from, index, 2 + copy * 3);
    if (chance(from, index, 3 + copy * 3, faults_.reorder_permille)) {
      ++direction(from).reordered;
      when += 1 + draw(from, index, 4 + copy * 3) % faults_.max_extra_delay;
    }
    in_flight_.push_back(InFlight{when, next_order_++, from, std::move(segment)});
  }

  const std::uint64_t seed_;
  Faults faults_;
  Port sender_port_;
  Port receiver_port_;
  mutable std::mutex mutex_;
  Tick now_ = 0;                     // guarded by mutex_
  std::uint64_t next_order_ = 0;     // guarded by mutex_
  std::vector<InFlight> in_flight_;  // guarded by mutex_
  Stats stats_;                      // guarded by mutex_
};

}  // namespace lockstep::lossy
