// Link-time wrappers (-Wl,--wrap=__tsan_atomicN_op) around the entry points that
// gcc -fsanitize=thread compiles every std::atomic operation into. Each one may yield
// before forwarding to the real TSan runtime, which widens the windows between two atomic
// operations of one thread where another thread can interleave.
//
// Signatures follow sanitizer/tsan_interface_atomic.h; the memory order is an int there
// (an enum) and is forwarded untouched.

#include "yield_point.hpp"

// NOLINTBEGIN(readability-identifier-naming,bugprone-reserved-identifier,bugprone-macro-parentheses):
// names fixed by ld --wrap
#define LOCKSTEP_WRAP_VALUE_OP(bits, type, op)                               \
  type __real___tsan_atomic##bits##_##op(volatile type* a, type v, int mo);  \
  type __wrap___tsan_atomic##bits##_##op(volatile type* a, type v, int mo) { \
    lockstep::tsan_yield::maybe_yield();                                     \
    return __real___tsan_atomic##bits##_##op(a, v, mo);                      \
  }

#define LOCKSTEP_WRAP_CAS(bits, type, op)                                                         \
  int __real___tsan_atomic##bits##_##op(volatile type* a, type* c, type v, int mo, int fail_mo);  \
  int __wrap___tsan_atomic##bits##_##op(volatile type* a, type* c, type v, int mo, int fail_mo) { \
    lockstep::tsan_yield::maybe_yield();                                                          \
    return __real___tsan_atomic##bits##_##op(a, c, v, mo, fail_mo);                               \
  }

#define LOCKSTEP_WRAP_WIDTH(bits, type)                                                            \
  type __real___tsan_atomic##bits##_load(const volatile type* a, int mo);                          \
  type __wrap___tsan_atomic##bits##_load(const volatile type* a, int mo) {                         \
    lockstep::tsan_yield::maybe_yield();                                                           \
    return __real___tsan_atomic##bits##_load(a, mo);                                               \
  }                                                                                                \
  void __real___tsan_atomic##bits##_store(volatile type* a, type v, int mo);                       \
  void __wrap___tsan_atomic##bits##_store(volatile type* a, type v, int mo) {                      \
    lockstep::tsan_yield::maybe_yield();                                                           \
    __real___tsan_atomic##bits##_store(a, v, mo);                                                  \
  }                                                                                                \
  LOCKSTEP_WRAP_VALUE_OP(bits, type, exchange)                                                     \
  LOCKSTEP_WRAP_VALUE_OP(bits, type, fetch_add)                                                    \
  LOCKSTEP_WRAP_VALUE_OP(bits, type, fetch_sub)                                                    \
  LOCKSTEP_WRAP_VALUE_OP(bits, type, fetch_and)                                                    \
  LOCKSTEP_WRAP_VALUE_OP(bits, type, fetch_or)                                                     \
  LOCKSTEP_WRAP_VALUE_OP(bits, type, fetch_xor)                                                    \
  LOCKSTEP_WRAP_VALUE_OP(bits, type, fetch_nand)                                                   \
  LOCKSTEP_WRAP_CAS(bits, type, compare_exchange_strong)                                           \
  LOCKSTEP_WRAP_CAS(bits, type, compare_exchange_weak)                                             \
  type __real___tsan_atomic##bits##_compare_exchange_val(volatile type* a, type c, type v, int mo, \
                                                         int fail_mo);                             \
  type __wrap___tsan_atomic##bits##_compare_exchange_val(volatile type* a, type c, type v, int mo, \
                                                         int fail_mo) {                            \
    lockstep::tsan_yield::maybe_yield();                                                           \
    return __real___tsan_atomic##bits##_compare_exchange_val(a, c, v, mo, fail_mo);                \
  }

extern "C" {
LOCKSTEP_WRAP_WIDTH(8, char)
LOCKSTEP_WRAP_WIDTH(16, short)
LOCKSTEP_WRAP_WIDTH(32, int)
LOCKSTEP_WRAP_WIDTH(64, long)
}  // extern "C"

#undef LOCKSTEP_WRAP_WIDTH
#undef LOCKSTEP_WRAP_CAS
#undef LOCKSTEP_WRAP_VALUE_OP
// NOLINTEND(readability-identifier-naming,bugprone-reserved-identifier,bugprone-macro-parentheses)
