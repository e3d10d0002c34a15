#include "result_listener.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include "json_escape.hpp"

namespace lockstep::detail {
namespace {

const char* status_of(const testing::TestResult& result) {
  if (result.Skipped()) {
    return "skipped";
  }
  return result.Failed() ? "failed" : "passed";
}

void append_failures(std::string& out, const testing::TestResult& result) {
  out += '[';
  bool first = true;
  for (int i = 0; i < result.total_part_count(); ++i) {
    const testing::TestPartResult& part = result.GetTestPartResult(i);
    if (!part.failed()) {
      continue;
    }
    out += first ? "{\"file\": " : ", {\"file\": ";
    first = false;
    append_json_string(out, part.file_name() != nullptr ? part.file_name() : "");
    // gtest uses -1 for "no line"; records use 0.
    out += ", \"line\": " + std::to_string(part.line_number() > 0 ? part.line_number() : 0);
    out += ", \"message\": ";
    append_json_string(out, part.message());
    out += '}';
  }
  out += ']';
}

}  // namespace

ResultListener::ResultListener(const RunConfig& config) : config_(config) {
  if (config_.result_file.empty()) {
    return;
  }
  constexpr mode_t kMode = 0644;
  // O_APPEND: each record lands whole at the end even if other processes share the file.
  fd_ = ::open(config_.result_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, kMode);
  if (fd_ < 0) {
    write_all(STDERR_FILENO, "lockstep: cannot open LOCKSTEP_RESULT_FILE " + config_.result_file +
                                 ": " + std::generic_category().message(errno) + "\n");
  }
}

ResultListener::~ResultListener() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void ResultListener::OnTestStart(const testing::TestInfo& /*test*/) {
  started_ = std::chrono::steady_clock::now();
}

void ResultListener::OnTestEnd(const testing::TestInfo& test) {
  if (fd_ < 0) {
    return;
  }
  const std::chrono::duration<double, std::milli> elapsed =
      std::chrono::steady_clock::now() - started_;
  const std::string line = record(test, config_.nonce, config_.seed, elapsed.count());
  // One write() so a record is never interleaved with another; a short write of a
  // regular file means the disk is full, and the grader then sees a torn line.
  ssize_t written = 0;
  do {
    written = ::write(fd_, line.data(), line.size());
  } while (written < 0 && errno == EINTR);
  if (written != static_cast<ssize_t>(line.size())) {
    write_all(STDERR_FILENO, "lockstep: could not write the result record\n");
  }
}

std::string ResultListener::record(const testing::TestInfo& test, const std::string& nonce,
                                   std::uint64_t seed, double duration_ms) {
  const testing::TestResult& result = *test.result();
  std::string out = "{\"nonce\": ";
  append_json_string(out, nonce);
  out += ", \"test\": ";
  append_json_string(out, std::string(test.test_suite_name()) + "." + test.name());
  out += ", \"status\": \"";
  out += status_of(result);
  out += "\", \"duration_ms\": ";
  std::array<char, 32> number{};
  const int length = std::snprintf(number.data(), number.size(), "%.3f", duration_ms);
  out.append(number.data(), static_cast<std::size_t>(length));
  out += ", \"seed\": " + std::to_string(seed) + ", \"failures\": ";
  append_failures(out, result);
  // RecordProperty() values, e.g. the performance workload's median round time.
  out += ", \"properties\": {";
  for (int i = 0; i < result.test_property_count(); ++i) {
    const testing::TestProperty& property = result.GetTestProperty(i);
    if (i > 0) {
      out += ", ";
    }
    append_json_string(out, property.key());
    out += ": ";
    append_json_string(out, property.value());
  }
  out += "}}\n";
  return out;
}

}  // namespace lockstep::detail
