// ECMA-119 dates: 7-byte recording dates (9.1.5, also RRIP TF short form) and 17-byte volume
// dates (8.4.26.1), always written in UTC (GMT offset 0) so output does not depend on TZ.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>

#include "fs/iso9660/on_disk.h"

namespace mediaforge::iso9660 {

inline std::tm UtcTime(int64_t unix_seconds) {
  std::tm tm{};
  time_t t = static_cast<time_t>(unix_seconds);
  gmtime_r(&t, &tm);
  return tm;
}

inline RecordingDateTime ToRecordingDateTime(int64_t unix_seconds) {
  // Years since 1900 must fit a byte: clamp to 1970..2155.
  if (unix_seconds < 0) unix_seconds = 0;
  if (unix_seconds > 5'869'713'599LL) unix_seconds = 5'869'713'599LL;  // 2155-12-31 23:59:59
  std::tm tm = UtcTime(unix_seconds);
  return RecordingDateTime{static_cast<uint8_t>(tm.tm_year),
                           static_cast<uint8_t>(tm.tm_mon + 1),
                           static_cast<uint8_t>(tm.tm_mday),
                           static_cast<uint8_t>(tm.tm_hour),
                           static_cast<uint8_t>(tm.tm_min),
                           static_cast<uint8_t>(tm.tm_sec),
                           0};
}

inline VolumeDateTime ToVolumeDateTime(int64_t unix_seconds) {
  if (unix_seconds < 0) unix_seconds = 0;
  if (unix_seconds > 253'402'300'799LL) unix_seconds = 253'402'300'799LL;  // 9999-12-31
  std::tm tm = UtcTime(unix_seconds);
  VolumeDateTime v{};
  // Room for any int fields, so -Wformat-truncation can prove nothing is cut; 16 digits are used.
  char text[64];
  std::snprintf(text, sizeof text, "%04d%02d%02d%02d%02d%02d00", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  for (int i = 0; i < 16; ++i) v.digits[i] = text[i];
  v.gmt_offset_quarter_hours = 0;
  return v;
}

// ECMA-119 8.4.26.1: "not specified" is sixteen '0' digits and offset 0.
inline VolumeDateTime UnspecifiedVolumeDateTime() {
  VolumeDateTime v{};
  for (char& c : v.digits) c = '0';
  return v;
}

}  // namespace mediaforge::iso9660
