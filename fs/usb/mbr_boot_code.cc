#include "fs/usb/mbr_boot_code.h"

#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace mediaforge::usb {
namespace {

// Hand-assembled 16-bit code, loaded by the BIOS at 0000:7C00 (CS may be 0 or 07C0, so only
// relative jumps are used and DS is set to 0 with absolute message addresses):
//   00 FA           cli
//   01 31 C0        xor ax, ax
//   03 8E D8        mov ds, ax
//   05 8E D0        mov ss, ax
//   07 BC 00 7C     mov sp, 0x7C00
//   0A FB           sti
//   0B FC           cld
//   0C BE 20 7C     mov si, 0x7C20        ; the message at offset 0x20
//   0F AC           lodsb                 ; loop:
//   10 84 C0        test al, al
//   12 74 09        jz halt
//   14 B4 0E        mov ah, 0x0E          ; INT 10h teletype output
//   16 BB 07 00     mov bx, 0x0007
//   19 CD 10        int 0x10
//   1B EB F2        jmp loop
//   1D F4           hlt                   ; halt:
//   1E EB FD        jmp halt
constexpr std::array<uint8_t, 32> kProgram = {
    0xFA, 0x31, 0xC0, 0x8E, 0xD8, 0x8E, 0xD0, 0xBC, 0x00, 0x7C, 0xFB, 0xFC, 0xBE, 0x20, 0x7C, 0xAC,
    0x84, 0xC0, 0x74, 0x09, 0xB4, 0x0E, 0xBB, 0x07, 0x00, 0xCD, 0x10, 0xEB, 0xF2, 0xF4, 0xEB, 0xFD};
constexpr char kMessage[] =
    "\r\nThis stick was made by mediaforge for UEFI boot only.\r\n"
    "Select its UEFI entry in the firmware boot menu, or remake it with --mbr-code for BIOS.\r\n";
static_assert(kProgram.size() + sizeof kMessage <= kMbrCodeBytes);

}  // namespace

void WriteDefaultMbrCode(std::span<std::byte> mbr) {
  std::memset(mbr.data(), 0, kMbrCodeBytes);
  std::memcpy(mbr.data(), kProgram.data(), kProgram.size());
  std::memcpy(mbr.data() + kProgram.size(), kMessage, sizeof kMessage);
}

absl::Status InstallMbrCode(std::span<const std::byte> code, std::span<std::byte> mbr) {
  if (code.size() < kMbrCodeBytes && code.size() != 0) {
    // Short code (some loaders are smaller): the rest of the code area is zeroed.
    std::memset(mbr.data(), 0, kMbrCodeBytes);
    std::memcpy(mbr.data(), code.data(), code.size());
    return absl::OkStatus();
  }
  if (code.empty()) return absl::InvalidArgumentError("MBR code file is empty");
  if (code.size() > 512) {
    return absl::InvalidArgumentError(
        absl::StrCat("MBR code is ", code.size(),
                     " bytes; expected at most 512 (an MBR, of which bytes 0-439 "
                     "are used)"));
  }
  std::memcpy(mbr.data(), code.data(), kMbrCodeBytes);
  return absl::OkStatus();
}

}  // namespace mediaforge::usb
