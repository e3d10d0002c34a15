#pragma once

// Writes one JSON line per finished test to LOCKSTEP_RESULT_FILE (DESIGN 7.2).

#include <gtest/gtest.h>
#include <chrono>
#include <string>

#include "run_config.hpp"

namespace lockstep::detail {

class ResultListener : public testing::EmptyTestEventListener {
 public:
  // Opens config.result_file for appending; `config` must outlive this object.
  explicit ResultListener(const RunConfig& config);
  ~ResultListener() override;
  ResultListener(const ResultListener&) = delete;
  ResultListener& operator=(const ResultListener&) = delete;
  ResultListener(ResultListener&&) = delete;
  ResultListener& operator=(ResultListener&&) = delete;

  // Called by gtest on the main thread.
  void OnTestStart(const testing::TestInfo& test) override;
  void OnTestEnd(const testing::TestInfo& test) override;

  // The record for `test`, one line ending in '\n' (exposed for the self-tests).
  static std::string record(const testing::TestInfo& test, const std::string& nonce,
                            std::uint64_t seed, double duration_ms);

 private:
  const RunConfig& config_;
  int fd_ = -1;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace lockstep::detail
