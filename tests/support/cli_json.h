// The JSON a `--json` run of the CLI printed, for the CLI tests (cli-contract.md: exactly one
// object on stdout, human text on stderr).
#pragma once

#include <string>

#include "nlohmann/json.hpp"
#include "tests/support/test_support.h"

namespace mediaforge::testing {

// The last JSON object of `output` (LastJsonLine), parsed; a discarded value when there is none.
inline nlohmann::json LastJson(const std::string& output) {
  return nlohmann::json::parse(LastJsonLine(output), nullptr, false);
}

}  // namespace mediaforge::testing
