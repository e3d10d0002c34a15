// generator: Generator<T> against a hand-written iterator producing the same sequence.
// Both loops pass every value through benchmark::DoNotOptimize, so the optimiser cannot
// fold the hand-written loop into a closed formula: what is compared is the cost of
// producing one value and handing it to the consumer.
//
//   iota_10k:       0, 1, ..., 9999 (a frame per pass for the generator)
//   fibonacci_90:   the first 90 Fibonacci numbers, with the kit's fibonacci() helper

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <utility>

#include "bench_common.hpp"
#include "generator.hpp"

namespace {

constexpr std::uint64_t kIota = 10'000;
constexpr int kFib = 90;  // fib(93) is the last that fits in 64 bits

lockstep::generator::Generator<std::uint64_t> counting(std::uint64_t end) {
  for (std::uint64_t i = 0; i < end; ++i) {
    co_yield i;
  }
}

// The hand-written equivalents: an input iterator and a sentinel.
class CountingRange {
 public:
  explicit CountingRange(std::uint64_t end) : end_(end) {}
  class iterator {  // NOLINT(readability-identifier-naming)
   public:
    explicit iterator(std::uint64_t value) : value_(value) {}
    std::uint64_t operator*() const { return value_; }
    iterator& operator++() {
      ++value_;
      return *this;
    }
    bool operator!=(const iterator& other) const { return value_ != other.value_; }

   private:
    std::uint64_t value_;
  };
  [[nodiscard]] iterator begin() const { return iterator(0); }
  [[nodiscard]] iterator end() const { return iterator(end_); }

 private:
  std::uint64_t end_;
};

class FibonacciIterator {
 public:
  std::uint64_t operator*() const { return current_; }
  FibonacciIterator& operator++() {
    current_ = std::exchange(next_, current_ + next_);
    return *this;
  }

 private:
  std::uint64_t current_ = 0;
  std::uint64_t next_ = 1;
};

void iota_generator(benchmark::State& state) {
  for (auto _ : state) {
    for (const std::uint64_t value : counting(kIota)) {
      benchmark::DoNotOptimize(value);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kIota));
}

void iota_hand_written(benchmark::State& state) {
  for (auto _ : state) {
    for (const std::uint64_t value : CountingRange(kIota)) {
      benchmark::DoNotOptimize(value);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kIota));
}

void fibonacci_generator(benchmark::State& state) {
  for (auto _ : state) {
    int taken = 0;
    for (const std::uint64_t value : lockstep::generator::fibonacci()) {
      benchmark::DoNotOptimize(value);
      if (++taken == kFib) {
        break;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kFib);
}

void fibonacci_hand_written(benchmark::State& state) {
  for (auto _ : state) {
    FibonacciIterator it;
    for (int taken = 0; taken < kFib; ++taken, ++it) {
      benchmark::DoNotOptimize(*it);
    }
  }
  state.SetItemsProcessed(state.iterations() * kFib);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("iota_10k/lockstep", iota_generator);
  benchmark::RegisterBenchmark("iota_10k/hand_written_iterator", iota_hand_written);
  benchmark::RegisterBenchmark("fibonacci_90/lockstep", fibonacci_generator);
  benchmark::RegisterBenchmark("fibonacci_90/hand_written_iterator", fibonacci_hand_written);
  return lockstep::bench::run_registered(argc, argv);
}
