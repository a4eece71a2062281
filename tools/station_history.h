// `mediaforge station --history`: the records of the station database as a table, JSON or CSV.
#pragma once

#include <string>

#include "tools/cli_common.h"

namespace mediaforge::cli {

struct HistoryArgs {
  std::string db;
  std::string since;  // DATE: 2026-12-01, 2026-12-01T10:30[:00][Z] (UTC), or seconds since 1970
  std::string serial;
  bool csv = false;
  CommonFlags common;
};

int RunStationHistory(const HistoryArgs& args);

// The default database: $XDG_STATE_HOME/mediaforge/station.sqlite, else
// ~/.local/state/mediaforge/station.sqlite.
std::string DefaultStationDb();

}  // namespace mediaforge::cli
