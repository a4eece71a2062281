#include "fs/fat32/boot_code.h"

#include <cstring>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "fs/fat32/on_disk.h"

namespace mediaforge::fat32 {
namespace {

constexpr std::string_view kMessage =
    "\r\nNot a bootable disk (FAT volume made by mediaforge).\r\n"
    "Remove it and press any key to try the next boot device.\r\n";

// 16-bit real-mode program, assembled by hand. Runs at 0000:7C00 + code offset. (Firmware with
// a serial console, like SeaBIOS's sercon, mirrors the teletype output to COM1.)
//   cli; xor ax,ax; mov ds,ax; mov ss,ax; mov sp,7C00h; sti; cld; mov si,MSG
//   print: lodsb; test al,al; jz wait
//          mov ah,0Eh; mov bx,7; int 10h; jmp print    ; BIOS teletype
//   wait:  xor ax,ax; int 16h; int 19h; jmp $         ; key, then the next boot device
constexpr uint8_t kPrologue[] = {0xFA, 0x31, 0xC0, 0x8E, 0xD8, 0x8E, 0xD0,
                                 0xBC, 0x00, 0x7C, 0xFB, 0xFC, 0xBE /* si lo, hi */};
constexpr uint8_t kLoop[] = {0xAC, 0x84, 0xC0, 0x74, 0x09, 0xB4, 0x0E, 0xBB, 0x07, 0x00, 0xCD,
                             0x10, 0xEB, 0xF2, 0x31, 0xC0, 0xCD, 0x16, 0xCD, 0x19, 0xEB, 0xFE};

}  // namespace

uint32_t BootCodeOffset(FatType type) {
  return type == FatType::kFat32 ? kFat32BootCodeOffset : kFat16BootCodeOffset;
}

void WriteDefaultBootCode(FatType type, std::span<std::byte> sector) {
  auto* s = reinterpret_cast<uint8_t*>(sector.data());
  const uint32_t code = BootCodeOffset(type);
  s[0] = 0xEB;
  s[1] = static_cast<uint8_t>(code - 2);
  s[2] = 0x90;
  std::memset(s + code, 0, 510 - code);
  uint32_t pos = code;
  std::memcpy(s + pos, kPrologue, sizeof kPrologue);
  pos += sizeof kPrologue;
  const uint32_t msg = pos + 2 + sizeof kLoop;
  const uint16_t msg_addr = static_cast<uint16_t>(0x7C00 + msg);
  s[pos++] = static_cast<uint8_t>(msg_addr & 0xFF);
  s[pos++] = static_cast<uint8_t>(msg_addr >> 8);
  std::memcpy(s + pos, kLoop, sizeof kLoop);
  std::memcpy(s + msg, kMessage.data(), kMessage.size());  // NUL follows from the memset
  s[510] = 0x55;
  s[511] = 0xAA;
}

absl::Status CopyPbrCode(FatType type, std::span<const std::byte> pbr,
                         std::span<std::byte> sector) {
  if (pbr.size() < 512) {
    return absl::InvalidArgumentError(
        absl::StrCat("boot record code is ", pbr.size(), " bytes; a boot sector has 512"));
  }
  const auto* p = reinterpret_cast<const uint8_t*>(pbr.data());
  if (p[510] != 0x55 || p[511] != 0xAA) {
    return absl::InvalidArgumentError(
        "boot record code does not end with the 0x55AA signature at byte offset 510");
  }
  const uint32_t code = BootCodeOffset(type);
  std::memcpy(sector.data(), pbr.data(), 3);
  std::memcpy(sector.data() + code, pbr.data() + code, 512 - code);
  return absl::OkStatus();
}

}  // namespace mediaforge::fat32
