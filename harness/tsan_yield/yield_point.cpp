#include "yield_point.hpp"

#include <sched.h>
#include <unistd.h>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace lockstep::tsan_yield {
namespace {

// Read once by the load-time constructor below, before any thread of the test exists,
// and never written again: later readers need no synchronisation. Until then (other
// static initialisers) it is 0 and the wrappers stay off.
unsigned g_permille = 0;
std::uint64_t g_seed = 0;

std::uint64_t parse_u64(const char* text, std::uint64_t fallback) {
  if (text == nullptr) {
    return fallback;
  }
  std::uint64_t value = 0;
  const char* end = text + std::strlen(text);
  const auto [ptr, ec] = std::from_chars(text, end, value);
  return ec == std::errc{} && ptr == end ? value : fallback;
}

// Priority 101 runs it ahead of ordinary static initialisers (including gtest's).
// NOLINTBEGIN(concurrency-mt-unsafe): getenv at load time, before any thread exists
__attribute__((constructor(101))) void read_config() {
  constexpr std::uint64_t kMaxPermille = 1000;
  const std::uint64_t permille = parse_u64(std::getenv("LOCKSTEP_YIELD_PERMILLE"), 0);
  g_permille = static_cast<unsigned>(permille < kMaxPermille ? permille : kMaxPermille);
  g_seed = parse_u64(std::getenv("LOCKSTEP_SEED"), 0);
}
// NOLINTEND(concurrency-mt-unsafe)

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

}  // namespace

void maybe_yield() noexcept {
  if (g_permille == 0) {
    return;
  }
  // Plain thread-locals (constant-initialised, no guard): each thread owns its state.
  thread_local std::uint64_t state = 0;
  thread_local bool seeded = false;
  if (!seeded) {
    state = g_seed ^ (static_cast<std::uint64_t>(::gettid()) << 32U);
    seeded = true;
  }
  constexpr std::uint64_t kPerMille = 1000;
  if (splitmix64(state) % kPerMille < g_permille) {
    ::sched_yield();
  }
}

}  // namespace lockstep::tsan_yield
