#!/usr/bin/env bash
# Installs the Debian packages mediaforge needs to build, test and benchmark.
# Idempotent: only missing packages are installed; `apt-get update` runs once, and only when
# something is missing.
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config clang clang-format ccache
  libblkid-dev libfdisk-dev libssl-dev libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev liblzma-dev libzstd-dev liburing-dev libxxhash-dev libexpat1-dev libcli11-dev nlohmann-json3-dev
  libwim-dev libudev-dev libsqlite3-dev
)
# Outside judges and peers used by tests and benchmarks.
tool_pkgs=(
  dosfstools mtools xorriso genisoimage p7zip-full gdisk fdisk util-linux fio xz-utils zstd gzip
  qemu-system-x86 ovmf grub-efi-amd64-bin grub-pc-bin grub-common isolinux syslinux-common
  mount f3 python3 syslinux bmap-tools wimtools
  man-db groff-base bash-completion dpkg-dev
)
# Secure Boot audit (issue 11): real signed EFI binaries, signing with a test key, judges.
tool_pkgs+=(shim-signed grub-efi-amd64-signed sbsigntool osslsigncode)
# Station (issue 13): the fake-capacity stick of the tests is a FUSE file under a loop device.
tool_pkgs+=(libfuse3-dev)
# UDF images for the UDF reader's tests (issue 11: Windows ISOs keep their files in UDF).
tool_pkgs+=(udftools)

want=("${build_pkgs[@]}")
if [ "${1:-}" != "--build-only" ]; then want+=("${tool_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
