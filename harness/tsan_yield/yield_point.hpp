#pragma once

// The one decision every wrapper makes: yield the CPU here or not.

namespace lockstep::tsan_yield {

// Calls sched_yield() with probability LOCKSTEP_YIELD_PERMILLE / 1000, drawn from a
// per-thread splitmix64 seeded from LOCKSTEP_SEED and the thread id. Costs one
// predictable branch when the variable is unset or 0. Safe from any thread, at any time
// (before main and inside sanitizer callbacks too): it never allocates or locks.
void maybe_yield() noexcept;

}  // namespace lockstep::tsan_yield
