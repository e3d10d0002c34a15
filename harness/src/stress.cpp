#include "lockstep/stress.hpp"

#include <unistd.h>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <latch>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "proc_task.hpp"

namespace lockstep::stress {
namespace {

std::uint64_t seed_from_environment() {
  // Runs once, from main before any test thread (seed() is first called there).
  const char* text = std::getenv("LOCKSTEP_SEED");  // NOLINT(concurrency-mt-unsafe)
  if (text != nullptr) {
    std::uint64_t value = 0;
    const char* end = text + std::strlen(text);
    const auto [ptr, ec] = std::from_chars(text, end, value);
    if (ec == std::errc{} && ptr == end && ptr != text) {
      return value;
    }
    const std::string warning =
        std::string("lockstep: ignoring LOCKSTEP_SEED='") + text + "' (not a decimal u64)\n";
    [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, warning.data(), warning.size());
  }
  std::random_device device;
  constexpr unsigned kHalf = 32;
  return (static_cast<std::uint64_t>(device()) << kHalf) ^ device();
}

}  // namespace

std::uint64_t seed() {
  static const std::uint64_t process_seed = seed_from_environment();  // thread-safe, once
  return process_seed;
}

std::uint64_t Rng::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

std::uint64_t Rng::below(std::uint64_t bound) {
  // Rejection keeps it unbiased: drop the lowest (2^64 mod bound) values, then the rest
  // covers every residue equally often. Rarely loops more than once.
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const std::uint64_t value = next();
    if (value >= threshold) {
      return value % bound;
    }
  }
}

bool Rng::chance(unsigned permille) {
  constexpr std::uint64_t kPerMille = 1000;
  return below(kPerMille) < permille;
}

void Noise::operator()() {
  if (permille_ == 0 || !rng_.chance(permille_)) {
    return;
  }
  constexpr std::uint64_t kKinds = 3;
  constexpr std::uint64_t kMaxSpin = 200;
  constexpr std::uint64_t kMaxSleepUs = 20;
  switch (rng_.below(kKinds)) {
    case 0:
      std::this_thread::yield();
      break;
    case 1: {
      // A busy wait the compiler cannot remove; touches no shared memory.
      volatile std::uint64_t sink = 0;
      const std::uint64_t spins = rng_.below(kMaxSpin);
      for (std::uint64_t i = 0; i < spins; ++i) {
        sink = sink + i;
      }
      break;
    }
    default:
      std::this_thread::sleep_for(std::chrono::microseconds(1 + rng_.below(kMaxSleepUs)));
  }
}

std::size_t scaled(std::size_t n) {
#if defined(__SANITIZE_THREAD__)
  constexpr std::size_t kDivisor = 4;
#elif defined(__SANITIZE_ADDRESS__)
  constexpr std::size_t kDivisor = 2;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
  constexpr std::size_t kDivisor = 4;
#elif __has_feature(address_sanitizer)
  constexpr std::size_t kDivisor = 2;
#elif !defined(NDEBUG)
  constexpr std::size_t kDivisor = 2;
#else
  constexpr std::size_t kDivisor = 1;
#endif
#elif !defined(NDEBUG)
  constexpr std::size_t kDivisor = 2;
#else
  constexpr std::size_t kDivisor = 1;
#endif
  return n / kDivisor > 0 ? n / kDivisor : 1;
}

void run_threads(std::size_t threads, const std::function<void(std::size_t)>& body) {
  std::latch gate(1);
  bool abandon = false;  // written before the gate opens, read after: the latch orders it
  std::mutex error_mutex;
  std::exception_ptr first_error;  // guarded by error_mutex

  std::vector<std::thread> workers;
  workers.reserve(threads);
  try {
    for (std::size_t i = 0; i < threads; ++i) {
      workers.emplace_back([&, i] {
        gate.wait();
        if (abandon) {
          return;
        }
        try {
          body(i);
        } catch (...) {
          const std::lock_guard lock(error_mutex);
          if (!first_error) {
            first_error = std::current_exception();
          }
        }
      });
    }
  } catch (...) {
    // Could not start them all: release the ones waiting, without running the body.
    abandon = true;
    gate.count_down();
    for (std::thread& worker : workers) {
      worker.join();
    }
    throw;
  }
  gate.count_down();
  for (std::thread& worker : workers) {
    worker.join();
  }
  if (first_error) {
    std::rethrow_exception(first_error);
  }
}

pid_t current_tid() {
  return ::gettid();
}

bool wait_until_blocked(pid_t tid, std::chrono::milliseconds timeout) {
  // A thread between two steps of a busy loop is R; one that sleeps in the kernel is S
  // (or D). Several looks in a row filter out a thread that merely paused for a moment.
  constexpr int kLooksInARow = 3;
  constexpr std::chrono::milliseconds kSpacing{1};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int asleep_in_a_row = 0;
  for (;;) {
    const std::optional<detail::TaskState> state = detail::read_task_state(tid);
    if (!state) {
      return false;  // the thread is gone
    }
    asleep_in_a_row = state->state == 'S' || state->state == 'D' ? asleep_in_a_row + 1 : 0;
    if (asleep_in_a_row == kLooksInARow) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(kSpacing);
  }
}

}  // namespace lockstep::stress
