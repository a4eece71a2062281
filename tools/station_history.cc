#include "tools/station_history.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "engine/station/record_store.h"

namespace mediaforge::cli {
namespace st = engine::station;
namespace {

absl::StatusOr<int64_t> ParseSince(const std::string& text) {
  int64_t epoch = 0;
  if (absl::SimpleAtoi(text, &epoch)) return epoch;
  for (const char* fmt : {"%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%MZ",
                          "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"}) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(fmt, text, absl::UTCTimeZone(), &t, &err)) return absl::ToUnixSeconds(t);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "bad date '", text, "' (2026-12-01, 2026-12-01T10:30:00 in UTC, or seconds since 1970)"));
}

std::string IsoTime(int64_t t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(t), absl::UTCTimeZone());
}

nlohmann::json RecordJson(const st::StickRecord& r) {
  return {{"id", r.id},
          {"time", IsoTime(r.time_unix)},
          {"operator", r.operator_name},
          {"device", r.device},
          {"serial", r.serial},
          {"vendor", r.vendor},
          {"model", r.model},
          {"declared_bytes", r.declared_bytes},
          {"probed_bytes", r.probed_bytes ? nlohmann::json(*r.probed_bytes) : nullptr},
          {"image", r.image},
          {"image_sha256", r.image_sha256},
          {"bytes", r.bytes},
          {"seconds", r.seconds},
          {"mb_per_s", r.mb_per_s},
          {"result", r.result},
          {"error", r.error.empty() ? nullptr : nlohmann::json(r.error)},
          {"offset", r.error_offset ? nlohmann::json(*r.error_offset) : nullptr},
          {"delta", r.delta},
          {"bytes_skipped", r.bytes_skipped},
          {"spec", r.spec.empty() ? nullptr : nlohmann::json(r.spec)},
          {"spec_sha256", r.spec_sha256.empty() ? nullptr : nlohmann::json(r.spec_sha256)}};
}

// RFC 4180: quote every text field, double the quotes inside.
std::string Csv(const std::string& s) {
  return absl::StrCat("\"", absl::StrReplaceAll(s, {{"\"", "\"\""}}), "\"");
}

std::string Opt(const std::optional<uint64_t>& v) { return v ? absl::StrCat(*v) : ""; }

}  // namespace

std::string DefaultStationDb() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state != nullptr && *state == '/') return absl::StrCat(state, "/mediaforge/station.sqlite");
  const char* home = std::getenv("HOME");
  std::string h = home != nullptr && *home != '\0' ? home : "";
  if (h.empty()) {
    if (passwd* pw = getpwuid(geteuid())) h = pw->pw_dir;
  }
  return absl::StrCat(h, "/.local/state/mediaforge/station.sqlite");
}

int RunStationHistory(const HistoryArgs& args) {
  st::RecordQuery q;
  if (!args.since.empty()) {
    auto since = ParseSince(args.since);
    if (!since.ok()) return ReportError(args.common, since.status());
    q.since_unix = *since;
  }
  if (!args.serial.empty()) q.serial = args.serial;
  const std::string db = args.db.empty() ? DefaultStationDb() : args.db;
  auto store = st::RecordStore::OpenReadOnly(db);
  if (!store.ok()) return ReportError(args.common, store.status());
  auto rows = (*store)->Find(q);
  if (!rows.ok()) return ReportError(args.common, rows.status());

  if (args.common.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : *rows) list.push_back(RecordJson(r));
    EmitJson(args.common, {{"db", db}, {"records", list}});
    return kExitOk;
  }
  if (args.csv) {
    std::cout << "id,time,operator,device,serial,vendor,model,declared_bytes,probed_bytes,image,"
                 "image_sha256,bytes,seconds,mb_per_s,result,error,offset,delta,bytes_skipped,"
                 "spec,spec_sha256\n";
    for (const auto& r : *rows) {
      std::cout << absl::StrFormat(
          "%d,%s,%s,%s,%s,%s,%s,%d,%s,%s,%s,%d,%.3f,%.2f,%s,%s,%s,%d,%d,%s,%s\n", r.id,
          IsoTime(r.time_unix), Csv(r.operator_name), Csv(r.device), Csv(r.serial), Csv(r.vendor),
          Csv(r.model), r.declared_bytes, Opt(r.probed_bytes), Csv(r.image), r.image_sha256,
          r.bytes, r.seconds, r.mb_per_s, r.result, Csv(r.error), Opt(r.error_offset),
          r.delta ? 1 : 0, r.bytes_skipped, Csv(r.spec), r.spec_sha256);
    }
    return kExitOk;
  }
  std::cout << absl::StrFormat("%-20s %-10s %-12s %-20s %-24s %9s %-11s %8s  %s\n", "time",
                               "operator", "device", "serial", "vendor/model", "size", "result",
                               "MB/s", "error");
  for (const auto& r : *rows) {
    std::cout << absl::StrFormat("%-20s %-10s %-12s %-20s %-24s %8.1fM %-11s %8.1f  %s\n",
                                 IsoTime(r.time_unix), r.operator_name, r.device, r.serial,
                                 absl::StrCat(r.vendor, " ", r.model),
                                 r.declared_bytes / double(1 << 20), r.result, r.mb_per_s, r.error);
  }
  Say(absl::StrCat(rows->size(), " record", rows->size() == 1 ? "" : "s", " in ", db));
  return kExitOk;
}

}  // namespace mediaforge::cli
