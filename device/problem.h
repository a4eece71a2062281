// One finding of a checker (GPT, FAT, ISO9660, the whole-media inspection): where it is, the
// byte offset on the target when there is one, and what is wrong. Checkers return lists of
// these as data; only the CLI prints them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mediaforge::device {

struct Problem {
  std::string where;               // "primary GPT header", "/EFI/BOOT", "El Torito catalog"
  std::optional<uint64_t> offset;  // byte offset on the target, when there is one
  std::string what;
};

}  // namespace mediaforge::device
