#pragma once

// lockstep::generator — a lazy, move-only C++20 coroutine generator and sequence helpers.
//
// Reference solution: the promise keeps a pointer to the value of the current co_yield
// (the yielded object lives in the coroutine frame until the body is resumed, so no copy
// is made), and an exception_ptr for an exception that escaped the body. The Generator
// owns the coroutine frame through its handle: it destroys the frame exactly once, and a
// move leaves the source empty. The iterator is a thin view of the same handle.
//
// Thread safety: a Generator and its iterators are used by one thread at a time. They may
// be handed to another thread between calls (with the usual happens-before of the hand-
// over, e.g. a thread join), but never resumed from two threads at once.

#include <concepts>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

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
  Generator(Generator&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Generator& operator=(Generator&& other) noexcept;
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;
  // Destroys the frame, running the destructors of the body's live locals, whether or not
  // the body has finished.
  ~Generator();

  // Runs the body up to its first co_yield (nothing runs before this call) and returns an
  // iterator to that value, or one equal to end() when the body finished without a value.
  // Rethrows an exception the body threw before its first co_yield. Call it once.
  iterator begin();
  // Never resumes the body.
  [[nodiscard]] std::default_sentinel_t end() const noexcept { return std::default_sentinel; }

 private:
  explicit Generator(Handle handle) noexcept : handle_(handle) {}

  Handle handle_;
};

template <class T>
class Generator<T>::promise_type {  // NOLINT(readability-identifier-naming)
  // What co_yield hands over: reference is always a reference type.
  using Yielded = reference;
  using YieldedObject = std::remove_reference_t<Yielded>;
  // Whether `co_yield lvalue` must hand the consumer a copy (see yield_value below).
  static constexpr bool kCopiesLvalues =
      std::is_rvalue_reference_v<Yielded> &&
      std::constructible_from<YieldedObject, const YieldedObject&>;

 public:
  Generator get_return_object() noexcept { return Generator{Handle::from_promise(*this)}; }
  // Lazy: the body starts at begin(), not when the generator function is called.
  [[nodiscard]] std::suspend_always initial_suspend() const noexcept { return {}; }
  // Stay suspended at the end so the frame (and a stored exception) outlive the body;
  // ~Generator frees it. Resuming here would destroy the frame under the Generator's feet.
  [[nodiscard]] std::suspend_always final_suspend() const noexcept { return {}; }

  // The yielded object is a temporary or a local of the body: either way it lives in the
  // coroutine frame until the body is resumed, which is longer than the consumer may use
  // `*it` (until the next increment). Storing its address is therefore enough.
  std::suspend_always yield_value(Yielded value) noexcept {
    value_ = std::addressof(value);
    return {};
  }

  // An lvalue yielded by a Generator of an object type: the consumer receives an rvalue
  // and may move from it, which must not empty the body's variable, so yield a copy that
  // lives in the awaiter (itself in the frame until the body resumes).
  auto yield_value(const YieldedObject& value) requires kCopiesLvalues {
    return CopyAwaiter{YieldedObject(value), this};
  }

  void return_void() const noexcept {}
  // Keep the exception; the iterator rethrows it from the increment that resumed the body.
  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  // A generator's body may only co_yield; co_await makes no sense without a scheduler.
  template <class U>
  std::suspend_never await_transform(U&& awaitable) = delete;

  // The current value; valid between a resume that stopped at a co_yield and the next.
  [[nodiscard]] reference value() const noexcept { return static_cast<reference>(*value_); }
  // After a resume that ended the body: rethrow what escaped it, once.
  void rethrow_if_failed() {
    if (error_) {
      std::rethrow_exception(std::exchange(error_, nullptr));
    }
  }

 private:
  struct CopyAwaiter {
    YieldedObject copy;
    promise_type* promise;

    [[nodiscard]] bool await_ready() const noexcept { return false; }
    // The awaiter has its final address now (it is not moved after yield_value returns).
    void await_suspend(Handle /*unused*/) noexcept { promise->value_ = std::addressof(copy); }
    void await_resume() const noexcept {}
  };

