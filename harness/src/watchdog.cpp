#include "watchdog.hpp"

#include <pthread.h>
#include <unistd.h>
#include <cstdio>

#include "proc_task.hpp"

namespace lockstep::detail {
namespace {

std::string full_name(const testing::TestInfo& test) {
  return std::string(test.test_suite_name()) + "." + test.name();
}

// One line per thread: tid, name, state and what it is blocked in.
std::string describe_threads() {
  std::string text = "lockstep: threads of this process (tid, name, state, wchan):\n";
  for (const pid_t tid : list_tasks()) {
    const std::optional<TaskState> state = read_task_state(tid);
    if (!state) {
      continue;  // exited meanwhile
    }
    const std::string wchan = read_task_wchan(tid);
    text += "  " + std::to_string(tid) + " " + state->comm + " " + state->state + " " +
            (wchan.empty() ? "-" : wchan) + "\n";
  }
  return text;
}

}  // namespace

Watchdog::Watchdog(const RunConfig& config) : config_(config), thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Watchdog::OnTestStart(const testing::TestInfo& test) {
  if (config_.deadline.count() == 0) {
    return;
  }
  {
    const std::lock_guard lock(mutex_);
    armed_ = true;
    deadline_ = Clock::now() + config_.deadline;
    test_ = full_name(test);
  }
  wake_.notify_one();
}

void Watchdog::OnTestEnd(const testing::TestInfo& /*test*/) {
  const std::lock_guard lock(mutex_);
  armed_ = false;  // no notify needed: a wake-up at the old deadline finds it disarmed
}

void Watchdog::run() {
  // Named so it is recognisable in the thread list of a report (15 characters at most).
  ::pthread_setname_np(::pthread_self(), "lockstep-watch");
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!armed_) {
      wake_.wait(lock);
    } else if (Clock::now() < deadline_) {
      wake_.wait_until(lock, deadline_);
    } else {
      fire();  // armed and past the deadline, both read under the lock
    }
  }
}

void Watchdog::fire() {
  std::string report = "lockstep: deadlock or livelock suspected in " + test_ +
                       ": still running after " + std::to_string(config_.deadline.count()) +
                       " ms (seed " + std::to_string(config_.seed) + ")\n";
  report += describe_threads();
  report += rerun_line(config_, test_);
  // Keep what the test printed; never block on a stdio lock a stuck thread may hold.
  if (::ftrylockfile(stdout) == 0) {
    std::fflush(stdout);
    ::funlockfile(stdout);
  }
  write_all(STDERR_FILENO, report);
  ::_exit(kWatchdogExitCode);  // no destructors: the stuck threads still use the objects
}

}  // namespace lockstep::detail
