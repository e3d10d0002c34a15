#pragma once

// Small helpers shared by the lock-free map's hidden tests.

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <lockfree_map.hpp>
#include <lockstep/stress.hpp>

namespace lockstep::lockfree_map_test {

// A value that counts its live instances, so a test can tell how many values the map (and
// its reclamation backlog) still holds without looking inside it.
class Tracked {
 public:
  explicit Tracked(std::int64_t value) : value_(value) { live_count.fetch_add(1); }
  Tracked(const Tracked& other) : value_(other.value_) { live_count.fetch_add(1); }
  Tracked& operator=(const Tracked& other) = default;
  Tracked(Tracked&& other) noexcept : value_(other.value_) { live_count.fetch_add(1); }
  Tracked& operator=(Tracked&& other) noexcept = default;
  ~Tracked() { live_count.fetch_sub(1); }

  [[nodiscard]] std::int64_t value() const { return value_; }
  static std::int64_t live() { return live_count.load(); }

 private:
  std::int64_t value_;
  static inline std::atomic<std::int64_t> live_count{0};
};

// Every key hashes alike: the whole map is one chain, so every call walks past the nodes
// other threads are inserting and erasing. A correct map only gets slower.
struct CollidingHash {
  std::size_t operator()(std::int64_t /*key*/) const noexcept { return 42; }
};

// A value that names its key, so a reader can tell a value that belongs to another node
// (or to freed memory) from the right one.
inline std::int64_t value_for(std::int64_t key, std::int64_t version) {
  return key * 1'000'000'000 + version;
}
inline std::int64_t key_of(std::int64_t value) {
  return value / 1'000'000'000;
}

}  // namespace lockstep::lockfree_map_test
