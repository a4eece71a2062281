// Speed over the offset of a --full pass as a standalone SVG (no plotting dependency): write and
// read lines, bad regions shaded, labelled axes with units, a title and a legend.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/throughput/bad_regions.h"
#include "engine/throughput/full_check.h"

namespace mediaforge::engine::throughput {

struct SpeedPlot {
  std::string title;
  uint64_t declared_bytes = 0;
  std::vector<SpeedSample> samples;
  std::vector<BadRegion> bad_regions;
};

std::string RenderSpeedPlotSvg(const SpeedPlot& plot);

}  // namespace mediaforge::engine::throughput
