#pragma once

// lockstep::lockfree_map — alternate solution: epoch-based reclamation (EBR).
//
// Same Harris–Michael bucket lists as the reference, but memory is reclaimed by epochs
// (Fraser, "Practical lock-freedom", 2004) instead of hazard pointers: every call pins the
// current global epoch for its whole duration and may then read any node without
// announcing it. A block unlinked while the global epoch is e is freed once the epoch has
// reached e + 2: advancing the epoch requires every pinned call to be pinned at the
// current epoch, so after two advances no call that could have seen the block is left.
// Readers pay one store per call instead of one per node; the price is that one stalled
// call holds back all reclamation (hazard pointers bound that per thread).
//
// Every atomic operation of the reclamation and the lists is seq_cst (only the size counter
// and the quiescent destructor use relaxed, as in the reference): the argument above is about one
// total order of the pin stores, the link loads, the unlinking CASes and the epoch reads, which
// only seq_cst gives without fences (TSan does not model fences).

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace lockstep::lockfree_map {

namespace detail {

class EpochDomain {
 public:
  static constexpr std::size_t kBatch = 64;
  static constexpr std::uint64_t kIdle = std::numeric_limits<std::uint64_t>::max();

  using Deleter = void (*)(void*);

  struct Retired {
    void* block;
    Deleter deleter;
    std::uint64_t epoch;  // the global epoch read after the block was unlinked
  };

  struct Record {
    std::atomic<bool> in_use{false};
    std::atomic<std::uint64_t> pinned{kIdle};  // the epoch the holder is pinned at
    std::vector<Retired> retired;              // touched only by the record's holder
    Record* next = nullptr;                    // written once, before publication
  };

  EpochDomain() = default;
  EpochDomain(const EpochDomain&) = delete;
  EpochDomain& operator=(const EpochDomain&) = delete;
  EpochDomain(EpochDomain&&) = delete;
  EpochDomain& operator=(EpochDomain&&) = delete;

  // Quiescent by contract: nobody is pinned, so every retired block is unreachable.
  ~EpochDomain() {
    Record* record = records_.load();
    while (record != nullptr) {
      for (const auto& entry : record->retired) {
        entry.deleter(entry.block);
      }
      Record* next = record->next;
      delete record;
      record = next;
    }
  }

  Record* enter() {
    Record* mine = nullptr;
    for (Record* r = records_.load(); r != nullptr && mine == nullptr; r = r->next) {
      if (!r->in_use.load() && !r->in_use.exchange(true)) {
        mine = r;  // the exchange orders us after the previous holder's release
      }
    }
    if (mine == nullptr) {
      mine = new Record;
      mine->in_use.store(true);
      Record* head = records_.load();
      do {
        mine->next = head;
      } while (!records_.compare_exchange_weak(head, mine));
    }
    mine->pinned.store(epoch_.load());
    return mine;
  }

  static void leave(Record* record) {
    record->pinned.store(kIdle);
    record->in_use.store(false);
  }

  void retire(Record* record, void* block, Deleter deleter) {
    record->retired.push_back({block, deleter, epoch_.load()});
    if (record->retired.size() < kBatch) {
      return;
    }
    try_advance();
    const std::uint64_t now = epoch_.load();
    collect(record, now);
    // A record whose holder stopped calling would keep its backlog for good: drain the
    // idle ones too (taking a record is the same exchange as in enter()).
    for (Record* r = records_.load(); r != nullptr; r = r->next) {
      if (r != record && !r->in_use.load() && !r->in_use.exchange(true)) {
        collect(r, now);
        r->in_use.store(false);
      }
    }
  }

 private:
  // Frees the blocks of `record` (held by the caller) retired two epochs before `now`.
  static void collect(Record* record, std::uint64_t now) {
    auto keep = std::partition(record->retired.begin(), record->retired.end(),
                               [&](const Retired& entry) { return entry.epoch + 2 > now; });
    for (auto it = keep; it != record->retired.end(); ++it) {
      it->deleter(it->block);  // two epochs old: no pinned call can still reach it
    }
    record->retired.erase(keep, record->retired.end());
  }

  // Moves the global epoch on by one if every pinned call is pinned at the current one.
  void try_advance() {
    std::uint64_t current = epoch_.load();
    for (Record* r = records_.load(); r != nullptr; r = r->next) {
      const std::uint64_t p = r->pinned.load();
      if (p != kIdle && p != current) {
        return;  // a call pinned at an older epoch may still reach older blocks
      }
    }
    epoch_.compare_exchange_strong(current, current + 1);
  }

  std::atomic<std::uint64_t> epoch_{0};
  std::atomic<Record*> records_{nullptr};
};

// Pins the epoch for the duration of one call.
class EpochGuard {
 public:
  explicit EpochGuard(EpochDomain& domain) : domain_(domain), record_(domain.enter()) {}
  ~EpochGuard() { EpochDomain::leave(record_); }
  EpochGuard(const EpochGuard&) = delete;
  EpochGuard& operator=(const EpochGuard&) = delete;
  EpochGuard(EpochGuard&&) = delete;
  EpochGuard& operator=(EpochGuard&&) = delete;

  void retire(void* block, EpochDomain::Deleter deleter) {
    domain_.retire(record_, block, deleter);
  }

 private:
  EpochDomain& domain_;
  EpochDomain::Record* record_;
};

}  // namespace detail

// A hash map from K to V that any number of threads may use at once, without locks.
// K: copyable and equality-comparable; V: copy-constructible (find returns a copy).
template <class K, class V, class Hash = std::hash<K>>
class LockFreeMap {
 public:
  // `bucket_hint`: roughly how many keys to expect (rounded up to a power of two).
  explicit LockFreeMap(std::size_t bucket_hint = 1024, Hash hash = Hash{})
      : hash_(std::move(hash)),
        bucket_count_(std::bit_ceil(std::max<std::size_t>(bucket_hint, 1))),
        buckets_(std::make_unique<std::atomic<Node*>[]>(bucket_count_)) {}

  // No thread may still be inside a member function. Frees every node and value, including
  // the ones erased or replaced and still waiting for reclamation.
  ~LockFreeMap() {
    for (std::size_t i = 0; i < bucket_count_; ++i) {
      // relaxed: quiescent by contract; the caller's join ordered every earlier call.
      Node* node = unmarked(buckets_[i].load(std::memory_order_relaxed));
      while (node != nullptr) {
        Node* next = unmarked(node->next.load(std::memory_order_relaxed));
        delete_node(node);
        node = next;
      }
    }
  }
  LockFreeMap(const LockFreeMap&) = delete;
  LockFreeMap& operator=(const LockFreeMap&) = delete;
  LockFreeMap(LockFreeMap&&) = delete;
  LockFreeMap& operator=(LockFreeMap&&) = delete;

  // All members may be called concurrently from any number of threads; none blocks.

  // A copy of the value mapped to `key`, or nullopt.
  std::optional<V> find(const K& key) const {
    detail::EpochGuard guard(domain_);
    const std::size_t h = hash_(key);
    Position pos;
    if (!search(guard, bucket(h), h, key, pos)) {
      return std::nullopt;
    }
    // The pinned epoch keeps the block alive even if it is replaced meanwhile.
    return std::optional<V>(*pos.cur->value.load());
  }

  // Adds key -> value if the key is absent. Returns whether it was added.
  bool insert(const K& key, const V& value) {
    detail::EpochGuard guard(domain_);
    const std::size_t h = hash_(key);
    std::unique_ptr<Node> fresh;
    for (;;) {
      Position pos;
      if (search(guard, bucket(h), h, key, pos)) {
        if (fresh) {
          delete fresh->value.load(std::memory_order_relaxed);  // never published
        }
        return false;
      }
      if (!fresh) {
        fresh = std::make_unique<Node>(h, key, new V(value));
      }
      if (link(pos, fresh.get())) {
        static_cast<void>(fresh.release());  // the map owns it now
        size_.fetch_add(1, std::memory_order_relaxed);
        return true;
      }
    }
  }

  // Adds key -> value, or replaces the value of a present key. Returns true when added.
  bool insert_or_assign(const K& key, const V& value) {
    detail::EpochGuard guard(domain_);
    const std::size_t h = hash_(key);
    std::unique_ptr<Node> fresh;
    for (;;) {
      Position pos;
      if (search(guard, bucket(h), h, key, pos)) {
        V* replacement =
            fresh ? fresh->value.exchange(nullptr, std::memory_order_relaxed) : new V(value);
        V* old = pos.cur->value.exchange(replacement, std::memory_order_seq_cst);
        guard.retire(old, &delete_value);
        return false;
      }
      if (!fresh) {
        fresh = std::make_unique<Node>(h, key, new V(value));
      }
      if (link(pos, fresh.get())) {
        static_cast<void>(fresh.release());  // the map owns it now
        size_.fetch_add(1, std::memory_order_relaxed);
        return true;
      }
    }
  }

  // Removes the key. Returns whether it was present.
  bool erase(const K& key) {
    detail::EpochGuard guard(domain_);
    const std::size_t h = hash_(key);
    for (;;) {
      Position pos;
      if (!search(guard, bucket(h), h, key, pos)) {
        return false;
      }
      // Logical deletion: mark the node's own next pointer. Fails if an insert linked a
      // node behind it or another erase marked it first: search again.
      Node* next = pos.next;
      if (!pos.cur->next.compare_exchange_strong(next, marked(next), std::memory_order_seq_cst)) {
        continue;
      }
      size_.fetch_sub(1, std::memory_order_relaxed);
      // Physical unlink; if the predecessor changed, a search cleans up instead.
      Node* expected = pos.cur;
      if (pos.prev->compare_exchange_strong(expected, next, std::memory_order_seq_cst)) {
        guard.retire(pos.cur, &delete_node_erased);
      } else {
        Position cleanup;
        search(guard, bucket(h), h, key, cleanup);
      }
      return true;
    }
  }

  // The number of keys. Exact when no call is running; approximate while writers run.
  [[nodiscard]] std::size_t size() const noexcept {
    // relaxed: a counter, not a publication; quiescent readers are ordered by their join.
    const auto n = size_.load(std::memory_order_relaxed);
    return n < 0 ? 0 : static_cast<std::size_t>(n);
  }

 private:
  struct Node {
    Node(std::size_t h, const K& k, V* v) : hash(h), key(k), value(v) {}
    const std::size_t hash;
    const K key;
    std::atomic<V*> value;
    std::atomic<Node*> next{nullptr};  // low bit set: this node is logically deleted
  };

  // Where a key is or would go: *prev == cur, and cur (if any) is the key's node or the
  // first node after it. `next` is cur's successor as seen unmarked.
  struct Position {
    std::atomic<Node*>* prev = nullptr;
    Node* cur = nullptr;
    Node* next = nullptr;
  };

  static Node* marked(Node* p) {
    // NOLINTNEXTLINE(performance-no-int-to-ptr): a tagged pointer, the tag in bit 0
    return reinterpret_cast<Node*>(reinterpret_cast<std::uintptr_t>(p) | 1U);
  }
  static Node* unmarked(Node* p) {
    // NOLINTNEXTLINE(performance-no-int-to-ptr): a tagged pointer, the tag in bit 0
    return reinterpret_cast<Node*>(reinterpret_cast<std::uintptr_t>(p) & ~std::uintptr_t{1});
  }
  static bool is_marked(Node* p) { return (reinterpret_cast<std::uintptr_t>(p) & 1U) != 0; }

  static void delete_value(void* block) { delete static_cast<V*>(block); }
  static void delete_node(Node* node) {
    delete node->value.load(std::memory_order_acquire);
    delete node;
  }
  static void delete_node_erased(void* block) { delete_node(static_cast<Node*>(block)); }

  std::atomic<Node*>& bucket(std::size_t h) const {
    // Fibonacci hashing spreads hashes whose low bits are poor (identity hashes of
    // multiples of a power of two).
    const std::size_t mixed = h * std::size_t{0x9E3779B97F4A7C15ULL};
    return buckets_[(mixed >> 17U) & (bucket_count_ - 1)];
  }

  // Links `fresh` at pos (between *pos.prev and pos.cur). Fails if the link changed or
  // the predecessor was marked meanwhile.
  static bool link(const Position& pos, Node* fresh) {
    fresh->next.store(pos.cur);  // private until the CAS below publishes it
    Node* expected = pos.cur;
    return pos.prev->compare_exchange_strong(expected, fresh, std::memory_order_seq_cst);
  }

  // Michael's search. Nodes in a bucket are sorted by hash; nodes with equal hashes are
  // kept in the order they were inserted (an insert goes after all of them). Returns
  // whether `key` is present; fills pos either way. Unlinks and retires every marked node
  // it meets. The caller's pinned epoch keeps every node it meets alive.
  bool search(detail::EpochGuard& guard, std::atomic<Node*>& head, std::size_t h, const K& key,
              Position& pos) const {
    for (;;) {  // each pass starts over from the bucket head
      std::atomic<Node*>* prev = &head;
      Node* cur = prev->load(std::memory_order_seq_cst);
      for (;;) {  // a `break` restarts from the head
        if (cur == nullptr) {
          pos = {prev, nullptr, nullptr};
          return false;
        }
        Node* next = cur->next.load(std::memory_order_seq_cst);
        if (is_marked(next)) {
          // cur is logically deleted: help unlink it (only the winner retires it).
          Node* expected = cur;
          if (!prev->compare_exchange_strong(expected, unmarked(next), std::memory_order_seq_cst)) {
            break;
          }
          guard.retire(cur, &delete_node_erased);
          cur = unmarked(next);
          continue;
        }
        if (cur->hash > h) {
          pos = {prev, cur, next};
          return false;
        }
        if (cur->hash == h && cur->key == key) {
          pos = {prev, cur, next};
          return true;
        }
        prev = &cur->next;
        cur = next;
      }
    }
  }

  Hash hash_;
  std::size_t bucket_count_;
  std::unique_ptr<std::atomic<Node*>[]> buckets_;
  std::atomic<std::ptrdiff_t> size_{0};
  mutable detail::EpochDomain domain_;
};

}  // namespace lockstep::lockfree_map
