// Shared by the bench tests: targets over files in a TempDir, plain or lying (FaultyTarget).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/faulty_target.h"
#include "device/target.h"
#include "tests/support/test_support.h"

namespace mediaforge::engine::throughput {

inline std::unique_ptr<device::Target> OpenFileTarget(const std::string& path, uint64_t size) {
  auto t = device::OpenTarget(path, {.write = true, .create = true});
  EXPECT_TRUE(t.ok()) << t.status();
  if (!t.ok()) return nullptr;
  if (size > 0) {
    EXPECT_TRUE((*t)->Resize(size).ok());
  }
  return std::move(*t);
}

// A file of `real` bytes that claims `reported` bytes; offsets past `real` wrap onto the start,
// as fake-capacity flash does.
inline std::unique_ptr<device::Target> OpenLyingTarget(const std::string& path, uint64_t real,
                                                       uint64_t reported) {
  device::FaultPlan plan;
  plan.alias_capacity = real;
  plan.reported_size = reported;
  return std::make_unique<device::FaultyTarget>(OpenFileTarget(path, real), plan);
}

}  // namespace mediaforge::engine::throughput
