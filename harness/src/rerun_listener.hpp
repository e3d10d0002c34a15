#pragma once

// After every failed test, prints the seed and the command that reruns just that test.

#include <gtest/gtest.h>

#include "run_config.hpp"

namespace lockstep::detail {

class RerunListener : public testing::EmptyTestEventListener {
 public:
  // `config` must outlive this object.
  explicit RerunListener(const RunConfig& config) : config_(config) {}

  // Called by gtest on the main thread.
  void OnTestEnd(const testing::TestInfo& test) override;

 private:
  const RunConfig& config_;
};

}  // namespace lockstep::detail
