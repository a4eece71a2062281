// mediaforge bench TARGET [--size SIZE] [--full | --probe [--destructive]] [--plot FILE.svg]
//                         [--yes] [--force] [--json]
// Throughput figures (sequential 1 MiB QD1/QD8, random 4 KiB QD1/QD32), the offset-keyed --full
// pass with real capacity and bad regions, or the quick --probe for fake capacity. Exit 1 when
// the target is fake or has bad regions (cli-contract.md).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/target.h"
#include "engine/throughput/full_check.h"
#include "engine/throughput/probe.h"
#include "engine/throughput/svg_plot.h"
#include "engine/throughput/throughput_figures.h"
#include "tools/commands.h"
#include "tools/target_guard.h"

namespace mediaforge::cli {
namespace {

namespace tp = engine::throughput;
using nlohmann::json;

struct BenchArgs {
  std::string target;
  std::string size;
  bool full = false;
  bool probe = false;
  bool destructive = false;
  std::string plot;
  int runs = 3;
  double seconds = 3;
  std::string io_engine = "auto";
  std::string group = "1M";
  std::vector<std::string> tests;  // "seq-write-qd8", ...: run only these figures
  uint64_t seed = 0;
  // Testing aids (hidden): make the target lie or fail, to see a fake drive's report and try
  // scripts' gating on exit code 1 without owning such a drive.
  GuardFlags guard;
  CommonFlags common;
};

std::string Bytes(uint64_t n) {
  if (n >= (1ull << 30)) return absl::StrFormat("%.2f GiB", n / double(1ull << 30));
  if (n >= (1ull << 20)) return absl::StrFormat("%.1f MiB", n / double(1ull << 20));
  return absl::StrCat(n, " bytes");
}

std::string BlockName(size_t bytes) {
  return bytes % (1 << 20) == 0 ? absl::StrCat(bytes >> 20, "M") : absl::StrCat(bytes >> 10, "K");
}

// Human text: stdout normally, stderr when stdout carries the JSON.
void Print(const CommonFlags& flags, const std::string& text) {
  std::fputs(text.c_str(), flags.json ? stderr : stdout);
  std::fputs("\n", flags.json ? stderr : stdout);
}

json RegionJson(const tp::BadRegion& r) {
  return {{"offset", r.offset},
          {"length", r.length},
          {"kind", tp::RegionKindName(r.kind)},
          {"found_offset", r.found_offset ? json(*r.found_offset) : json(nullptr)},
          {"found", r.found}};
}

std::string RegionLine(const tp::BadRegion& r) {
  return absl::StrFormat("  %-8s at byte %d (%s), %s: %s", tp::RegionKindName(r.kind), r.offset,
                         Bytes(r.offset), Bytes(r.length), r.found);
}

// --- throughput figures ---------------------------------------------------------------------

int RunSpeed(RunContext& ctx, const BenchArgs& args, device::Target& target, uint64_t size,
             json& out) {
  tp::SpeedOptions o;
  o.size = size;
  o.runs = args.runs;
  o.random_seconds = args.seconds;
  o.seed = args.seed != 0 ? args.seed : 1;
  o.engine = args.io_engine == "threads" ? tp::IoEnginePreference::kThreads
                                         : tp::IoEnginePreference::kAuto;
  o.cancel = &ctx.cancel;
  if (!args.tests.empty()) {
    std::vector<tp::SpeedTestSpec> chosen;
    for (const tp::SpeedTestSpec& spec : o.tests) {
      std::string name = absl::StrCat(spec.test, "-qd", spec.queue_depth);
      if (std::find(args.tests.begin(), args.tests.end(), name) != args.tests.end()) {
        chosen.push_back(spec);
      }
    }
    if (chosen.size() != args.tests.size()) {
      return ReportError(args.common, absl::InvalidArgumentError(
                                          "--test takes seq-write-qd1, seq-write-qd8, "
                                          "seq-read-qd1, seq-read-qd8, rand-write-qd1, "
                                          "rand-write-qd32, rand-read-qd1, rand-read-qd32"));
    }
    o.tests = chosen;
  }
  const bool draw = !args.common.no_progress &&
                    (args.common.progress == "bar" ||
                     (args.common.progress == "auto" && ctx.stderr_is_tty && !args.common.json));
  size_t step = 0;
  o.progress = [&](const tp::SpeedTestSpec& spec, int run, int runs) {
    if (run == 1) ++step;
    if (draw) {
      std::fprintf(stderr, "\r[%zu/%zu] %s %s QD%d run %d/%d\x1b[K", step, o.tests.size(),
                   spec.test.c_str(), BlockName(spec.block_size).c_str(), spec.queue_depth, run,
                   runs);
    }
  };
  auto report = tp::RunSpeedTests(target, o);
  if (draw) std::fputs("\r\x1b[K", stderr);
  if (!report.ok()) return ReportError(args.common, report.status());
  if (report->cancelled) {
    return ReportError(args.common, absl::CancelledError("interrupted; no figures"));
  }
  out["io_engine"] = tp::IoEngineName(report->engine);
  if (!report->engine_note.empty()) out["io_engine_note"] = report->engine_note;
  out["cache_bypassed"] = report->cache_bypassed;
  if (!report->cache_note.empty()) out["cache_note"] = report->cache_note;
  out["size"] = report->size;
  out["runs"] = args.runs;

  Print(args.common,
        absl::StrFormat(
            "%s: %s tested, %d runs each, %s, %s", target.path(), Bytes(report->size), args.runs,
            tp::IoEngineName(report->engine),
            report->cache_bypassed ? "page cache bypassed (O_DIRECT)" : report->cache_note));
  Print(args.common, absl::StrFormat("%-10s %5s %4s %10s %10s %10s %8s %10s", "test", "block", "QD",
                                     "MB/s", "min", "max", "stddev", "IOPS"));
  for (const tp::Figure& f : report->figures) {
    json runs = json::array();
    for (const tp::RunResult& r : f.runs) {
      runs.push_back({{"mb_per_s", r.mb_per_s()},
                      {"iops", r.iops()},
                      {"bytes", r.bytes},
                      {"seconds", r.seconds}});
    }
    out["results"].push_back({{"test", f.spec.test},
                              {"block_size", f.spec.block_size},
                              {"queue_depth", f.spec.queue_depth},
                              {"mb_per_s", f.mean_mb_per_s},
                              {"iops", f.mean_iops},
                              {"mb_per_s_min", f.min_mb_per_s},
                              {"mb_per_s_max", f.max_mb_per_s},
                              {"mb_per_s_stddev", f.stddev_mb_per_s},
                              {"runs", runs}});
    Print(args.common,
          absl::StrFormat("%-10s %5s %4d %10.1f %10.1f %10.1f %8.1f %10.0f", f.spec.test,
                          BlockName(f.spec.block_size), f.spec.queue_depth, f.mean_mb_per_s,
                          f.min_mb_per_s, f.max_mb_per_s, f.stddev_mb_per_s, f.mean_iops));
  }
  return kExitOk;
}

// --- --full -------------------------------------------------------------------------------

int WritePlot(const BenchArgs& args, const tp::FullReport& r) {
  tp::SpeedPlot plot{absl::StrCat("mediaforge bench --full: ", args.target), r.declared_bytes,
                     r.samples, r.bad_regions};
  std::ofstream f(args.plot, std::ios::binary | std::ios::trunc);
  f << tp::RenderSpeedPlotSvg(plot);
  f.close();
  if (!f) {
    return ReportError(args.common,
                       absl::UnavailableError(absl::StrCat(args.plot, ": cannot write the plot")));
  }
  Say(absl::StrCat("plot written to ", args.plot));
  return kExitOk;
}

int RunFull(RunContext& ctx, const BenchArgs& args, device::Target& target, json& out) {
  tp::FullOptions o;
  o.seed = args.seed;
  o.engine = args.io_engine == "threads" ? tp::IoEnginePreference::kThreads
                                         : tp::IoEnginePreference::kAuto;
  o.cancel = &ctx.cancel;
  ProgressLine progress(ctx, args.common, "full pass (write, then read back)");
  o.progress = [&](const tp::FullProgress& p) { progress.Update(p.done, p.total); };
  auto report = tp::RunFullCheck(target, o);
  progress.Finish();
  if (!report.ok()) return ReportError(args.common, report.status());
  const tp::FullReport& r = *report;
  if (r.cancelled) {
    return ReportError(args.common,
                       absl::CancelledError("interrupted; the --full pass gave no verdict"));
  }
  const uint64_t tested = r.samples.empty() ? 0 : r.samples.back().offset + r.samples.back().length;
  const double write_mb = r.write_seconds > 0 ? tested / r.write_seconds / 1e6 : 0;
  const double read_mb = r.read_seconds > 0 ? tested / r.read_seconds / 1e6 : 0;
  json regions = json::array(), samples = json::array();
  for (const tp::BadRegion& b : r.bad_regions) regions.push_back(RegionJson(b));
  for (const tp::SpeedSample& s : r.samples) {
    samples.push_back({{"offset", s.offset},
                       {"length", s.length},
                       {"write_mb_per_s", s.write_mb_per_s},
                       {"read_mb_per_s", s.read_mb_per_s}});
  }
  out["io_engine"] = tp::IoEngineName(r.engine);
  if (!r.engine_note.empty()) out["io_engine_note"] = r.engine_note;
  out["full"] = {{"declared_bytes", r.declared_bytes},
                 {"usable_bytes", r.usable_bytes},
                 {"good_bytes", r.good_bytes},
                 {"overwritten_bytes", r.overwritten_bytes},
                 {"first_bad_offset", r.first_bad_offset ? json(*r.first_bad_offset) : json()},
                 {"aliasing_from", r.aliasing_from ? json(*r.aliasing_from) : json()},
                 {"bad_regions", regions},
                 {"samples", samples},
                 {"write_seconds", r.write_seconds},
                 {"read_seconds", r.read_seconds},
                 {"write_mb_per_s", write_mb},
                 {"read_mb_per_s", read_mb},
                 {"seed", r.seed}};

  Print(args.common, absl::StrFormat("%s: --full pass, %s declared, %s", target.path(),
                                     Bytes(r.declared_bytes), tp::IoEngineName(r.engine)));
  Print(args.common, absl::StrFormat("  write %.1f MB/s (%.1f s), read %.1f MB/s (%.1f s)",
                                     write_mb, r.write_seconds, read_mb, r.read_seconds));
  if (r.ok()) {
    Print(args.common, absl::StrFormat("OK: all %d bytes read back as written", r.declared_bytes));
  } else {
    Print(args.common,
          absl::StrFormat("%s: usable %d bytes (%s) of %d declared; first bad byte at %d",
                          r.aliasing_from ? "FAKE CAPACITY" : "BAD REGIONS", r.usable_bytes,
                          Bytes(r.usable_bytes), r.declared_bytes, *r.first_bad_offset));
    if (r.aliasing_from) {
      Print(args.common,
            absl::StrFormat("  writes from byte %d on land on earlier storage", *r.aliasing_from));
    }
    for (const tp::BadRegion& b : r.bad_regions) Print(args.common, RegionLine(b));
  }
  if (!args.plot.empty()) {
    if (int rc = WritePlot(args, r); rc != kExitOk) return rc;
  }
  return r.ok() ? kExitOk : kExitProblem;
}

// --- --probe ------------------------------------------------------------------------------

int RunProbe(RunContext& ctx, const BenchArgs& args, device::Target& target, json& out) {
  auto group = ParseSize(args.group);
  if (!group.ok() || *group < 4096 || *group % 4096 != 0) {
    return ReportError(args.common, absl::InvalidArgumentError("--group must be a multiple of 4K"));
  }
  tp::ProbeOptions o;
  o.group = *group;
  o.destructive = args.destructive;
  o.seed = args.seed;
  o.cancel = &ctx.cancel;
  auto report = tp::RunProbe(target, o);
  if (!report.ok()) return ReportError(args.common, report.status());
  const tp::ProbeReport& r = *report;
  json regions = json::array();
  if (r.first_bad) regions.push_back(RegionJson(*r.first_bad));
  out["probe"] = {{"declared_bytes", r.declared_bytes},
                  {"usable_bytes", r.usable_bytes},
                  {"fake", r.fake},
                  {"group_bytes", r.group_bytes},
                  {"first_bad", r.first_bad ? RegionJson(*r.first_bad) : json()},
                  {"bad_regions", regions},
                  {"writes", r.writes},
                  {"reads", r.reads},
                  {"seconds", r.seconds},
                  {"destructive", args.destructive},
                  {"restored", r.restored},
                  {"seed", r.seed}};
  if (!r.restore_error.empty()) out["probe"]["restore_error"] = r.restore_error;
  if (!args.destructive && !r.restored) {
    Say(absl::StrCat("mediaforge: restoring the probed blocks FAILED: ", r.restore_error));
  }
  if (r.cancelled) {
    return ReportError(args.common, absl::CancelledError("interrupted; the probe gave no verdict"));
  }
  Print(args.common,
        absl::StrFormat("%s: probe, %s declared, %d writes and %d reads in %.2f s%s", target.path(),
                        Bytes(r.declared_bytes), r.writes, r.reads, r.seconds,
                        args.destructive ? "" : ", original blocks restored"));
  if (!r.first_bad) {
    Print(args.common, "OK: every probed block held what was written (no sign of fake capacity)");
    return kExitOk;
  }
  Print(args.common,
        absl::StrFormat("%s: usable %d bytes (%s) of %d declared (within %s)",
                        r.fake ? "FAKE CAPACITY" : "BAD MEDIA", r.usable_bytes,
                        Bytes(r.usable_bytes), r.declared_bytes, Bytes(r.group_bytes)));
  Print(args.common, RegionLine(*r.first_bad));
  return kExitProblem;
}

int RunBench(RunContext& ctx, const BenchArgs& args) {
  if (!args.plot.empty() && !args.full) {
    return ReportError(args.common,
                       absl::InvalidArgumentError(
                           "--plot draws the speed over the offset of a --full pass; add --full"));
  }
  std::optional<uint64_t> size;
  if (!args.size.empty()) {
    auto s = ParseSize(args.size);
    if (!s.ok() || *s == 0)
      return ReportError(args.common, absl::InvalidArgumentError("bad --size"));
    size = *s;
  }
  struct stat st;
  const bool exists = ::stat(args.target.c_str(), &st) == 0;
  const bool is_file = !exists || S_ISREG(st.st_mode);
  if (is_file && (args.full || args.probe) && !size && (!exists || st.st_size == 0)) {
    return ReportError(args.common, absl::InvalidArgumentError(absl::StrCat(
                                        args.target, " is empty; give --size for the test image")));
  }
  const char* action = args.full          ? "fill and read back every byte (--full)"
                       : !args.probe      ? "write benchmark data"
                       : args.destructive ? "probe (--destructive)"
                                          : "probe (probed blocks are saved and restored)";
  std::vector<std::string> refusals;
  int guard = GuardTargets(ctx, {args.target}, 0, args.guard, action, &refusals);
  if (guard != kExitOk) {
    EmitJson(args.common,
             {{"target", args.target}, {"results", json::array()}, {"refused", refusals}});
    return guard;
  }
  auto opened = device::OpenTarget(args.target, {.write = true, .create = is_file});
  if (!opened.ok()) {
    ReportError(args.common, opened.status());
    return absl::IsFailedPrecondition(opened.status()) ? kExitProblem : kExitError;
  }
  if (is_file) {
    // Image files grow to --size (speed figures default to 1 GiB on a new or empty file).
    uint64_t want = size.value_or((*opened)->size() == 0 ? (1ull << 30) : 0);
    if (want > (*opened)->size() || ((args.full || args.probe) && size)) {
      if (absl::Status s = (*opened)->Resize(want); !s.ok()) return ReportError(args.common, s);
    }
  }
  std::unique_ptr<device::Target> target = std::move(*opened);

  json out = {{"target", args.target}, {"results", json::array()}};
  int rc = args.full    ? RunFull(ctx, args, *target, out)
           : args.probe ? RunProbe(ctx, args, *target, out)
                        : RunSpeed(ctx, args, *target, size.value_or(1ull << 30), out);
  if (rc == kExitError) return rc;
  out["ok"] = rc == kExitOk;
  EmitJson(args.common, out);
  return rc;
}

}  // namespace

void AddBenchCommand(CLI::App& app, RunContext& ctx) {
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand(
      "bench",
      "Measure a drive: sequential/random throughput, --full capacity check, --probe for fake "
      "capacity");
  cmd->add_option("TARGET", args->target, "Block device or image file")->required();
  cmd->add_option("--size", args->size,
                  "Bytes used by the throughput tests (default 1G, capped to the target); "
                  "image files are grown to it");
  auto* full = cmd->add_flag("--full", args->full,
                             "Fill the whole target with offset-keyed data, read it back, report "
                             "real capacity, bad regions and speed over the offset");
  auto* probe = cmd->add_flag("--probe", args->probe,
                              "Quick fake-capacity check (saves and restores what it writes)");
  full->excludes(probe);
  cmd->add_flag("--destructive", args->destructive,
                "--probe: do not save and restore the probed blocks")
      ->needs(probe);
  cmd->add_option("--plot", args->plot, "--full: draw speed over the offset to FILE.svg");
  cmd->add_option("--runs", args->runs, "Runs per throughput figure (mean and spread)")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--seconds", args->seconds, "Length of each random-I/O run in seconds")
      ->check(CLI::Range(0.05, 3600.0));
  cmd->add_option("--io-engine", args->io_engine, "auto (io_uring when possible) or threads")
      ->check(CLI::IsMember({"auto", "threads"}));
  cmd->add_option("--test", args->tests,
                  "Run only this figure (repeatable): seq-write-qd1, seq-read-qd8, rand-read-qd32, "
                  "...");
  cmd->add_option("--group", args->group, "--probe: precision of the capacity found");
  cmd->add_option("--seed", args->seed, "Seed of the keyed data and random offsets");
  AddGuardFlags(*cmd, args->guard);
  AddCommonFlags(*cmd, args->common);
  cmd->callback(
      [&ctx, args] { ctx.exit_code = FinishCommand(args->common, RunBench(ctx, *args)); });
}

}  // namespace mediaforge::cli
