// LD_PRELOAD shim: with a chance of LOCKSTEP_WAIT_DELAY_PERMILLE / 1000 (default 1000),
// sleeps a seeded random 0..LOCKSTEP_WAIT_DELAY_US microseconds (default 200) before a
// condition-variable wait or a futex wait made through syscall() (the path of
// std::atomic::wait in libstdc++ 12 and of hand-written futex code), then forwards to the
// next definition (the sanitizer's interceptor, or libc). The chance keeps hand-off-heavy
// stress tests fast while still delaying hundreds of their waits.
//
// Why: a lost-wakeup bug lives in the window between checking a condition and going to
// sleep. Widening that window makes the notify land in it almost every run, so the bug
// turns into a reliable hang that the harness watchdog reports. Correct code is not
// affected: the wait is only entered later, and timed waits keep their absolute deadline.
//
// Built without sanitizer instrumentation and without the C++ runtime's help: it must be
// loadable ahead of libasan/libtsan and callable before any of them is initialised.

#include <dlfcn.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdlib>
#include <ctime>

namespace {

constexpr std::uint64_t kDefaultMaxDelayUs = 200;
constexpr std::uint64_t kPermille = 1000;
constexpr std::uint64_t kMaxDelayCapUs = 1'000'000;  // sanity bound: never sleep > 1 s

// Written by the load-time constructor, before the program starts threads; until then
// the delay is 0 (off), so early calls from other initialisers just forward.
std::uint64_t g_max_delay_us = 0;
std::uint64_t g_delay_permille = kPermille;
std::uint64_t g_seed = 0;

std::uint64_t parse_u64(const char* text, std::uint64_t fallback) {
  if (text == nullptr || *text == '\0') {
    return fallback;
  }
  std::uint64_t value = 0;
  for (const char* p = text; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') {
      return fallback;
    }
    constexpr std::uint64_t kBase = 10;
    value = value * kBase + static_cast<std::uint64_t>(*p - '0');
  }
  return value;
}

// NOLINTBEGIN(concurrency-mt-unsafe): getenv at load time, before any thread exists
__attribute__((constructor)) void read_config() {
  const std::uint64_t max_us = parse_u64(std::getenv("LOCKSTEP_WAIT_DELAY_US"), kDefaultMaxDelayUs);
  g_max_delay_us = max_us < kMaxDelayCapUs ? max_us : kMaxDelayCapUs;
  const std::uint64_t permille = parse_u64(std::getenv("LOCKSTEP_WAIT_DELAY_PERMILLE"), kPermille);
  g_delay_permille = permille < kPermille ? permille : kPermille;
  g_seed = parse_u64(std::getenv("LOCKSTEP_SEED"), 0);
}
// NOLINTEND(concurrency-mt-unsafe)

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

// initial-exec: the shim is loaded at startup, so its TLS sits in the static block and
// an access never calls into the dynamic loader (which could allocate).
__attribute__((tls_model("initial-exec"))) thread_local std::uint64_t t_state = 0;
__attribute__((tls_model("initial-exec"))) thread_local bool t_seeded = false;

void delay_before_wait() {
  if (g_max_delay_us == 0) {
    return;
  }
  if (!t_seeded) {
    // gettid() is a plain system call wrapper, not syscall(): no recursion into the shim.
    t_state = g_seed ^ (static_cast<std::uint64_t>(::gettid()) << 32U);
    t_seeded = true;
  }
  if (splitmix64(t_state) % kPermille >= g_delay_permille) {
    return;
  }
  const std::uint64_t us = splitmix64(t_state) % (g_max_delay_us + 1);
  if (us == 0) {
    return;
  }
  constexpr std::uint64_t kNsPerUs = 1000;
  constexpr std::uint64_t kUsPerS = 1'000'000;
  const timespec pause{static_cast<time_t>(us / kUsPerS),
                       static_cast<long>((us % kUsPerS) * kNsPerUs)};
  const int saved_errno = errno;  // the caller may inspect errno around the wait
  ::nanosleep(&pause, nullptr);
  errno = saved_errno;
}

