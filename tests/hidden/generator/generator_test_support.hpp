#pragma once

// Small helpers shared by the generator's hidden tests.

#include <gtest/gtest.h>

#include <cstddef>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include <generator.hpp>

namespace lockstep::generator_test {

// Counts the objects of Probe made and destroyed. A frame that is never destroyed leaves
// probes alive (every configuration sees it, not only LeakSanitizer); a frame destroyed
// twice destroys its probes twice.
struct Tally {
  int constructed = 0;
  int destroyed = 0;
  [[nodiscard]] int live() const { return constructed - destroyed; }
};

class Probe {
 public:
  explicit Probe(Tally& tally) : tally_(&tally) { ++tally_->constructed; }
  Probe(const Probe& other) : tally_(other.tally_) { ++tally_->constructed; }
  Probe(Probe&& other) noexcept : tally_(other.tally_) { ++tally_->constructed; }
  Probe& operator=(const Probe&) = delete;
  Probe& operator=(Probe&&) = delete;
  ~Probe() { ++tally_->destroyed; }

 private:
  Tally* tally_;
};

// The exception the tests' generator bodies throw; `at` says where.
struct Boom : std::runtime_error {
  explicit Boom(int where) : std::runtime_error("boom"), at(where) {}
  int at;
};

// What drain() saw: the values, and whether the iterator compared equal to end() after
// the last of them.
template <class V>
struct Drained {
  std::vector<V> values;
  bool reached_end = false;
};

// Reads at most `max_values` values of `gen` (an lvalue or a temporary), moving each out
// of `*it`, incrementing once after each. It never increments past `max_values` values,
// so an iterator that never reaches end() fails the test instead of resuming a finished
// coroutine.
template <class G>
Drained<typename std::remove_cvref_t<G>::value_type> drain(G&& gen, std::size_t max_values) {
  Drained<typename std::remove_cvref_t<G>::value_type> out;
  auto it = gen.begin();
  while (!(it == gen.end())) {
    if (out.values.size() == max_values) {
      return out;
    }
    out.values.push_back(*it);
    ++it;
  }
  out.reached_end = true;
  return out;
}

// 0, 1, ..., n - 1.
inline generator::Generator<int> count_to(int n) {
  for (int i = 0; i < n; ++i) {
    co_yield i;
  }
}

}  // namespace lockstep::generator_test
