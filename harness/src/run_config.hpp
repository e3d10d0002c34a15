#pragma once

// What the grader tells a test process through its environment (DESIGN 7.2).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace lockstep::detail {

struct RunConfig {
  std::string nonce;                      // LOCKSTEP_NONCE, copied into every record
  std::string result_file;                // LOCKSTEP_RESULT_FILE; empty: no records
  std::uint64_t seed = 0;                 // stress::seed()
  std::chrono::milliseconds deadline{0};  // per test; 0 disables the watchdog
  std::string argv0;                      // for the rerun command
};

// Reads the environment once, at the start of main, and removes LOCKSTEP_NONCE from it so
// code under test cannot read it later. Not thread-safe (setenv/unsetenv): call it before
// any thread starts.
RunConfig read_run_config(const char* argv0);

// "lockstep: seed <S>; rerun: LOCKSTEP_SEED=<S> <argv0> --gtest_filter=<test>\n"
std::string rerun_line(const RunConfig& config, std::string_view test);

// Writes all of `text` to file descriptor `fd` with write(2), bypassing stdio so it works
// even while another thread holds a stdio lock. Best effort: errors are ignored.
void write_all(int fd, std::string_view text);

}  // namespace lockstep::detail
