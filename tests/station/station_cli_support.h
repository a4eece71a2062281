// For the station's CLI tests: sticks as loop devices (ATTACH), and what `mediaforge station
// --json` printed: its JSON lines, the final state of each stick (the one object of
// `--history --json`: LastJson, cli_json.h).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/support/cli_json.h"
#include "tests/support/test_support.h"

// `auto var` = a loop device over `path` (the stick), or the test is skipped.
#define ATTACH(var, path)                                                               \
  std::string why_##var;                                                                \
  auto var = ::mediaforge::testing::LoopDevice::Attach(path, false, false, &why_##var); \
  if (!var) GTEST_SKIP() << "needs loop devices: " << why_##var

namespace mediaforge::testing {

// Every line of `output` that is a JSON object (human text on stderr is interleaved).
inline std::vector<nlohmann::json> JsonLines(const std::string& output) {
  std::vector<nlohmann::json> out;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object()) out.push_back(j);
  }
  return out;
}

// The final state event of each stick, by backing file.
inline std::map<std::string, nlohmann::json> Finals(const std::vector<nlohmann::json>& events) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& e : events) {
    if (e.value("event", "") == "state" && e.contains("ok")) out[e.value("backing_file", "")] = e;
  }
  return out;
}

}  // namespace mediaforge::testing
