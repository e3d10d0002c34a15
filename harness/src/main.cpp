// The gtest main of every lockstep test executable: reads the run's environment, installs
// the watchdog, the result-record and the rerun-hint listeners, and runs the tests.
//
// The sanitizer default options live here too: main.cpp is the one object of the static
// harness library the linker always pulls in, so they reach every test executable.

#include <gtest/gtest.h>
#include <unistd.h>
#include <memory>
#include <string>

#include "rerun_listener.hpp"
#include "result_listener.hpp"
#include "run_config.hpp"
#include "watchdog.hpp"

// Settings that make a sanitizer report fail the test (DESIGN 7.2); the *SAN_OPTIONS
// environment variables still override them. Default visibility and `used` keep them in
// the dynamic symbol table, where the sanitizer runtime looks them up.
// NOLINTBEGIN(readability-identifier-naming,bugprone-reserved-identifier): names fixed by the
// runtimes
extern "C" __attribute__((visibility("default"), used)) const char* __tsan_default_options() {
  // atexit_sleep_ms=0: the default 1 s is paid by every test process.
  return "halt_on_error=1:second_deadlock_stack=1:atexit_sleep_ms=0:exitcode=66:"
         "report_signal_unsafe=0";
}

extern "C" __attribute__((visibility("default"), used)) const char* __asan_default_options() {
  return "halt_on_error=1:detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1";
}

extern "C" __attribute__((visibility("default"), used)) const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1";
}
// NOLINTEND(readability-identifier-naming,bugprone-reserved-identifier)

int main(int argc, char** argv) {
  // Before gtest or any test starts a thread: the environment is changed here.
  const lockstep::detail::RunConfig config =
      lockstep::detail::read_run_config(argc > 0 ? argv[0] : nullptr);
  testing::InitGoogleTest(&argc, argv);
  if (!GTEST_FLAG_GET(list_tests)) {  // test discovery needs no seed
    lockstep::detail::write_all(STDERR_FILENO,
                                "lockstep: seed " + std::to_string(config.seed) + "\n");
  }

  // Owned here rather than by gtest, so the watchdog thread is joined before main returns.
  auto watchdog = std::make_unique<lockstep::detail::Watchdog>(config);
  auto results = std::make_unique<lockstep::detail::ResultListener>(config);
  auto rerun = std::make_unique<lockstep::detail::RerunListener>(config);
  testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
  listeners.Append(watchdog.get());
  listeners.Append(results.get());
  listeners.Append(rerun.get());

  const int status = RUN_ALL_TESTS();

  listeners.Release(rerun.get());
  listeners.Release(results.get());
  listeners.Release(watchdog.get());
  return status;
}
