#include "lockstep/linearizability.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>

namespace lockstep::lin {

// --- QueueHistory -------------------------------------------------------------------------

QueueHistory::QueueHistory(std::size_t threads) : per_thread_(threads) {}

std::uint64_t QueueHistory::now() {
  // seq_cst read-modify-writes are totally ordered, so "a returned before b was invoked"
  // in ticks means it also happened before in real time.
  return clock_.fetch_add(1);
}

void QueueHistory::record(std::size_t thread, const QueueEvent& event) {
  per_thread_.at(thread).push_back(event);
}

std::vector<QueueEvent> QueueHistory::events() const {
  std::vector<QueueEvent> all;
  for (const std::vector<QueueEvent>& events : per_thread_) {
    all.insert(all.end(), events.begin(), events.end());
  }
  return all;
}

// --- check_bounded_fifo ---------------------------------------------------------------

namespace {

constexpr std::size_t kMaxEvents = 64;  // one bit per event in a std::uint64_t

// Blocking operations that failed (the channel was closed) are not queue operations.
bool is_ignored(const QueueEvent& event) {
  return !event.ok && (event.kind == QueueOpKind::send || event.kind == QueueOpKind::recv);
}

bool is_push(const QueueEvent& event) {
  return event.ok && (event.kind == QueueOpKind::send || event.kind == QueueOpKind::try_send);
}

bool is_pop(const QueueEvent& event) {
  return event.ok && (event.kind == QueueOpKind::recv || event.kind == QueueOpKind::try_recv);
}

// Wing & Gong: repeatedly pick an event none of whose real-time predecessors is still
// pending, apply it to a model queue, backtrack when the model disagrees with the result.
// States already proven dead (same set of applied events, same queue contents) are
// remembered and never explored twice, which keeps the search polynomial in practice.
class FifoSearch {
 public:
  static constexpr int kAmbiguous = -2;
  static constexpr int kNeverPopped = -1;

  FifoSearch(std::vector<QueueEvent> events, std::size_t capacity)
      : events_(std::move(events)),
        capacity_(capacity),
        must_follow_(events_.size(), 0),
        canonical_(events_.size(), 0),
        pop_of_(events_.size(), kAmbiguous),
        queue_(events_.size() + 1, 0) {
    const std::size_t n = events_.size();
    all_ = n == kMaxEvents ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        if (events_[j].returned < events_[i].invoked) {
          must_follow_[i] |= std::uint64_t{1} << j;
        }
      }
      // Two sends of one value leave indistinguishable queues: key them alike.
      canonical_[i] = static_cast<std::uint8_t>(i);
      for (std::size_t j = 0; j < i; ++j) {
        if (is_push(events_[j]) && events_[j].value == events_[i].value) {
          canonical_[i] = static_cast<std::uint8_t>(j);
          break;
        }
      }
    }
    match_pushes_with_pops();
  }

  bool run() { return search(); }

 private:
  bool search() {
    if (done_ == all_) {
      return true;
    }
    if (!visited_.insert(state_key()).second) {
      return false;  // explored before, and it led nowhere
    }
    for (std::size_t i = 0; i < events_.size(); ++i) {
      const std::uint64_t bit = std::uint64_t{1} << i;
      if ((done_ & bit) != 0 || (must_follow_[i] & ~done_) != 0) {
        continue;
      }
      if (apply(i)) {
        done_ |= bit;
        if (search()) {
          return true;
        }
        done_ &= ~bit;
        undo(i);
      }
    }
    return false;
  }

