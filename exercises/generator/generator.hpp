#pragma once

// lockstep::generator — a lazy, move-only C++20 coroutine generator and sequence helpers.
//
// Your task: implement every member below so that it keeps the promise written above it.
// The lesson (README.md beside this file) explains coroutines, the promise/awaiter
// machinery and the guarantees the tests check. You own this whole file: add private
// members, helper types and functions as you like, but keep the public API (names,
// parameter and result types, the nested types) exactly as it is, because the tests are
// written against it.
//
// Thread safety: a Generator and its iterators are used by one thread at a time. They may
// be handed to another thread between calls, but never resumed from two threads at once.

#include <concepts>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include <lockstep/not_implemented.hpp>

namespace lockstep::generator {

template <class T>
class Generator {
 public:
  // What the range holds and what `*it` gives: `T&&` for an object type T (the consumer
  // may move from it), T itself when T is a reference (`const std::string&`: no copy).
  // The standard names these (and promise_type, iterator below); readability-identifier-
  // naming is silenced for them.
  using value_type = std::remove_cvref_t<T>;  // NOLINT(readability-identifier-naming)
  // NOLINTNEXTLINE(readability-identifier-naming)
  using reference = std::conditional_t<std::is_reference_v<T>, T, T&&>;

  class promise_type;
  class iterator;
  using Handle = std::coroutine_handle<promise_type>;

  // Move-only: exactly one Generator owns the frame. A moved-from Generator is empty: it
  // may only be destroyed or assigned to.
  Generator(Generator&& other) noexcept : handle_(other.handle_) {
    // TODO(student): after a move, exactly one Generator may destroy the frame.
  }
  Generator& operator=(Generator&& other) noexcept {
    // TODO(student): the frame this Generator owned until now must not leak.
    (void)other;
    return *this;
  }
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Destroys the frame, running the destructors of the body's live locals, whether or not
  // the body has finished.
  ~Generator() {
    // TODO(student): destroy the coroutine frame (once!).
  }

  // Runs the body up to its first co_yield (nothing runs before this call) and returns an
  // iterator to that value, or one equal to end() when the body finished without a value.
  // Rethrows an exception the body threw before its first co_yield. Called once.
  iterator begin() {
    // TODO(student)
    throw lockstep::not_implemented("generator: Generator::begin");
  }

  // Never resumes the body.
  [[nodiscard]] std::default_sentinel_t end() const noexcept { return std::default_sentinel; }

 private:
  explicit Generator(Handle handle) noexcept : handle_(handle) {}

  Handle handle_;
};

// The coroutine machinery: the compiler calls these members (see README.md, "How a
// coroutine runs").
template <class T>
class Generator<T>::promise_type {  // NOLINT(readability-identifier-naming)
  using Yielded = reference;        // what co_yield hands over (always a reference type)
  using YieldedObject = std::remove_reference_t<Yielded>;
  static constexpr bool kCopiesLvalues =
      std::is_rvalue_reference_v<Yielded> &&
      std::constructible_from<YieldedObject, const YieldedObject&>;

 public:
  Generator get_return_object() {
    // TODO(student): make the Generator that owns this coroutine's frame.
    throw lockstep::not_implemented("generator: promise_type::get_return_object");
  }

  // TODO(student): should the body start now or when the consumer asks for a value?
  // You may change the result type to any awaitable.
  [[nodiscard]] std::suspend_always initial_suspend() const noexcept { return {}; }

  // TODO(student): what happens to the frame when the body ends? Who frees it? Must not
  // throw. You may change the result type to any awaitable.
  [[nodiscard]] std::suspend_always final_suspend() const noexcept { return {}; }

  // `co_yield value` calls this. TODO(student): make the value reachable from the iterator
  // until the body is resumed, without copying it. You may change the result type.
  std::suspend_always yield_value(Yielded value) {
    (void)value;
    throw lockstep::not_implemented("generator: promise_type::yield_value");
  }

  // `co_yield lvalue` in a Generator of an object type: the consumer gets an rvalue and may
  // move from it, which must not empty the body's variable. TODO(student): yield a copy
  // (where does the copy live until the body resumes?). You may change the result type.
  std::suspend_always yield_value(const YieldedObject& value) requires kCopiesLvalues {
    (void)value;
    throw lockstep::not_implemented("generator: promise_type::yield_value (copy)");
  }

  void return_void() const noexcept {}

  void unhandled_exception() {
    // TODO(student): an exception escaped the body; the consumer must see it.
    throw lockstep::not_implemented("generator: promise_type::unhandled_exception");
  }

  // TODO(student): add whatever state the iterator needs (and a way to reach it).
};

template <class T>
class Generator<T>::iterator {  // NOLINT(readability-identifier-naming)
 public:
  using iterator_concept = std::input_iterator_tag;  // NOLINT(readability-identifier-naming)
  using value_type = Generator::value_type;          // NOLINT(readability-identifier-naming)
  using difference_type = std::ptrdiff_t;            // NOLINT(readability-identifier-naming)

  iterator() noexcept = default;

  // The current value. Precondition: not at end.
  reference operator*() const {
    // TODO(student)
    throw lockstep::not_implemented("generator: iterator::operator*");
  }

  // Resumes the body up to its next co_yield or its end: one resume per increment.
  // Rethrows an exception that escaped the body, after which the iterator is at end.
  iterator& operator++() {
    // TODO(student)
    throw lockstep::not_implemented("generator: iterator::operator++");
  }
  void operator++(int) { ++*this; }

  // At end exactly when the body has finished (returned or thrown).
  friend bool operator==(const iterator& it, std::default_sentinel_t /*unused*/) {
    // TODO(student)
    (void)it;
    throw lockstep::not_implemented("generator: iterator == end");
  }

 private:
  friend class Generator;
  explicit iterator(Handle handle) noexcept : handle_(handle) {}

  Handle handle_;
};

// ---- sequence helpers (write them as coroutines returning Generator) ------------------

// F(0), F(1), F(2), ... = 0, 1, 1, 2, 3, 5, ...; ends after F(93), the last Fibonacci
// number that fits in std::uint64_t (94 values in all).
inline Generator<std::uint64_t> fibonacci() {
  // TODO(student)
  throw lockstep::not_implemented("generator: fibonacci");
}

// 2, 3, 5, 7, 11, ...: every prime in increasing order, without end.
inline Generator<std::uint64_t> primes() {
  // TODO(student)
  throw lockstep::not_implemented("generator: primes");
}

// The first `count` values of `source` (fewer if it ends first). Never resumes `source`
// more often than needed: after the count-th value, `source` is not advanced again.
template <class T>
Generator<T> take(Generator<T> source, std::size_t count) {
  // TODO(student)
  (void)source;
  (void)count;
  throw lockstep::not_implemented("generator: take");
}

// The values of `source` for which `pred(value)` is true, in order.
template <class T, std::predicate<const std::remove_reference_t<T>&> Pred>
Generator<T> filter(Generator<T> source, Pred pred) {
  // TODO(student)
  (void)source;
  (void)pred;
  throw lockstep::not_implemented("generator: filter");
}

}  // namespace lockstep::generator
