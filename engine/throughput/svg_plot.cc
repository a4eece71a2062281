#include "engine/throughput/svg_plot.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mediaforge::engine::throughput {
namespace {

constexpr double kWidth = 900, kHeight = 500;
constexpr double kLeft = 80, kRight = 30, kTop = 56, kBottom = 64;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

// 1, 2 or 5 times a power of ten, so that about `ticks` steps cover `max`.
double NiceStep(double max, int ticks) {
  double raw = std::max(max, 1e-9) / ticks;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) return m * mag;
  }
  return 10 * mag;
}

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

std::string Polyline(const std::vector<SpeedSample>& samples, double x_per_byte, double y_per_mb,
                     bool write) {
  std::string points;
  for (const SpeedSample& s : samples) {
    double v = write ? s.write_mb_per_s : s.read_mb_per_s;
    double x = kLeft + (s.offset + s.length / 2.0) * x_per_byte;
    double y = kTop + kPlotH - v * y_per_mb;
    absl::StrAppend(&points, points.empty() ? "" : " ", Num(x), ",", Num(y));
  }
  return absl::StrCat("<polyline class=\"", write ? "write" : "read", "\" fill=\"none\" stroke=\"",
                      write ? "#d62728" : "#1f77b4", "\" stroke-width=\"2\" points=\"", points,
                      "\"/>\n");
}

}  // namespace

std::string RenderSpeedPlotSvg(const SpeedPlot& plot) {
  const bool gib = plot.declared_bytes >= (2ull << 30);
  const double unit = gib ? double(1ull << 30) : double(1ull << 20);
  const std::string unit_name = gib ? "GiB" : "MiB";
  double top = 0;
  for (const SpeedSample& s : plot.samples)
    top = std::max({top, s.write_mb_per_s, s.read_mb_per_s});
  const double y_step = NiceStep(top * 1.05, 5);
  const double y_max = std::max(y_step, std::ceil(top * 1.05 / y_step) * y_step);
  const double x_max = std::max<double>(plot.declared_bytes, 1);
  const double x_step = NiceStep(x_max / unit, 8);
  const double x_per_byte = kPlotW / x_max, y_per_mb = kPlotH / y_max;

  std::string svg = absl::StrFormat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
      int(kWidth), int(kHeight), int(kWidth), int(kHeight));
  absl::StrAppend(&svg, "<title>", Escape(plot.title), "</title>\n",
                  "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
  for (const BadRegion& r : plot.bad_regions) {
    absl::StrAppend(&svg, "<rect class=\"bad\" x=\"", Num(kLeft + r.offset * x_per_byte), "\" y=\"",
                    Num(kTop), "\" width=\"", Num(std::max(1.0, r.length * x_per_byte)),
                    "\" height=\"", Num(kPlotH), "\" fill=\"#f4cccc\"><title>",
                    RegionKindName(r.kind), " at byte ", r.offset, ", ", r.length,
                    " bytes: ", Escape(r.found), "</title></rect>\n");
  }
  for (double v = 0; v <= y_max + y_step / 2; v += y_step) {
    double y = kTop + kPlotH - v * y_per_mb;
    absl::StrAppend(&svg, "<line x1=\"", Num(kLeft), "\" y1=\"", Num(y), "\" x2=\"",
                    Num(kLeft + kPlotW), "\" y2=\"", Num(y), "\" stroke=\"#dddddd\"/>\n",
                    "<text x=\"", Num(kLeft - 8), "\" y=\"", Num(y + 4), "\" text-anchor=\"end\">",
                    absl::StrFormat("%g", v), "</text>\n");
  }
  for (double v = 0; v * unit <= x_max * 1.0001; v += x_step) {
    double x = kLeft + v * unit * x_per_byte;
    absl::StrAppend(&svg, "<line x1=\"", Num(x), "\" y1=\"", Num(kTop + kPlotH), "\" x2=\"", Num(x),
                    "\" y2=\"", Num(kTop + kPlotH + 5), "\" stroke=\"black\"/>\n", "<text x=\"",
                    Num(x), "\" y=\"", Num(kTop + kPlotH + 20), "\" text-anchor=\"middle\">",
                    absl::StrFormat("%g", v), "</text>\n");
  }
  absl::StrAppend(&svg, "<line class=\"axis\" x1=\"", Num(kLeft), "\" y1=\"", Num(kTop), "\" x2=\"",
                  Num(kLeft), "\" y2=\"", Num(kTop + kPlotH), "\" stroke=\"black\"/>\n",
                  "<line class=\"axis\" x1=\"", Num(kLeft), "\" y1=\"", Num(kTop + kPlotH),
                  "\" x2=\"", Num(kLeft + kPlotW), "\" y2=\"", Num(kTop + kPlotH),
                  "\" stroke=\"black\"/>\n");
  absl::StrAppend(&svg, Polyline(plot.samples, x_per_byte, y_per_mb, true),
                  Polyline(plot.samples, x_per_byte, y_per_mb, false));
  absl::StrAppend(&svg, "<text class=\"title\" x=\"", Num(kWidth / 2),
                  "\" y=\"24\" text-anchor=\"middle\" ", "font-size=\"16\" font-weight=\"bold\">",
                  Escape(plot.title), "</text>\n", "<text class=\"xlabel\" x=\"",
                  Num(kLeft + kPlotW / 2), "\" y=\"", Num(kHeight - 16),
                  "\" text-anchor=\"middle\">Offset (", unit_name, ")</text>\n",
                  "<text class=\"ylabel\" x=\"20\" y=\"", Num(kTop + kPlotH / 2),
                  "\" text-anchor=\"middle\" transform=\"rotate(-90 20 ", Num(kTop + kPlotH / 2),
                  ")\">Speed (MB/s)</text>\n");
  const double lx = kLeft + kPlotW - 150, ly = kTop + 8;
  absl::StrAppend(&svg, "<g class=\"legend\">\n", "<line x1=\"", Num(lx), "\" y1=\"", Num(ly + 6),
                  "\" x2=\"", Num(lx + 24), "\" y2=\"", Num(ly + 6),
                  "\" stroke=\"#d62728\" stroke-width=\"2\"/>\n<text x=\"", Num(lx + 30), "\" y=\"",
                  Num(ly + 10), "\">write</text>\n", "<line x1=\"", Num(lx + 80), "\" y1=\"",
                  Num(ly + 6), "\" x2=\"", Num(lx + 104), "\" y2=\"", Num(ly + 6),
                  "\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n<text x=\"", Num(lx + 110),
                  "\" y=\"", Num(ly + 10), "\">read</text>\n</g>\n</svg>\n");
  return svg;
}

}  // namespace mediaforge::engine::throughput
