#pragma once

// Per-test deadline: a test still running when it expires is reported as a suspected
// deadlock or livelock, with every thread's kernel state, and the process exits with 86.

#include <gtest/gtest.h>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "run_config.hpp"

namespace lockstep::detail {

inline constexpr int kWatchdogExitCode = 86;

class Watchdog : public testing::EmptyTestEventListener {
 public:
  // Starts the watchdog thread; `config` must outlive this object.
  explicit Watchdog(const RunConfig& config);
  // Stops and joins the watchdog thread.
  ~Watchdog() override;
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  Watchdog(Watchdog&&) = delete;
  Watchdog& operator=(Watchdog&&) = delete;

  // Called by gtest on the main thread; arm and disarm the deadline.
  void OnTestStart(const testing::TestInfo& test) override;
  void OnTestEnd(const testing::TestInfo& test) override;

 private:
  using Clock = std::chrono::steady_clock;

  void run();
  [[noreturn]] void fire();

  const RunConfig& config_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool armed_ = false;          // guarded by mutex_
  bool stopping_ = false;       // guarded by mutex_
  Clock::time_point deadline_;  // guarded by mutex_
  std::string test_;            // guarded by mutex_
  std::thread thread_;          // last: starts after the fields above exist
};

}  // namespace lockstep::detail
