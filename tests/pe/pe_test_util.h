// Shared by the PE, Authenticode and Secure Boot audit tests: the real EFI binaries Debian ships,
// a test CA and signer made with openssl and images signed with them by sbsign, and a minimal
// synthetic PE image for machine types no Debian package provides here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mediaforge::testing {

// Debian's shim-signed (Microsoft Corporation UEFI CA 2011), its unsigned build, and Debian's
// signed GRUB (Debian Secure Boot CA).
inline constexpr char kShimSigned[] = "/usr/lib/shim/shimx64.efi.signed";
inline constexpr char kShimUnsigned[] = "/usr/lib/shim/shimx64.efi";
inline constexpr char kGrubSigned[] = "/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed";

inline constexpr char kTestCaName[] = "mediaforge Test CA";
inline constexpr char kTestSignerName[] = "mediaforge Test Signer";

std::vector<uint8_t> ReadBytes(const std::filesystem::path& path);
void WriteBytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);

// Makes a throwaway CA and a signer certificate issued by it under `dir` (openssl), and signs
// `in` into `out` with sbsign (the CA certificate added to the SignedData). False with `why`
// when openssl or sbsign is missing or fails.
bool SignWithTestKey(const std::filesystem::path& dir, const std::string& in,
                     const std::string& out, std::string* why);

// Flips one byte in the middle of the first section with raw data (of a signed image: the
// signature then no longer matches the image). Returns the file offset flipped.
uint64_t FlipByteInFirstSection(std::vector<uint8_t>& image);

// A minimal PE32+ EFI application: headers, one 512-byte ".text" section, no signature.
std::vector<uint8_t> MinimalPeImage(uint16_t machine, uint16_t subsystem = 10);

}  // namespace mediaforge::testing
