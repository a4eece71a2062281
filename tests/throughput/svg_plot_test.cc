// The --plot SVG is well-formed XML (checked by an outside parser) with the expected parts.
#include "engine/throughput/svg_plot.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace mediaforge::engine::throughput {
namespace {

using testing::TempDir;
using testing::WriteWholeFile;

TEST(SvgPlot, ParsesAsXmlWithAxesLinesAndLegend) {
  if (!testing::HaveTool("python3")) GTEST_SKIP() << "needs python3 (not installed)";
  SpeedPlot plot;
  plot.title = "mediaforge bench --full: /tmp/a&b<c>.img";
  plot.declared_bytes = 4ull << 30;
  for (int i = 0; i < 100; ++i) {
    uint64_t len = (4ull << 30) / 100;
    plot.samples.push_back({i * len, len, i < 30 ? 90.0 : 20.0, 120.0 + i % 3});
  }
  plot.bad_regions.push_back({3ull << 30, 1ull << 30, RegionKind::kAliased, 0, "zeros"});
  std::string svg = RenderSpeedPlotSvg(plot);
  TempDir dir;
  WriteWholeFile(dir / "p.svg", svg);
  const char* kCheck = R"(
import sys, xml.dom.minidom
d = xml.dom.minidom.parse(sys.argv[1])
svg = d.documentElement
assert svg.tagName == 'svg' and svg.getAttribute('xmlns') == 'http://www.w3.org/2000/svg'
lines = [p.getAttribute('class') for p in d.getElementsByTagName('polyline')]
assert sorted(lines) == ['read', 'write'], lines
for p in d.getElementsByTagName('polyline'):
    assert len(p.getAttribute('points').split()) == 100
texts = ' '.join(t.firstChild.data for t in d.getElementsByTagName('text') if t.firstChild)
for want in ['Offset (GiB)', 'Speed (MB/s)', 'write', 'read', 'a&b<c>.img']:
    assert want in texts, want
assert any(r.getAttribute('class') == 'bad' for r in d.getElementsByTagName('rect'))
print('ok')
)";
  auto r = testing::Run({"python3", "-c", kCheck, (dir / "p.svg").string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ok"), std::string::npos) << r.output;
}

TEST(SvgPlot, SmallTargetsUseMiB) {
  SpeedPlot plot;
  plot.title = "t";
  plot.declared_bytes = 64 << 20;
  plot.samples.push_back({0, 64 << 20, 10, 20});
  EXPECT_NE(RenderSpeedPlotSvg(plot).find("Offset (MiB)"), std::string::npos);
}

}  // namespace
}  // namespace mediaforge::engine::throughput
