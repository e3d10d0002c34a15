#include "rerun_listener.hpp"

#include <unistd.h>
#include <cstdio>
#include <string>

namespace lockstep::detail {

void RerunListener::OnTestEnd(const testing::TestInfo& test) {
  if (!test.result()->Failed()) {
    return;
  }
  std::fflush(stdout);  // keep the line after gtest's own report of the failure
  write_all(STDERR_FILENO,
            rerun_line(config_, std::string(test.test_suite_name()) + "." + test.name()));
}

}  // namespace lockstep::detail
