#pragma once

// lockstep::generator — a lazy, move-only C++20 coroutine generator and sequence helpers.
//
// Alternate design: the promise owns the current value. A Generator of an object type
// moves (or copies) every yielded value into a std::optional inside the promise; only a
// Generator of a reference type keeps a pointer to the yielded object (a reference cannot
// be stored by value, and the lesson promises no copy for it). An exception that escapes
// the body is stored and rethrown by the promise's resume(), which begin() and the
// iterator call. (Rethrowing from unhandled_exception() itself would be shorter, but
// clang 14 then destroys the body's locals twice: llvm/llvm-project#61900.) The iterator
// holds a pointer to the promise (which lives in the frame, so it survives moves of the
// Generator), and a move is a swap.

#include <concepts>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace lockstep::generator {

template <class T>
class Generator {
 public:
  // The standard names these (and promise_type, iterator below); readability-identifier-
  // naming is silenced for them.
  using value_type = std::remove_cvref_t<T>;  // NOLINT(readability-identifier-naming)
  // NOLINTNEXTLINE(readability-identifier-naming)
  using reference = std::conditional_t<std::is_reference_v<T>, T, T&&>;

  class promise_type;
  class iterator;
  using Handle = std::coroutine_handle<promise_type>;

  Generator(Generator&& other) noexcept { swap(other); }
  Generator& operator=(Generator&& other) noexcept {
    Generator old(std::move(other));  // takes other's frame; our old one dies with `old`
    swap(old);
    return *this;
  }
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;
  ~Generator() {
    if (handle_) {
      handle_.destroy();
    }
  }

  iterator begin() {
    handle_.promise().resume();  // an exception from the body leaves through here
    return iterator{&handle_.promise()};
  }
  [[nodiscard]] std::default_sentinel_t end() const noexcept { return std::default_sentinel; }

 private:
  explicit Generator(Handle handle) noexcept : handle_(handle) {}

  void swap(Generator& other) noexcept { std::swap(handle_, other.handle_); }

  Handle handle_{};
};

template <class T>
class Generator<T>::promise_type {  // NOLINT(readability-identifier-naming)
  static constexpr bool kByReference = std::is_reference_v<T>;
  static constexpr bool kByValue = !kByReference;
  static constexpr bool kByCopy = !kByReference && std::copy_constructible<value_type>;
  using Object = std::remove_reference_t<reference>;
  // What the promise stores: the value itself, or a pointer to the referred-to object.
  using Slot = std::conditional_t<kByReference, Object*, value_type>;

 public:
  Generator get_return_object() noexcept { return Generator{Handle::from_promise(*this)}; }
  [[nodiscard]] std::suspend_always initial_suspend() const noexcept { return {}; }
  [[nodiscard]] std::suspend_always final_suspend() noexcept {
    slot_.reset();  // the last value is not needed once the body has finished
    return {};
  }

  // Object types: the value moves into the promise.
  std::suspend_always yield_value(value_type&& value) requires kByValue {
    slot_.reset();
    slot_.emplace(std::move(value));
    return {};
  }
  std::suspend_always yield_value(const value_type& value) requires kByCopy {
    slot_.reset();
    slot_.emplace(value);
    return {};
  }
  // Reference types: the referred-to object outlives the suspension (it is the body's
  // own object, or a temporary of the co_yield full-expression, which lives in the frame).
  std::suspend_always yield_value(reference value) noexcept requires kByReference {
    slot_ = std::addressof(value);
    return {};
  }

  void return_void() const noexcept {}
  // Keep the exception; resume() rethrows it once the body has stopped.
  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  template <class U>
  std::suspend_never await_transform(U&& awaitable) = delete;

  // Runs the body to its next co_yield or its end. An exception from the body leaves
  // through here; the coroutine is then finished.
  void resume() {
    Handle::from_promise(*this).resume();
    if (error_) {
      std::rethrow_exception(std::exchange(error_, nullptr));
    }
  }
  [[nodiscard]] bool finished() noexcept { return Handle::from_promise(*this).done(); }

  [[nodiscard]] reference current() noexcept {
    if constexpr (kByReference) {
      return static_cast<reference>(**slot_);
    } else {
      return static_cast<reference>(*slot_);
    }
  }

 private:
  std::optional<Slot> slot_;
  std::exception_ptr error_;
};

template <class T>
class Generator<T>::iterator {  // NOLINT(readability-identifier-naming)
 public:
  using iterator_concept = std::input_iterator_tag;  // NOLINT(readability-identifier-naming)
  using value_type = Generator::value_type;          // NOLINT(readability-identifier-naming)
  using difference_type = std::ptrdiff_t;            // NOLINT(readability-identifier-naming)

  iterator() noexcept = default;

  reference operator*() const noexcept { return promise_->current(); }
  iterator& operator++() {
    promise_->resume();
    return *this;
  }
  void operator++(int) { ++*this; }

  friend bool operator==(const iterator& it, std::default_sentinel_t /*unused*/) noexcept {
    return it.promise_->finished();
  }

 private:
  friend class Generator;
  explicit iterator(promise_type* promise) noexcept : promise_(promise) {}

  promise_type* promise_ = nullptr;
};

// ---- sequence helpers ----------------------------------------------------------------

inline Generator<std::uint64_t> fibonacci() {
  // F(n) and F(n+1) as long as F(n) fits: F(93) is the last one.
  std::uint64_t a = 0;
  std::uint64_t b = 1;
  co_yield std::uint64_t{a};
  while (b >= a) {
    co_yield std::uint64_t{b};
    const std::uint64_t next = a + b;
    a = b;
    b = next;
  }
}

inline Generator<std::uint64_t> primes() {
  co_yield std::uint64_t{2};
  std::vector<std::uint64_t> odd_primes;
  for (std::uint64_t candidate = 3;; candidate += 2) {
    bool composite = false;
    for (auto p = odd_primes.begin(); p != odd_primes.end() && *p * *p <= candidate; ++p) {
      if (candidate % *p == 0) {
        composite = true;
        break;
      }
    }
    if (!composite) {
      odd_primes.push_back(candidate);
      co_yield std::uint64_t{candidate};
    }
  }
}

template <class T>
Generator<T> take(Generator<T> source, std::size_t count) {
  std::size_t left = count;
  if (left == 0) {
    co_return;
  }
  for (auto it = source.begin(); !(it == source.end()); ++it) {
    co_yield static_cast<typename Generator<T>::reference>(*it);
    if (--left == 0) {
      break;
    }
  }
}

template <class T, std::predicate<const std::remove_reference_t<T>&> Pred>
Generator<T> filter(Generator<T> source, Pred pred) {
  for (auto it = source.begin(); !(it == source.end()); ++it) {
    typename Generator<T>::reference value = *it;
    if (std::invoke(pred, std::as_const(value))) {
      co_yield static_cast<typename Generator<T>::reference>(value);
    }
  }
}

}  // namespace lockstep::generator
