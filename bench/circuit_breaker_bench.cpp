// circuit_breaker: the cost of the closed path (a healthy dependency) over a direct call,
// and how it scales with threads, against the breaker a user writes first (one mutex
// around the state and the counters, taken before and after the call).
//
//   closed_1t / closed_2t: 1 or 2 threads, each kCalls calls of a trivial function
//   through one shared breaker (operations/s over all threads).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>

#include "bench_common.hpp"
#include "circuit_breaker.hpp"

namespace {

constexpr int kCalls = 1'000'000;  // per thread and iteration

// The protected call: trivial, and opaque to the optimiser so it is really made.
[[gnu::noinline]] int protected_call(int x) {
  benchmark::DoNotOptimize(x);
  return x + 1;
}

class Direct {
 public:
  int call(int x) { return protected_call(x); }
};

class LockstepBreaker {
 public:
  int call(int x) {
    return breaker_.call([x] { return protected_call(x); });
  }

 private:
  lockstep::circuit_breaker::CircuitBreaker<> breaker_{lockstep::circuit_breaker::Config{}};
};

// A consecutive-failures breaker under one mutex: the first thing a user writes.
class MutexBreaker {
 public:
  int call(int x) {
    {
      std::lock_guard lock(mutex_);
      if (open_) {
        throw std::runtime_error("open");
      }
    }
    try {
      const int result = protected_call(x);
      std::lock_guard lock(mutex_);
      consecutive_failures_ = 0;
      ++successes_;
      return result;
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (++consecutive_failures_ >= 5) {
        open_ = true;
      }
      throw;
    }
  }

 private:
  std::mutex mutex_;
  bool open_ = false;
  int consecutive_failures_ = 0;
  std::uint64_t successes_ = 0;
};

template <class Impl>
void closed(benchmark::State& state, int threads) {
  Impl impl;
  for (auto _ : state) {
    const double seconds = lockstep::bench::run_on_threads(threads, [&](int) {
      int sum = 0;
      for (int i = 0; i < kCalls; ++i) {
        sum += impl.call(i);
      }
      benchmark::DoNotOptimize(sum);
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * threads * kCalls);
}

template <class Impl>
void add(const char* impl) {
  benchmark::RegisterBenchmark((std::string("closed_1t/") + impl).c_str(),
                               [](benchmark::State& s) { closed<Impl>(s, 1); })
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((std::string("closed_2t/") + impl).c_str(),
                               [](benchmark::State& s) { closed<Impl>(s, 2); })
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  add<LockstepBreaker>("lockstep");
  add<Direct>("direct_call");
  add<MutexBreaker>("mutex_breaker");
  return lockstep::bench::run_registered(argc, argv);
}
