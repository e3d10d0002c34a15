#pragma once

// Small helpers shared by the work_stealing hidden tests.

#include <time.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <work_stealing.hpp>

namespace lockstep::work_stealing_test {

// CPU time (user + system) this whole process has used so far.
inline std::chrono::nanoseconds process_cpu_time() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// Waits until `flag` is true or `timeout` passed; returns the flag. Polls with short
// sleeps: it is a bounded wait for a state, never a stand-in for synchronisation.
inline bool wait_for_flag(const std::atomic<bool>& flag, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!flag.load()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return flag.load();
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

// Counts how often each of `count` items was taken and describes the first few items not
// taken exactly once ("" when every item was taken exactly once).
inline std::string exactly_once_violations(const std::vector<std::vector<std::uint64_t>>& taken,
                                           std::size_t count) {
  std::vector<unsigned> times(count, 0);
  std::string report;
  for (const auto& list : taken) {
    for (const std::uint64_t item : list) {
      if (item >= count) {
        report += "unknown item " + std::to_string(item) + "; ";
        continue;
      }
      ++times[item];
    }
  }
  std::size_t shown = 0;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (times[i] != 1) {
      ++bad;
      if (shown < 5) {
        ++shown;
        report += "item " + std::to_string(i) + " taken " + std::to_string(times[i]) + " times; ";
      }
    }
  }
  if (bad != 0) {
    report += std::to_string(bad) + " items not taken exactly once";
  }
  return report;
}

}  // namespace lockstep::work_stealing_test
