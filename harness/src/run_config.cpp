#include "run_config.hpp"

#include <unistd.h>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "lockstep/stress.hpp"

namespace lockstep::detail {
namespace {

constexpr std::chrono::milliseconds kDefaultDeadline{60000};

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): before threads
  return value != nullptr ? std::string(value) : std::string();
}

std::chrono::milliseconds read_deadline() {
  const std::string text = env_or_empty("LOCKSTEP_DEADLINE_MS");
  if (text.empty()) {
    return kDefaultDeadline;
  }
  std::uint64_t ms = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec != std::errc{} || ptr != text.data() + text.size()) {
    write_all(STDERR_FILENO, "lockstep: ignoring LOCKSTEP_DEADLINE_MS='" + text +
                                 "' (not a decimal number of ms)\n");
    return kDefaultDeadline;
  }
  return std::chrono::milliseconds(ms);
}

}  // namespace

RunConfig read_run_config(const char* argv0) {
  RunConfig config;
  config.nonce = env_or_empty("LOCKSTEP_NONCE");
  ::unsetenv("LOCKSTEP_NONCE");  // NOLINT(concurrency-mt-unsafe): before threads
  config.result_file = env_or_empty("LOCKSTEP_RESULT_FILE");
  config.seed = stress::seed();
  config.deadline = read_deadline();
  config.argv0 = argv0 != nullptr ? argv0 : "<test binary>";
  return config;
}

std::string rerun_line(const RunConfig& config, std::string_view test) {
  const std::string seed = std::to_string(config.seed);
  std::string line = "lockstep: seed " + seed + "; rerun: LOCKSTEP_SEED=" + seed + " ";
  line += config.argv0;
  line += " --gtest_filter=";
  line += test;
  line += '\n';
  return line;
}

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    text.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace lockstep::detail
