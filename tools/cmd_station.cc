// mediaforge station (IMAGE | --spec SPEC.json) [--match GLOB] [--min-size S] [--max-size S]
// [--count N | --once]
//     [--operator NAME] [--db FILE] [--yes] [--force] [--json]
// mediaforge station --history [--since DATE] [--serial S] [--json | --csv] [--db FILE]
// A duplicator (issue 13): every disk that arrives and passes the selection gets its own job
// (engine/station/stick_job.h) on its own thread; this file runs the loop that starts them,
// turns their updates into the view (tools/station_view.h) and records each stick.
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "device/disk_watcher.h"
#include "device/sha256.h"
#include "engine/image_source.h"
#include "engine/layout_reader.h"
#include "engine/station/record_store.h"
#include "engine/station/selection.h"
#include "engine/station/stick_job.h"
#include "tools/commands.h"
#include "tools/station_history.h"
#include "tools/station_image.h"
#include "tools/station_view.h"
#include "tools/target_guard.h"

namespace mediaforge::cli {
namespace {
namespace st = engine::station;
using Clock = std::chrono::steady_clock;

struct StationArgs {
  std::string image;
  std::string spec;
  std::vector<std::string> match;
  std::string min_size, max_size;
  int count = 0;
  bool once = false;
  std::string operator_name;
  bool no_probe = false;
  std::string delta = "stale";
  int poll_ms = 500;
  bool history = false;
  HistoryArgs hist;
  GuardFlags guard;
  CommonFlags common;
};

// One stick in flight: the job's thread posts updates here; the main thread takes them.
struct InFlight {
  std::mutex mu;
  std::vector<st::StickUpdate> changes;  // state changes not yet shown, in order
  st::StickUpdate latest;
  std::optional<st::StickResult> result;
  std::atomic<bool> cancel{false};
  std::atomic<bool> removed{false};
  std::string identity;
  StickRow row;               // main thread only
  bool result_taken = false;  // main thread only: finished, recorded, shown
  std::thread thread;
};

std::string LoginName() {
  char buf[256];
  if (getlogin_r(buf, sizeof buf) == 0 && buf[0] != '\0') return buf;
  for (const char* var : {"LOGNAME", "USER"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') return v;
  }
  if (passwd* pw = getpwuid(geteuid())) return pw->pw_name;
  return absl::StrCat("uid ", geteuid());
}

class Station {
 public:
  Station(RunContext& ctx, const StationArgs& args, StationView& view, const StationImage& image,
          st::RecordStore& store, st::SelectionRules rules, std::string operator_name)
      : ctx_(ctx),
        args_(args),
        view_(view),
        image_(image),
        store_(store),
        rules_(std::move(rules)),
        operator_name_(std::move(operator_name)),
        delta_(args.delta == "always"  ? st::DeltaPolicy::kAlways
               : args.delta == "never" ? st::DeltaPolicy::kNever
                                       : st::DeltaPolicy::kEarlierCopy) {}

  int Run(device::DiskWatcher& watcher) {
    for (const auto& d : watcher.Present()) Consider(d);
    while (true) {
      Drain();
      const bool quota = args_.count > 0 && started_ >= args_.count;
      if (ctx_.cancel.load() || args_.once || quota) {
        if (ctx_.cancel.load()) {
          for (auto& f : jobs_) f->cancel.store(true);
        }
        if (running_ == 0) break;
      }
      auto events = watcher.Wait(std::chrono::milliseconds(100));
      if (!events.ok()) {
        view_.Note(absl::StrCat("station: watching disks failed: ", events.status().message()));
        ctx_.cancel.store(true);
        continue;
      }
      for (const auto& e : *events) {
        if (e.kind == device::DiskEvent::Kind::kLeft) {
          Left(e.disk);
        } else if (!ctx_.cancel.load() && !args_.once && !quota) {
          Consider(e.disk);
        }
      }
    }
    for (auto& f : jobs_) {
      if (f->thread.joinable()) f->thread.join();
    }
    std::vector<const StickRow*> rows;
    for (auto& f : jobs_) rows.push_back(&f->row);
    view_.Summary(rows, ctx_.cancel.load(), Seconds());
    if (ctx_.cancel.load()) return kExitError;
    for (const StickRow* r : rows) {
      if (!r->result || !r->result->ok()) return kExitProblem;
    }
    return kExitOk;
  }

 private:
  double Seconds() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }

  void Consider(const device::BlockInfo& disk) {
    const std::string id = device::DiskIdentity(disk);
    for (auto& f : jobs_) {
      if (f->row.disk.path == disk.path && !f->result_taken) return;  // already being imaged
    }
    st::SelectionVerdict v = st::Select(disk, rules_);
    if (!v.selected) {
      if (v.candidate && skipped_.insert(id).second) view_.Skipped(disk, v.reason);
      return;
    }
    if (args_.count > 0 && started_ >= args_.count) return;
    ++started_;
    ++running_;
    auto f = std::make_unique<InFlight>();
    f->identity = id;
    f->row.id = started_;
    f->row.disk = disk;
    f->row.phase_start_s = Seconds();
    view_.StateChanged(f->row);
    InFlight* raw = f.get();
    st::StickJobOptions o;
    o.image_bytes = image_.bytes;
    o.force = args_.guard.force;
    o.probe = !args_.no_probe;
    o.delta = delta_;
    o.cancel = &raw->cancel;
    o.removed = &raw->removed;
    const StationImage* image = &image_;
    raw->thread = std::thread([raw, disk, o, image] {
      st::LayoutMaker make = [image] { return image->MakeLayout(); };
      st::StickUpdateFn update = [raw](const st::StickUpdate& u) {
        std::lock_guard lock(raw->mu);
        if (u.state != raw->latest.state) raw->changes.push_back(u);
        raw->latest = u;
      };
      st::StickResult r = st::RunStickJob(disk, make, o, update);
      std::lock_guard lock(raw->mu);
      raw->result = std::move(r);
    });
    jobs_.push_back(std::move(f));
  }

  void Left(const device::BlockInfo& disk) {
    const std::string id = device::DiskIdentity(disk);
    skipped_.erase(id);
    for (auto& f : jobs_) {
      if (f->identity == id && !f->result_taken) {
        f->removed.store(true);
        f->cancel.store(true);
      }
    }
  }

  // Takes every job's news: state changes in order, progress, and finished results.
  void Drain() {
    const double now = Seconds();
    std::vector<const StickRow*> progress;
    for (auto& f : jobs_) {
      if (f->result_taken) continue;
      std::vector<st::StickUpdate> changes;
      st::StickUpdate latest;
      std::optional<st::StickResult> result;
      {
        std::lock_guard lock(f->mu);
        changes.swap(f->changes);
        latest = f->latest;
        result = f->result;
      }
      StickRow& row = f->row;
      for (const auto& c : changes) {
        if (st::IsFinal(c.state)) continue;  // shown with the result below
        row.state = c.state;
        row.done = row.total = 0;
        row.mb_per_s = 0;
        row.phase_start_s = now;
        view_.StateChanged(row);
      }
      if (result) {
        f->thread.join();
        f->result_taken = true;
        --running_;
        row.state = result->state;
        row.result = result;
        Record(row);
        view_.StateChanged(row);
        continue;
      }
      if (latest.state == row.state && latest.bytes_total > 0) {
        row.done = latest.bytes_done;
        row.total = latest.bytes_total;
        double secs = now - row.phase_start_s;
        row.mb_per_s = secs > 0 ? row.done / secs / 1e6 : 0;
      }
      progress.push_back(&row);
    }
    if (!progress.empty()) view_.Progress(progress, now);
  }

  void Record(const StickRow& row) {
    const st::StickResult& r = *row.result;
    st::StickRecord rec;
    rec.time_unix = std::time(nullptr);
    rec.operator_name = operator_name_;
    rec.device = row.disk.path;
    rec.serial = row.disk.serial.empty() ? row.disk.loop_backing_file : row.disk.serial;
    rec.vendor = row.disk.vendor;
    rec.model = row.disk.model;
    rec.declared_bytes = r.declared_bytes;
    rec.probed_bytes = r.probed_bytes;
    rec.image = image_.path;
    rec.image_sha256 = image_.sha256;
    rec.spec = image_.spec;
    rec.spec_sha256 = image_.spec_sha256;
    rec.bytes = r.bytes_written;
    rec.delta = r.delta;
    rec.bytes_skipped = r.bytes_skipped();
    rec.seconds = r.seconds;
    rec.mb_per_s = r.mb_per_s();
    rec.result = st::StickStateName(r.state);
    rec.error = r.error;
    rec.error_offset = r.error_offset;
    if (auto id = store_.Add(rec); !id.ok()) {
      view_.Note(absl::StrCat("station: ", id.status().message()));
    }
  }

  RunContext& ctx_;
  const StationArgs& args_;
  StationView& view_;
  const StationImage& image_;
  st::RecordStore& store_;
  const st::SelectionRules rules_;
  const std::string operator_name_;
  const st::DeltaPolicy delta_;
  const Clock::time_point t0_ = Clock::now();
  std::list<std::unique_ptr<InFlight>> jobs_;
  std::set<std::string> skipped_;
  int started_ = 0;
  int running_ = 0;
};

int RunStation(RunContext& ctx, const StationArgs& args) {
  if (args.history) {
    HistoryArgs h = args.hist;
    h.common = args.common;
    return RunStationHistory(h);
  }
  if (args.image.empty() == args.spec.empty()) {
    return ReportError(args.common, absl::InvalidArgumentError(
                                        "station needs an IMAGE or --spec SPEC.json (one of them), "
                                        "or --history"));
  }
  st::SelectionRules rules;
  rules.patterns = args.match;
  rules.allow_fixed = args.guard.force;
  for (auto [text, out] :
       {std::pair{&args.min_size, &rules.min_size}, std::pair{&args.max_size, &rules.max_size}}) {
    if (text->empty()) continue;
    auto v = ParseSize(*text);
    if (!v.ok()) return ReportError(args.common, v.status());
    *out = *v;
  }
  if (args.guard.force && args.match.empty()) {
    return ReportError(
        args.common, absl::InvalidArgumentError("--force needs --match naming the non-removable "
                                                "disks to take (it never applies to every disk)"));
  }
  // Every pre-flight check (and the content's SHA-256) before the first stick is touched.
  auto image = args.spec.empty() ? OpenStationImage(args.image, ctx.cancel)
                                 : BuildStationMedia(args.spec, ctx.cancel);
  if (!image.ok()) return ReportError(args.common, image.status());

  std::string selection = args.match.empty()
                              ? "removable disks"
                              : absl::StrCat(args.guard.force ? "disks" : "removable disks",
                                             " matching ", absl::StrJoin(args.match, " or "));
  if (!args.guard.yes) {
    if (!ctx.stdin_is_tty) {
      Say("mediaforge: station overwrites every selected disk that arrives; without a terminal it "
          "needs --yes");
      EmitJson(args.common, {{"ok", false}, {"error", "refused: no terminal and no --yes"}});
      return kExitProblem;
    }
    Say(absl::StrCat("station: every ", selection, " that arrives will be overwritten with ",
                     (*image)->description, "."));
    if (!Confirm(ctx, "Start the station?")) {
      Say("mediaforge: not confirmed; nothing was written");
      return kExitProblem;
    }
  }
  const std::string db_path = args.hist.db.empty() ? DefaultStationDb() : args.hist.db;
  auto store = st::RecordStore::Open(db_path);
  if (!store.ok()) return ReportError(args.common, store.status());
  device::WatchOptions wo;
  wo.poll_interval = std::chrono::milliseconds(std::max(50, args.poll_ms));
  auto watcher = device::DiskWatcher::Start(wo);
  if (!watcher.ok()) return ReportError(args.common, watcher.status());

  StationView::Mode mode = args.common.json ? StationView::Mode::kJson
                           : ctx.stderr_is_tty && !args.common.no_progress
                               ? StationView::Mode::kTable
                               : StationView::Mode::kLog;
  StationView view(mode);
  view.Start({{"image", args.spec.empty() ? args.image : (*image)->description},
              {"bytes", (*image)->bytes ? nlohmann::json((*image)->bytes) : nullptr},
              {"sha256", (*image)->sha256},
              {"spec", args.spec.empty() ? nullptr : nlohmann::json((*image)->spec)},
              {"spec_sha256", args.spec.empty() ? nullptr : nlohmann::json((*image)->spec_sha256)},
              {"db", db_path},
              {"selection", selection},
              {"uevents", (*watcher)->uevents_active()},
              {"count", args.count},
              {"once", args.once}});
  for (const auto& finding : (*image)->findings) view.Note(absl::StrCat("warning: ", finding));
  if (!args.spec.empty()) {
    view.Note(
        "the spec's output.targets are not written: the station writes every stick that "
        "arrives");
  }
  Station station(ctx, args, view, **image, **store, rules,
                  args.operator_name.empty() ? LoginName() : args.operator_name);
  return station.Run(**watcher);
}

}  // namespace

void AddStationCommand(CLI::App& app, RunContext& ctx) {
  auto args = std::make_shared<StationArgs>();
  auto* cmd = app.add_subcommand(
      "station",
      "Duplicator: image every disk as it arrives (guard, fake-capacity probe, write, verify), "
      "each recorded in a database");
  cmd->add_option("IMAGE", args->image, "Image to write (raw, .gz, .xz, .zst)");
  cmd->add_option("--spec", args->spec,
                  "Build the media of this `create` spec (USB output) once and write it to every "
                  "stick instead of an IMAGE");
  cmd->add_option("--match", args->match,
                  "Only disks whose vendor, model, serial, path or loop backing file matches this "
                  "glob (repeatable)");
  cmd->add_option("--min-size", args->min_size, "Only disks at least this large");
  cmd->add_option("--max-size", args->max_size, "Only disks at most this large");
  auto* count = cmd->add_option("--count", args->count, "Stop after N sticks");
  auto* once = cmd->add_flag("--once", args->once, "Handle the disks plugged in now, then exit");
  count->excludes(once);
  cmd->add_option("--operator", args->operator_name,
                  "Who is imaging, for the records (default: the login name)");
  cmd->add_option("--db", args->hist.db,
                  "Station database (default $XDG_STATE_HOME/mediaforge/station.sqlite)");
  cmd->add_flag("--no-probe", args->no_probe, "Skip the fake-capacity probe");
  cmd->add_option("--delta", args->delta,
                  "Delta writes (only the differing blocks): for sticks holding an earlier copy "
                  "of the image (stale, the default), always, or never")
      ->check(CLI::IsMember({"stale", "always", "never"}));
  cmd->add_option("--poll-ms", args->poll_ms, "Rescan disks this often (ms) between uevents");
  auto* history = cmd->add_flag("--history", args->history, "Print the records and exit");
  cmd->add_option("--since", args->hist.since, "--history: records from DATE on (UTC)")
      ->needs(history);
  cmd->add_option("--serial", args->hist.serial, "--history: records of this serial")
      ->needs(history);
  cmd->add_flag("--csv", args->hist.csv, "--history: CSV on stdout")->needs(history);
  AddGuardFlags(*cmd, args->guard);
  AddCommonFlags(*cmd, args->common);
  cmd->callback([&ctx, args] { ctx.exit_code = RunStation(ctx, *args); });
}

}  // namespace mediaforge::cli