// Where `name` resolves after this shim. glibc still exports an old pthread_cond_* ABI
// (GLIBC_2.2.5) that a plain dlsym may return, so `version` is asked for explicitly, but
// only when that lands in the same library: a sanitizer runtime between us and libc
// exports unversioned interceptors, which a versioned lookup would silently skip.
void* find_next(const char* name, const char* version) {
  void* plain = ::dlsym(RTLD_NEXT, name);
  if (version == nullptr) {
    return plain;
  }
  void* versioned = ::dlvsym(RTLD_NEXT, name, version);
  if (plain == nullptr || versioned == nullptr) {
    return plain != nullptr ? plain : versioned;
  }
  Dl_info plain_info{};
  Dl_info versioned_info{};
  const bool same_library = ::dladdr(plain, &plain_info) != 0 &&
                            ::dladdr(versioned, &versioned_info) != 0 &&
                            plain_info.dli_fbase == versioned_info.dli_fbase;
  return same_library ? versioned : plain;
}

// The next definition, looked up on first use (calls can come before our constructor).
// Racing lookups store the same pointer, so relaxed order is enough: the pointer designates
// immutable code, nothing else is published with it.
template <typename Fn>
Fn next_symbol(std::atomic<Fn>& cache, const char* name, const char* version) {
  Fn fn = cache.load(std::memory_order_relaxed);
  if (fn == nullptr) {
    void* sym = find_next(name, version);
    if (sym == nullptr) {
      std::abort();  // no libc below us: nothing sensible to forward to
    }
    fn = reinterpret_cast<Fn>(sym);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
    cache.store(fn, std::memory_order_relaxed);
  }
  return fn;
}

using CondWaitFn = int (*)(pthread_cond_t*, pthread_mutex_t*);
using CondTimedWaitFn = int (*)(pthread_cond_t*, pthread_mutex_t*, const timespec*);
using CondClockWaitFn = int (*)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const timespec*);
using SyscallFn = long (*)(long, ...);

std::atomic<CondWaitFn> g_cond_wait{nullptr};
std::atomic<CondTimedWaitFn> g_cond_timedwait{nullptr};
std::atomic<CondClockWaitFn> g_cond_clockwait{nullptr};
std::atomic<SyscallFn> g_syscall{nullptr};

// The current pthread_cond_* ABI of glibc on x86-64 (see find_next).
constexpr const char* kCondVersion = "GLIBC_2.3.2";

}  // namespace

// NOLINTBEGIN(readability-identifier-naming): the names are the libc functions interposed
extern "C" __attribute__((visibility("default"))) int pthread_cond_wait(pthread_cond_t* cond,
                                                                        pthread_mutex_t* mutex) {
  delay_before_wait();
  return next_symbol(g_cond_wait, "pthread_cond_wait", kCondVersion)(cond, mutex);
}

extern "C" __attribute__((visibility("default"))) int pthread_cond_timedwait(
    pthread_cond_t* cond, pthread_mutex_t* mutex, const timespec* abstime) {
  delay_before_wait();
  return next_symbol(g_cond_timedwait, "pthread_cond_timedwait", kCondVersion)(cond, mutex,
                                                                               abstime);
}

extern "C" __attribute__((visibility("default"))) int pthread_cond_clockwait(
    pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock, const timespec* abstime) {
  delay_before_wait();
  return next_symbol(g_cond_clockwait, "pthread_cond_clockwait", nullptr)(cond, mutex, clock,
                                                                          abstime);
}

// syscall() is variadic; every Linux system call takes at most six word-sized arguments,
// so reading six and passing them on is how libc's own wrapper treats them.
extern "C" __attribute__((visibility("default"))) long syscall(long number, ...) noexcept {
  va_list args;
  va_start(args, number);
  long arg[6];  // NOLINT(cppcoreguidelines-avoid-c-arrays)
  for (long& a : arg) {
    a = va_arg(args, long);  // NOLINT(cppcoreguidelines-pro-type-vararg)
  }
  va_end(args);
  if (number == SYS_futex) {
    const long op = arg[1] & FUTEX_CMD_MASK;
    if (op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET) {
      delay_before_wait();
    }
  }
  return next_symbol(g_syscall, "syscall", nullptr)(number, arg[0], arg[1], arg[2], arg[3], arg[4],
                                                    arg[5]);
}
// NOLINTEND(readability-identifier-naming)
