#pragma once

// lockstep::lockfree_map — a lock-free hash map with safe memory reclamation.
//
// Your task: implement every member below so that it keeps the promise written above it.
// The lesson (README.md beside this file) explains the guarantees and how they are tested.
// You own this whole file: add private members, helper classes (your hazard pointers or
// epochs) and functions as you like, but keep the public API exactly as it is, because the
// tests are written against it. No locks of any kind: see exercise.toml.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include <lockstep/not_implemented.hpp>

namespace lockstep::lockfree_map {

// A hash map from K to V that any number of threads may use at once, without locks.
// K: copyable and equality-comparable; V: copy-constructible (find returns a copy).
template <class K, class V, class Hash = std::hash<K>>
class LockFreeMap {
 public:
  // `bucket_hint`: roughly how many keys to expect. You may round it or ignore it.
  explicit LockFreeMap(std::size_t bucket_hint = 1024, Hash hash = Hash{})
      : bucket_hint_(std::max<std::size_t>(bucket_hint, 1)), hash_(std::move(hash)) {
    // TODO(student): allocate your buckets (or your first segment).
  }

  // No thread may still be inside a member function. Must free every node and value,
  // including the ones erased or replaced and still waiting for reclamation.
  ~LockFreeMap() {
    // TODO(student): walk the buckets and your retired lists and free everything.
  }
  LockFreeMap(const LockFreeMap&) = delete;
  LockFreeMap& operator=(const LockFreeMap&) = delete;
  LockFreeMap(LockFreeMap&&) = delete;
  LockFreeMap& operator=(LockFreeMap&&) = delete;

  // All members may be called concurrently from any number of threads; none blocks.

  // A copy of the value mapped to `key`, or nullopt.
  std::optional<V> find(const K& key) const {
    // TODO(student): protect each node before you read it (hazard pointer or epoch), and
    // load every link with an order that makes the node's contents visible.
    (void)key;
    throw lockstep::not_implemented("lockfree_map: find");
  }

  // Adds key -> value if the key is absent. Returns whether it was added.
  bool insert(const K& key, const V& value) {
    // TODO(student): link the new node with a compare-exchange on its predecessor's link,
    // and retry from a fresh search when it fails.
    (void)key;
    (void)value;
    throw lockstep::not_implemented("lockfree_map: insert");
  }

  // Adds key -> value, or replaces the value of a present key. Returns true when added.
  bool insert_or_assign(const K& key, const V& value) {
    // TODO(student): the replaced value may still be read by a concurrent find: retire it.
    (void)key;
    (void)value;
    throw lockstep::not_implemented("lockfree_map: insert_or_assign");
  }

  // Removes the key. Returns whether it was present.
  bool erase(const K& key) {
    // TODO(student): mark, then unlink with a compare-exchange, then *retire* the node;
    // never free it directly: another thread may be standing on it.
    (void)key;
    throw lockstep::not_implemented("lockfree_map: erase");
  }

  // The number of keys. Exact when no call is running; approximate while writers run.
  [[nodiscard]] std::size_t size() const noexcept {
    // TODO(student)
    return 0;
  }

 private:
  std::size_t bucket_hint_;
  Hash hash_;
  // TODO(student): buckets, a size counter, your reclamation scheme's state.
};

}  // namespace lockstep::lockfree_map
