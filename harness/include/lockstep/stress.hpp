#pragma once

// Helpers for concurrency tests: a common start gate, seeded choices and schedule noise,
// iteration counts scaled to the build, and a probe that tells when a thread is blocked.

#include <sys/types.h>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace lockstep::stress {

// The seed of this test process: LOCKSTEP_SEED when set, otherwise drawn once at random.
// The harness prints it with every failure together with the command that reruns it.
std::uint64_t seed();

// A small, fast, seedable generator (splitmix64). Not thread-safe: one per thread.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  std::uint64_t below(std::uint64_t bound);  // uniform in [0, bound), bound > 0
  bool chance(unsigned permille);            // true with probability permille / 1000

 private:
  std::uint64_t state_;
};

// Seeded schedule noise to call between operations of a stress test: mostly nothing,
// sometimes a yield, a short spin or a sleep of a few microseconds.
class Noise {
 public:
  Noise(std::uint64_t seed, unsigned permille) : rng_(seed), permille_(permille) {}
  void operator()();

 private:
  Rng rng_;
  unsigned permille_;
};

// `n` scaled down for slow builds: n under Release, n/2 under Debug or ASan, n/4 under
// TSan; never below 1.
std::size_t scaled(std::size_t n);

// Starts `threads` threads that all wait on one gate, opens it, runs body(index) in each
// and joins them. The first exception a body throws is rethrown here after the join.
void run_threads(std::size_t threads, const std::function<void(std::size_t)>& body);

// The kernel id of the calling thread.
pid_t current_tid();

// Waits until thread `tid` of this process has been asleep in the kernel (state S or D)
// on several consecutive looks, or `timeout` passed. Returns whether it was seen asleep.
// Tests use it to reach a state ("the receiver is blocked") before acting; a correct
// implementation passes whichever way the wait ends.
bool wait_until_blocked(pid_t tid, std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace lockstep::stress