  YieldedObject* value_ = nullptr;
  std::exception_ptr error_;
};

template <class T>
class Generator<T>::iterator {  // NOLINT(readability-identifier-naming)
 public:
  using iterator_concept = std::input_iterator_tag;  // NOLINT(readability-identifier-naming)
  using value_type = Generator::value_type;          // NOLINT(readability-identifier-naming)
  using difference_type = std::ptrdiff_t;            // NOLINT(readability-identifier-naming)

  iterator() noexcept = default;

  // Precondition: not at end.
  reference operator*() const noexcept { return handle_.promise().value(); }

  // Resumes the body up to its next co_yield or its end; one resume per increment.
  // Rethrows an exception that escaped the body, after which the iterator is at end.
  iterator& operator++() {
    handle_.resume();
    if (handle_.done()) {
      handle_.promise().rethrow_if_failed();
    }
    return *this;
  }
  void operator++(int) { ++*this; }

  // At end exactly when the body has finished (returned or thrown).
  friend bool operator==(const iterator& it, std::default_sentinel_t /*unused*/) noexcept {
    return it.handle_.done();
  }

 private:
  friend class Generator;
  explicit iterator(Handle handle) noexcept : handle_(handle) {}

  Handle handle_;
};

// ---- implementation ----------------------------------------------------------------

template <class T>
Generator<T>& Generator<T>::operator=(Generator&& other) noexcept {
  if (this != &other) {
    if (handle_) {
      handle_.destroy();
    }
    handle_ = std::exchange(other.handle_, {});
  }
  return *this;
}

template <class T>
Generator<T>::~Generator() {
  // A finished body has left its final suspend point: only then is the frame ours to free.
  if (handle_ && handle_.done()) {
    handle_.destroy();
  }
}

template <class T>
typename Generator<T>::iterator Generator<T>::begin() {
  handle_.resume();
  if (handle_.done()) {
    handle_.promise().rethrow_if_failed();
  }
  return iterator{handle_};
}

// ---- sequence helpers ----------------------------------------------------------------

// F(0), F(1), F(2), ... = 0, 1, 1, 2, 3, 5, ...; ends after F(93), the last Fibonacci
// number that fits in std::uint64_t (94 values in all).
inline Generator<std::uint64_t> fibonacci() {
  std::uint64_t current = 0;
  std::uint64_t next = 1;
  while (true) {
    co_yield current;
    if (next < current) {
      co_return;  // `next` overflowed: `current` was F(93)
    }
    current = std::exchange(next, current + next);
  }
}

// 2, 3, 5, 7, 11, ...: every prime in increasing order, without end.
inline Generator<std::uint64_t> primes() {
  std::vector<std::uint64_t> found;
  for (std::uint64_t candidate = 2;; ++candidate) {
    bool prime = true;
    for (const std::uint64_t p : found) {
      if (p * p > candidate) {
        break;
      }
      if (candidate % p == 0) {
        prime = false;
        break;
      }
    }
    if (prime) {
      found.push_back(candidate);
      co_yield candidate;
    }
  }
}

// The first `count` values of `source` (fewer if it ends first). Never resumes `source`
// more often than needed: after the count-th value, `source` is not advanced again.
template <class T>
Generator<T> take(Generator<T> source, std::size_t count) {
  if (count == 0) {
    co_return;
  }
  std::size_t taken = 0;
  for (auto it = source.begin(); it != source.end(); ++it) {
    co_yield *it;
    if (++taken == count) {
      co_return;
    }
  }
}

// The values of `source` for which `pred(value)` is true, in order.
template <class T, std::predicate<const std::remove_reference_t<T>&> Pred>
Generator<T> filter(Generator<T> source, Pred pred) {
  for (auto&& value : source) {
    if (std::invoke(pred, std::as_const(value))) {
      co_yield std::forward<decltype(value)>(value);
    }
  }
}

}  // namespace lockstep::generator
