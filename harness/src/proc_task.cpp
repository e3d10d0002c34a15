#include "proc_task.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <charconv>
#include <string_view>

namespace lockstep::detail {
namespace {

// Small whole-file read with open/read: no stdio locks, no allocation beyond the result.
std::optional<std::string> read_small_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return std::nullopt;
  }
  std::string content;
  std::array<char, 512> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    content.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return content;
}

std::string task_path(pid_t tid, const char* leaf) {
  return "/proc/self/task/" + std::to_string(tid) + "/" + leaf;
}

}  // namespace

std::optional<TaskState> read_task_state(pid_t tid) {
  const std::optional<std::string> stat = read_small_file(task_path(tid, "stat"));
  if (!stat) {
    return std::nullopt;
  }
  // "<tid> (<comm>) <state> ...": comm may itself hold ')' or spaces, so take the last ')'.
  const std::string_view text(*stat);
  const std::size_t open = text.find('(');
  const std::size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open ||
      close + 2 >= text.size()) {
    return std::nullopt;
  }
  TaskState state;
  state.comm = std::string(text.substr(open + 1, close - open - 1));
  state.state = text[close + 2];
  return state;
}

std::string read_task_wchan(pid_t tid) {
  std::string wchan = read_small_file(task_path(tid, "wchan")).value_or("");
  return wchan == "0" ? std::string() : wchan;
}

std::vector<pid_t> list_tasks() {
  std::vector<pid_t> tids;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) {
    return tids;
  }
  // readdir on a stream only this function uses is thread-safe.
  while (const dirent* entry = ::readdir(dir)) {  // NOLINT(concurrency-mt-unsafe)
    const std::string_view name(entry->d_name);
    pid_t tid = 0;
    const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), tid);
    if (ec == std::errc{} && ptr == name.data() + name.size()) {
      tids.push_back(tid);
    }
  }
  ::closedir(dir);
  return tids;
}

}  // namespace lockstep::detail
