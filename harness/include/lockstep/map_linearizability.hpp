#pragma once

// A linearizability checker for small concurrent histories of a map (header-only).
//
// A map is a product of independent registers, one per key: a history of the map is
// linearizable exactly when, for every key, the calls on that key are (Herlihy & Wing,
// "locality"). So the history is split by key and each part is checked on its own with
// the Wing & Gong search, memoising (set of linearized calls, register state) pairs that
// were already explored. A part holds at most 64 calls.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

namespace lockstep::lin {

enum class MapOpKind {
  find,              // ok: found, with `value`; !ok: absent
  insert,            // ok: the key was absent and `value` went in; !ok: present, unchanged
  insert_or_assign,  // ok: the key was absent (inserted); !ok: present, value replaced
  erase,             // ok: the key was present and is gone; !ok: it was absent
};

struct MapEvent {
  MapOpKind kind{};
  std::int64_t key = 0;
  std::int64_t value = 0;  // the value written, or the value found when ok
  bool ok = false;
  std::uint64_t invoked = 0;   // logical time just before the call
  std::uint64_t returned = 0;  // logical time just after it returned
};

// Records events from several threads without locks: thread i appends to its own list.
class MapHistory {
 public:
  explicit MapHistory(std::size_t threads) : per_thread_(threads) {}
  std::uint64_t now() { return clock_.fetch_add(1, std::memory_order_seq_cst); }
  void record(std::size_t thread, const MapEvent& event) {
    per_thread_.at(thread).push_back(event);
  }
  // All threads' events; call after joining them.
  [[nodiscard]] std::vector<MapEvent> events() const {
    std::vector<MapEvent> all;
    for (const auto& list : per_thread_) {
      all.insert(all.end(), list.begin(), list.end());
    }
    return all;
  }

 private:
  std::atomic<std::uint64_t> clock_{0};
  std::vector<std::vector<MapEvent>> per_thread_;
};

struct MapVerdict {
  bool linearizable = true;
  std::string explanation;  // when not: the offending key's calls, one per line, by call time
};

namespace detail {

inline std::string describe(const MapEvent& e) {
  std::ostringstream out;
  out << '[' << e.invoked << ".." << e.returned << "] ";
  switch (e.kind) {
    case MapOpKind::find:
      out << "find(" << e.key << ") -> ";
      if (e.ok) {
        out << e.value;
      } else {
        out << "absent";
      }
      break;
    case MapOpKind::insert:
      out << "insert(" << e.key << ", " << e.value << ") -> " << (e.ok ? "true" : "false");
      break;
    case MapOpKind::insert_or_assign:
      out << "insert_or_assign(" << e.key << ", " << e.value << ") -> "
          << (e.ok ? "inserted" : "assigned");
      break;
    case MapOpKind::erase:
      out << "erase(" << e.key << ") -> " << (e.ok ? "true" : "false");
      break;
  }
  return out.str();
}

// Applies `e` to the register `state`; false when `e`'s result is impossible there.
inline bool apply(const MapEvent& e, std::optional<std::int64_t>& state) {
  switch (e.kind) {
    case MapOpKind::find:
      return e.ok ? (state.has_value() && *state == e.value) : !state.has_value();
    case MapOpKind::insert:
      if (e.ok != !state.has_value()) {
        return false;
      }
      if (e.ok) {
        state = e.value;
      }
      return true;
    case MapOpKind::insert_or_assign:
      if (e.ok != !state.has_value()) {
        return false;
      }
      state = e.value;
      return true;
    case MapOpKind::erase:
      if (e.ok != state.has_value()) {
        return false;
      }
      state.reset();
      return true;
  }
  return false;
}

class RegisterSearch {
 public:
  explicit RegisterSearch(const std::vector<MapEvent>& events) : events_(events) {}

  bool run(std::optional<std::int64_t> initial) { return explore(0, initial); }

 private:
  struct Key {
    std::uint64_t done;
    bool present;
    std::int64_t value;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      return std::hash<std::uint64_t>{}(k.done * 0x9E3779B97F4A7C15ULL ^
                                        static_cast<std::uint64_t>(k.value) ^
                                        (k.present ? 0x5bd1e995ULL : 0));
    }
  };

  bool explore(std::uint64_t done, std::optional<std::int64_t> state) {
    const std::size_t n = events_.size();
    if (done == (n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1)) {
      return true;
    }
    if (!seen_.insert({done, state.has_value(), state.value_or(0)}).second) {
      return false;  // explored before, without success
    }
    // A call may go next only if no pending call returned before it was invoked.
    std::uint64_t first_return = ~std::uint64_t{0};
    for (std::size_t i = 0; i < n; ++i) {
      if ((done >> i & 1U) == 0) {
        first_return = std::min(first_return, events_[i].returned);
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      if ((done >> i & 1U) != 0 || events_[i].invoked > first_return) {
        continue;
      }
      auto next = state;
      if (apply(events_[i], next) && explore(done | std::uint64_t{1} << i, next)) {
        return true;
      }
    }
    return false;
  }

  const std::vector<MapEvent>& events_;
  std::unordered_set<Key, KeyHash> seen_;
};

}  // namespace detail

// Is there, for every key, an order of that key's calls, consistent with real time (a
// before b when a returned before b was invoked), in which a map starting from `initial`
// gives every result? Throws std::invalid_argument when one key has more than 64 calls.
inline MapVerdict check_map(const std::vector<MapEvent>& events,
                            const std::map<std::int64_t, std::int64_t>& initial = {}) {
  std::map<std::int64_t, std::vector<MapEvent>> by_key;
  for (const auto& e : events) {
    by_key[e.key].push_back(e);
  }
  for (auto& [key, part] : by_key) {
    if (part.size() > 64) {
      throw std::invalid_argument("check_map: more than 64 calls on one key");
    }
    std::sort(part.begin(), part.end(),
              [](const MapEvent& a, const MapEvent& b) { return a.invoked < b.invoked; });
    std::optional<std::int64_t> start;
    if (auto it = initial.find(key); it != initial.end()) {
      start = it->second;
    }
    if (!detail::RegisterSearch(part).run(start)) {
      std::ostringstream out;
      out << "key " << key << " (initially ";
      if (start) {
        out << *start;
      } else {
        out << "absent";
      }
      out << "):\n";
      for (const auto& e : part) {
        out << "  " << detail::describe(e) << '\n';
      }
      return {false, out.str()};
    }
  }
  return {};
}

}  // namespace lockstep::lin
