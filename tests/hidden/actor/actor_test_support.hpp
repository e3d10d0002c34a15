#pragma once

// Small helpers shared by the actor's hidden tests.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <actor.hpp>
#include <lockstep/stress.hpp>

namespace lockstep::actor_test {

using namespace std::chrono_literals;

// How long a test waits for something a correct system does in microseconds. It only
// turns "never happens" into a clear failure instead of a hang; it is never a speed limit.
inline constexpr std::chrono::seconds kPatience{10};

// Polls `done` until it holds or `patience` passed; returns whether it held.
template <class Done>
bool eventually(Done done, std::chrono::milliseconds patience = kPatience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (std::size_t polls = 0; !done(); ++polls) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    if (polls < 1000) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(50us);
    }
  }
  return true;
}

// The value of an ask, or nullopt with a test failure naming `what` when the future ends
// with an exception or is not ready within the patience.
template <class T>
std::optional<T> answer(std::future<T>& future, const std::string& what) {
  if (future.wait_for(kPatience) != std::future_status::ready) {
    ADD_FAILURE() << what << ": no reply within " << kPatience.count() << " s";
    return std::nullopt;
  }
  try {
    return future.get();
  } catch (const std::future_error& error) {
    ADD_FAILURE() << what << ": the future ended with std::future_error (" << error.what()
                  << "): the message was dropped before the actor replied";
  } catch (const std::exception& error) {
    ADD_FAILURE() << what << ": the future ended with an exception: " << error.what();
  }
  return std::nullopt;
}

// True when the future ends with std::future_error(broken_promise). Use it when no
// worker thread can hold the future's shared state any more.
template <class T>
bool ends_broken(std::future<T>& future) {
  if (future.wait_for(kPatience) != std::future_status::ready) {
    return false;
  }
  try {
    future.get();
  } catch (const std::future_error& error) {
    return error.code() == std::future_errc::broken_promise;
  }
  return false;
}

// As above, for a future a worker of `system` broke: waits until it is ready, shuts the
// system down (joining the workers), and only then reads the exception. Reading it
// earlier is correct but ThreadSanitizer cannot see that: the exception's reference
// count lives in the uninstrumented libstdc++, and the worker may free it concurrently.
template <class T>
bool ends_broken(std::future<T>& future, actor::ActorSystem& system) {
  const bool ready = future.wait_for(kPatience) == std::future_status::ready;
  system.shutdown();
  return ready && ends_broken(future);
}

// A reentrancy detector: an actor holds one and enters it at the start of each receive.
// Entering while another receive of the same actor is running counts an overlap.
class Exclusive {
 public:
  class Scope {
   public:
    explicit Scope(Exclusive& owner) : owner_(owner) {
      if (owner_.busy_.exchange(true)) {
        owner_.overlaps_->fetch_add(1);
      }
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    Scope(Scope&&) = delete;
    Scope& operator=(Scope&&) = delete;
    ~Scope() { owner_.busy_.store(false); }

   private:
    Exclusive& owner_;
  };

  explicit Exclusive(std::atomic<std::size_t>* overlaps) : overlaps_(overlaps) {}

 private:
  std::atomic<bool> busy_{false};
  std::atomic<std::size_t>* overlaps_;
};

// Threads of this process right now (one thread per actor shows here).
inline std::size_t thread_count() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task")) {
    ++count;
  }
  return count;
}

// A value that says who sent it and in which order.
inline std::uint64_t encode(std::uint32_t sender, std::uint32_t sequence) {
  return (std::uint64_t{sender} << 32U) | sequence;
}
inline std::uint32_t sender_of(std::uint64_t value) {
  return static_cast<std::uint32_t>(value >> 32U);
}
inline std::uint32_t sequence_of(std::uint64_t value) {
  return static_cast<std::uint32_t>(value & 0xffffffffU);
}

// A gate an actor's receive can wait at, so that a test knows its later messages are
// queued behind that receive. Copies share one state.
class Gate {
 public:
  void open() const {
    open_->store(true);
    open_->notify_all();
  }
  void wait() const { open_->wait(false); }

 private:
  std::shared_ptr<std::atomic<bool>> open_ = std::make_shared<std::atomic<bool>>(false);
};

// Opens a gate when the test leaves its scope, even by a failed assertion, so the
// system's shutdown never waits for a receive stuck at the gate. Declare it after the
// ActorSystem: it is then destroyed first.
class OpenOnExit {
 public:
  explicit OpenOnExit(Gate gate) : gate_(std::move(gate)) {}
  OpenOnExit(const OpenOnExit&) = delete;
  OpenOnExit& operator=(const OpenOnExit&) = delete;
  OpenOnExit(OpenOnExit&&) = delete;
  OpenOnExit& operator=(OpenOnExit&&) = delete;
  ~OpenOnExit() { gate_.open(); }

 private:
  Gate gate_;
};

}  // namespace lockstep::actor_test
