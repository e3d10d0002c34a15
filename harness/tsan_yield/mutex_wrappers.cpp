// Link-time wrappers (-Wl,--wrap=pthread_mutex_*) that inject seeded yields around mutex
// operations: before a lock (another thread may get in first) and after an unlock (a
// waiter may run before this thread re-locks). std::mutex calls these directly with
// glibc >= 2.34, so every std::mutex / std::lock_guard in the executable is covered.

#include <pthread.h>

#include "yield_point.hpp"

// NOLINTBEGIN(readability-identifier-naming,bugprone-reserved-identifier): names fixed by ld --wrap
extern "C" {
int __real_pthread_mutex_lock(pthread_mutex_t* mutex);
int __real_pthread_mutex_trylock(pthread_mutex_t* mutex);
int __real_pthread_mutex_unlock(pthread_mutex_t* mutex);

int __wrap_pthread_mutex_lock(pthread_mutex_t* mutex) {
  lockstep::tsan_yield::maybe_yield();
  return __real_pthread_mutex_lock(mutex);
}

int __wrap_pthread_mutex_trylock(pthread_mutex_t* mutex) {
  lockstep::tsan_yield::maybe_yield();
  return __real_pthread_mutex_trylock(mutex);
}

int __wrap_pthread_mutex_unlock(pthread_mutex_t* mutex) {
  const int result = __real_pthread_mutex_unlock(mutex);
  lockstep::tsan_yield::maybe_yield();
  return result;
}
}  // extern "C"
// NOLINTEND(readability-identifier-naming,bugprone-reserved-identifier)
