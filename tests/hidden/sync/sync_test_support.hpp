#pragma once

// Small helpers shared by the sync exercise's hidden tests.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <thread>
#include <utility>

#include <lockstep/stress.hpp>
#include <sync.hpp>

namespace lockstep::sync_test {

// Runs `body` on a new thread and tells its kernel id, so a test can wait until that
// thread is asleep inside a primitive before acting.
class Probe {
 public:
  template <class Body>
  explicit Probe(Body body)
      : thread_([this, body = std::move(body)]() mutable {
          tid_.store(stress::current_tid());
          try {
            body();
          } catch (...) {
            error_ = std::current_exception();  // read by join() after the thread ends
          }
          finished_.store(true);
        }) {}
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;
  Probe(Probe&&) = delete;
  Probe& operator=(Probe&&) = delete;
  ~Probe() {
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  // Waits until the thread is asleep in the kernel, or has finished, or 5 s passed;
  // returns whether it was seen asleep. A correct implementation passes whatever this
  // returns (unless the test asks for sleeping); it only makes a broken one fail reliably.
  bool wait_until_blocked() const {
    while (tid_.load() == 0) {
      std::this_thread::yield();
    }
    if (finished_.load()) {
      return false;
    }
    return stress::wait_until_blocked(tid_.load()) && !finished_.load();
  }
  [[nodiscard]] bool finished() const { return finished_.load(); }
  // Joins the thread and rethrows what its body threw (e.g. not_implemented).
  void join() {
    thread_.join();
    if (error_) {
      std::rethrow_exception(error_);
    }
  }

 private:
  std::atomic<pid_t> tid_{0};
  std::atomic<bool> finished_{false};
  std::exception_ptr error_;
  std::thread thread_;
};

// Polls `done` (yielding, then napping 1 ms) until it holds or `bound` has passed; returns
// whether it held. Only for liveness with a generous bound, never to measure speed.
template <class Done>
bool eventually(Done done, std::chrono::milliseconds bound) {
  const auto give_up = std::chrono::steady_clock::now() + bound;
  for (int spins = 0;; ++spins) {
    if (done()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= give_up) {
      return done();
    }
    if (spins < 100) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

// A bound far beyond any wake-up a correct primitive needs, even under TSan on a loaded
// two-core machine: it only turns "never" into a failure instead of a hang.
inline constexpr std::chrono::milliseconds kGenerous{10'000};

}  // namespace lockstep::sync_test
