#pragma once

// Small helpers shared by the benchmark executables.
//
// Multi-threaded workloads run on threads the benchmark starts itself (not Google
// Benchmark's ->Threads()): every thread waits at a common gate, the clock starts when the
// gate opens and stops when the last thread is done, and that time is reported with
// UseManualTime(). Thread creation and the set-up of the structure under test are not
// timed, and every implementation of one workload runs exactly the same operations.

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

namespace lockstep::bench {

// The thread count of every multi-threaded workload: the machine has 2 cores.
inline constexpr int kThreads = 2;

// xorshift64*: a fast deterministic generator, one per thread.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ULL + 1) {}
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  // Uniform enough in [0, bound) for a benchmark (Lemire's multiply-shift).
  std::uint64_t below(std::uint64_t bound) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
  }

 private:
  std::uint64_t state_;
};

// Runs body(i) for i in [0, threads) on that many new threads started together; returns
// the seconds from the opening of the gate to the end of the last body.
template <class Body>
double run_on_threads(int threads, Body&& body) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> team;
  team.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    team.emplace_back([&, i] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {
        std::this_thread::yield();
      }
      body(i);
    });
  }
  while (ready.load() != threads) {
    std::this_thread::yield();
  }
  const auto start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  for (auto& t : team) {
    t.join();
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Times one call of f() for a manual-time benchmark.
template <class F>
double time_once(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The body of every benchmark executable's main(), after it registered its benchmarks.
inline int run_registered(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace lockstep::bench
