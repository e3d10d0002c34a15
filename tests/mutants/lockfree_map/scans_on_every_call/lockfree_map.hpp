#pragma once

// lockstep::lockfree_map — a lock-free hash map with safe memory reclamation.
//
// Reference solution: a fixed array of buckets, each a Harris–Michael lock-free sorted
// list (Michael, "High Performance Dynamic Lock-Free Hash Tables and List-Based Sets",
// SPAA 2002), with hazard pointers (Michael, "Hazard Pointers: Safe Memory Reclamation for
// Lock-Free Objects", 2004) deciding when an unlinked node may be freed.
//
//   - A node is erased in two steps: first its own `next` pointer is *marked* (the low bit
//     set) by a CAS; that is the logical deletion, after which no insert can link behind it.
//     Then it is unlinked by a CAS on its predecessor's `next`; any traversal that meets a
//     marked node helps with that CAS. The mark lives in the very word the unlinking CAS
//     compares, so a CAS on a removed predecessor fails instead of resurrecting a node.
//   - A value lives in its own heap block that the node points to, so insert_or_assign
//     swaps one pointer; the old block is retired like an unlinked node.
//   - Every call announces the nodes (and the value block) it is about to read in hazard
//     slots; an unlinked node is handed to `retire` and freed only once no hazard slot
//     holds it. At most kScanThreshold-ish retired blocks wait per hazard record, so memory
//     stays bounded however long the churn runs.
//
// The numbered comments (1), (2), ... name each synchronising pair of atomic operations.
// Operations left at seq_cst are the hazard-pointer handshake (a store followed by a load
// of another location on each side: only seq_cst orders those without a fence) and the
// CASes that publish or unlink nodes.

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace lockstep::lockfree_map {

namespace detail {

// One hazard-pointer domain per map. A call takes a free Record for its duration (its
// hazard slots and its list of retired blocks), so any number of threads may use the map
// and a map needs no thread-local state.
class HazardDomain {
 public:
  static constexpr std::size_t kSlots = 3;  // predecessor node, current node, value block
  static constexpr std::size_t kScanThreshold = 64;

  using Deleter = void (*)(void*);

  struct Record {
    std::atomic<bool> in_use{false};
    std::array<std::atomic<void*>, kSlots> hazards{};
    std::vector<std::pair<void*, Deleter>> retired;  // touched only by the record's holder
    Record* next = nullptr;                          // written once, before publication
  };

  HazardDomain() = default;
  HazardDomain(const HazardDomain&) = delete;
  HazardDomain& operator=(const HazardDomain&) = delete;
  HazardDomain(HazardDomain&&) = delete;
  HazardDomain& operator=(HazardDomain&&) = delete;

  // Quiescent by contract: nobody holds a record, so every retired block is unreachable.
  ~HazardDomain() {
    Record* record = records_.load(std::memory_order_acquire);
    while (record != nullptr) {
      for (auto [block, deleter] : record->retired) {
        deleter(block);
      }
      Record* next = record->next;
      delete record;
      record = next;
    }
  }

  Record* acquire() {
    // (1) This acquire-load synchronises with the release-CAS (3) that published each
    // record, so `next` is read as written.
    for (Record* r = records_.load(std::memory_order_acquire); r != nullptr; r = r->next) {
      // (2) acquire: synchronises with the release-store (4) of the previous holder, so
      // its `retired` list is ours to touch. The relaxed pre-check only skips busy records.
      if (!r->in_use.load(std::memory_order_relaxed) &&
          !r->in_use.exchange(true, std::memory_order_acquire)) {
        return r;
      }
    }
    auto* fresh = new Record;
    fresh->in_use.store(true, std::memory_order_relaxed);  // not yet visible to anyone
    Record* head = records_.load(std::memory_order_relaxed);
    do {
      fresh->next = head;
      // (3) release: publishes the record's fields; relaxed on failure (only retried).
    } while (!records_.compare_exchange_weak(head, fresh, std::memory_order_release,
                                             std::memory_order_relaxed));
    record_count_.fetch_add(1, std::memory_order_relaxed);  // a scan-size heuristic only
    return fresh;
  }

  // Slow on purpose: reclaims on every call instead of in batches. On its way out each
  // call scans every hazard slot for what it retired, then takes every idle record and
  // scans for that record's retired blocks too, so nothing ever waits for a batch to fill.
  void release(Record* record) {
    for (auto& slot : record->hazards) {
      slot.store(nullptr, std::memory_order_seq_cst);
    }
    scan(record);
    // (4) release: pairs with (2); the next holder sees our `retired` list.
    record->in_use.store(false, std::memory_order_release);
    for (Record* r = records_.load(std::memory_order_acquire); r != nullptr; r = r->next) {
      // (2) as in acquire(): taking an idle record makes its `retired` list ours to touch.
      if (!r->in_use.load(std::memory_order_relaxed) &&
          !r->in_use.exchange(true, std::memory_order_acquire)) {
        scan(r);
        r->in_use.store(false, std::memory_order_release);  // (4)
      }
    }
  }

  // Hand over a block that is no longer reachable from the map; it is freed once no
  // hazard slot holds it (by the scans at the end of this call or a later one).
  static void retire(Record* record, void* block, Deleter deleter) {
    record->retired.emplace_back(block, deleter);
  }

 private:
  void scan(Record* record) {
    std::vector<void*> hazards;
    hazards.reserve(kSlots * 8);
    for (Record* r = records_.load(std::memory_order_acquire); r != nullptr; r = r->next) {
      // Slots are read last to first: search() hands a node from the current slot to the
      // predecessor slot (stores prev, then overwrites cur), so a scan that read prev
      // first could read it before the hand-off and cur after it, and miss the node.
      for (auto slot = r->hazards.rbegin(); slot != r->hazards.rend(); ++slot) {
        // (5) seq_cst: the other half of the hazard handshake (7). The unlinking CAS came
        // before this load; a reader that published its hazard after this load re-reads
        // the link after its store and sees the node gone, so it never uses the block.
        if (void* p = slot->load(std::memory_order_seq_cst); p != nullptr) {
          hazards.push_back(p);
        }
      }
    }
    std::sort(hazards.begin(), hazards.end());
    auto keep =
        std::partition(record->retired.begin(), record->retired.end(),
                       [&](const std::pair<void*, Deleter>& entry) {
                         return std::binary_search(hazards.begin(), hazards.end(), entry.first);
                       });
    for (auto it = keep; it != record->retired.end(); ++it) {
      it->second(it->first);  // no hazard names it and it is unreachable: free it
    }
    record->retired.erase(keep, record->retired.end());
  }

  std::atomic<Record*> records_{nullptr};
  std::atomic<std::size_t> record_count_{0};
};

// Holds a record for the duration of one call.
class HazardGuard {
 public:
  explicit HazardGuard(HazardDomain& domain) : domain_(domain), record_(domain.acquire()) {}
  ~HazardGuard() { domain_.release(record_); }
  HazardGuard(const HazardGuard&) = delete;
  HazardGuard& operator=(const HazardGuard&) = delete;
  HazardGuard(HazardGuard&&) = delete;
  HazardGuard& operator=(HazardGuard&&) = delete;

  // (7) seq_cst store: must be ordered before the caller's re-read of the link (see (5)).
  void set(std::size_t slot, void* p) {
    record_->hazards[slot].store(p, std::memory_order_seq_cst);
  }
  void retire(void* block, HazardDomain::Deleter deleter) {
    HazardDomain::retire(record_, block, deleter);
  }

 private:
  HazardDomain& domain_;
  HazardDomain::Record* record_;
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
    detail::HazardGuard guard(domain_);
    const std::size_t h = hash_(key);
    Position pos;
    if (!search(guard, bucket(h), h, key, pos)) {
      return std::nullopt;
    }
    // Protect the value block: publish, then check the node still points to it.
    V* value = pos.cur->value.load(std::memory_order_seq_cst);
    for (;;) {
      guard.set(kValueSlot, value);
      // (8) seq_cst: re-read after the hazard store (7); pairs with the exchange (10).
      V* again = pos.cur->value.load(std::memory_order_seq_cst);
      if (again == value) {
        break;
      }
      value = again;
    }
    return std::optional<V>(*value);
  }

  // Adds key -> value if the key is absent. Returns whether it was added.
  bool insert(const K& key, const V& value) {
    detail::HazardGuard guard(domain_);
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
    detail::HazardGuard guard(domain_);
    const std::size_t h = hash_(key);
    std::unique_ptr<Node> fresh;
    for (;;) {
      Position pos;
      if (search(guard, bucket(h), h, key, pos)) {
        V* replacement =
            fresh ? fresh->value.exchange(nullptr, std::memory_order_relaxed) : new V(value);
        // (10) seq_cst: publishes the new block (readers load it at (8)) and pairs with the
        // value hazard handshake before the old block is retired.
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
    detail::HazardGuard guard(domain_);
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
  static constexpr std::size_t kPrevSlot = 0;
  static constexpr std::size_t kCurSlot = 1;
  static constexpr std::size_t kValueSlot = 2;

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
    // relaxed: `fresh` is private until the CAS below publishes it.
    fresh->next.store(pos.cur, std::memory_order_relaxed);
    Node* expected = pos.cur;
    // (9) seq_cst CAS publishes the node (its key, value and next) to the loads (6).
    return pos.prev->compare_exchange_strong(expected, fresh, std::memory_order_seq_cst);
  }

  // Michael's search. Nodes in a bucket are sorted by hash; nodes with equal hashes are
  // kept in the order they were inserted (an insert goes after all of them). Returns
  // whether `key` is present; fills pos either way. Unlinks and retires every marked node
  // it meets. On return the hazard slots hold pos.cur and the node owning *pos.prev.
  bool search(detail::HazardGuard& guard, std::atomic<Node*>& head, std::size_t h, const K& key,
              Position& pos) const {
    for (;;) {  // each pass starts over from the bucket head
      std::atomic<Node*>* prev = &head;
      // (6) seq_cst loads of links: acquire for the node contents published at (9), and
      // part of the hazard handshake when re-read after a hazard store.
      Node* cur = prev->load(std::memory_order_seq_cst);
      for (;;) {  // a `break` restarts from the head
        if (cur == nullptr) {
          pos = {prev, nullptr, nullptr};
          return false;
        }
        guard.set(kCurSlot, cur);
        if (prev->load(std::memory_order_seq_cst) != cur) {
          // cur was unlinked, or prev was marked, before our hazard landed
          break;
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
        guard.set(kPrevSlot, cur);  // cur becomes the predecessor; keep it protected
        cur = next;
      }
    }
  }

  Hash hash_;
  std::size_t bucket_count_;
  std::unique_ptr<std::atomic<Node*>[]> buckets_;
  std::atomic<std::ptrdiff_t> size_{0};
  mutable detail::HazardDomain domain_;
};

}  // namespace lockstep::lockfree_map