  // pop_of_[i] for a push i whose value is pushed once and popped at most once: the pop,
  // or kNeverPopped. kAmbiguous for everything else (no pruning for repeated values).
  void match_pushes_with_pops() {
    const std::size_t n = events_.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (!is_push(events_[i])) {
        continue;
      }
      std::size_t pushes = 0;
      std::size_t pops = 0;
      std::size_t pop = 0;
      for (std::size_t j = 0; j < n; ++j) {
        if (events_[j].value != events_[i].value) {
          continue;
        }
        pushes += is_push(events_[j]) ? 1 : 0;
        if (is_pop(events_[j])) {
          ++pops;
          pop = j;
        }
      }
      if (pushes == 1 && pops <= 1) {
        pop_of_[i] = pops == 1 ? static_cast<int>(pop) : kNeverPopped;
      }
    }
  }

  // Pruning that keeps the search small when pushes overlap: pushing i behind w fixes
  // that w is popped first, which is hopeless when w is never popped while i is, or when
  // the pop of i returned before the pop of w was invoked.
  bool order_can_hold(std::size_t i) const {
    const int pop_i = pop_of_[i];
    if (pop_i < 0) {
      return true;
    }
    for (std::size_t k = head_; k < tail_; ++k) {
      const int pop_w = pop_of_[queue_[k]];
      if (pop_w == kNeverPopped ||
          (pop_w >= 0 && (must_follow_[static_cast<std::size_t>(pop_w)] &
                          (std::uint64_t{1} << static_cast<unsigned>(pop_i))) != 0)) {
        return false;
      }
    }
    return true;
  }

  // Applies event i to the model queue when the queue explains its result.
  bool apply(std::size_t i) {
    const QueueEvent& event = events_[i];
    const std::size_t size = tail_ - head_;
    if (is_push(event)) {
      if (size >= capacity_ || !order_can_hold(i)) {
        return false;
      }
      queue_[tail_++] = static_cast<std::uint8_t>(i);
      return true;
    }
    if (is_pop(event)) {
      if (size == 0 || events_[queue_[head_]].value != event.value) {
        return false;
      }
      ++head_;
      return true;
    }
    if (event.kind == QueueOpKind::try_send) {  // failed: the queue was full
      return size == capacity_;
    }
    return size == 0;  // a failed try_recv: the queue was empty
  }

  // Exact inverse of a successful apply(i); slots past tail_ still hold popped entries.
  void undo(std::size_t i) {
    if (is_push(events_[i])) {
      --tail_;
    } else if (is_pop(events_[i])) {
      --head_;
    }
  }

  // The applied-events mask followed by the canonical id of each queued element.
  const std::string& state_key() {
    key_.resize(sizeof done_ + (tail_ - head_));
    std::memcpy(key_.data(), &done_, sizeof done_);
    for (std::size_t k = head_; k < tail_; ++k) {
      key_[sizeof done_ + (k - head_)] = static_cast<char>(canonical_[queue_[k]]);
    }
    return key_;
  }

  std::vector<QueueEvent> events_;
  std::size_t capacity_;
  std::vector<std::uint64_t> must_follow_;  // bit j of [i]: event j returned before i began
  std::vector<std::uint8_t> canonical_;     // first push of the same value
  std::vector<int> pop_of_;                 // see match_pushes_with_pops()
  std::vector<std::uint8_t> queue_;         // model queue of event ids, [head_, tail_)
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
  std::uint64_t done_ = 0;  // events applied so far
  std::uint64_t all_ = 0;
  std::string key_;  // reused buffer for state_key()
  std::unordered_set<std::string> visited_;
};

std::string describe(const QueueEvent& event) {
  const std::string value = std::to_string(event.value);
  switch (event.kind) {
    case QueueOpKind::send:
      return "send(" + value + ") -> " + (event.ok ? "ok" : "closed (ignored)");
    case QueueOpKind::try_send:
      return "try_send(" + value + ") -> " + (event.ok ? "ok" : "full");
    case QueueOpKind::recv:
      return std::string("recv() -> ") + (event.ok ? value : "closed (ignored)");
    case QueueOpKind::try_recv:
      return std::string("try_recv() -> ") + (event.ok ? value : "empty");
  }
  return "?";
}

std::string explain(std::vector<QueueEvent> events, std::size_t capacity) {
  std::stable_sort(events.begin(), events.end(),
                   [](const QueueEvent& a, const QueueEvent& b) { return a.invoked < b.invoked; });
  std::string text =
      "no order of these operations, consistent with their real-time order, "
      "is a run of a FIFO queue of capacity " +
      std::to_string(capacity) + ".\nevents by call time ([invoked..returned]):\n";
  for (const QueueEvent& event : events) {
    text += "  [" + std::to_string(event.invoked) + ".." + std::to_string(event.returned) + "] " +
            describe(event) + "\n";
  }
  return text;
}

}  // namespace

Verdict check_bounded_fifo(const std::vector<QueueEvent>& events, std::size_t capacity) {
  std::vector<QueueEvent> relevant;
  relevant.reserve(events.size());
  std::copy_if(events.begin(), events.end(), std::back_inserter(relevant),
               [](const QueueEvent& event) { return !is_ignored(event); });
  if (relevant.size() > kMaxEvents) {
    throw std::invalid_argument("check_bounded_fifo: at most 64 events per history");
  }
  // Trying events in call order finds the usual (almost sequential) witness first.
  std::stable_sort(relevant.begin(), relevant.end(),
                   [](const QueueEvent& a, const QueueEvent& b) { return a.invoked < b.invoked; });
  Verdict verdict;
  verdict.linearizable = FifoSearch(std::move(relevant), capacity).run();
  if (!verdict.linearizable) {
    verdict.explanation = explain(events, capacity);
  }
  return verdict;
}

}  // namespace lockstep::lin
