#pragma once

// Reading the kernel's view of this process's threads from /proc/self/task.

#include <sys/types.h>
#include <optional>
#include <string>
#include <vector>

namespace lockstep::detail {

struct TaskState {
  std::string comm;  // the thread's name
  char state = '?';  // R running, S sleeping, D disk sleep, T stopped, Z zombie, ...
};

// The state of thread `tid` of this process; nullopt when it no longer exists.
std::optional<TaskState> read_task_state(pid_t tid);

// What thread `tid` is blocked in (/proc/.../wchan), or "" when the kernel hides it.
std::string read_task_wchan(pid_t tid);

// The ids of all threads of this process.
std::vector<pid_t> list_tasks();

}  // namespace lockstep::detail
