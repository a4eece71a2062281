#include "device/partition_table.h"

#include <fcntl.h>
#include <libfdisk.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/errors.h"

namespace mediaforge::device {
namespace {

struct ContextDeleter {
  void operator()(fdisk_context* c) const { fdisk_unref_context(c); }
};
using Context = std::unique_ptr<fdisk_context, ContextDeleter>;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string UuidFrom(std::mt19937_64& rng) {
  uint64_t a = rng(), b = rng();
  // RFC 4122 version 4 layout, so tools treat it as a random UUID.
  a = (a & ~0xF000ull) | 0x4000ull;
  b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  return absl::StrFormat("%08X-%04X-%04X-%04X-%012X", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFFF,
                         b >> 48, b & 0xFFFFFFFFFFFFull);
}

absl::Status FdiskError(int rc, const std::string& what) {
  return absl::InternalError(
      absl::StrCat("libfdisk: ", what, " failed (", std::strerror(-rc), ")"));
}

}  // namespace

absl::StatusOr<PartitionTable> BuildPartitionTable(const PartitionPlan& plan) {
  const uint64_t ss = plan.sector_size;
  if (plan.disk_bytes < plan.start_bytes + (1 << 20)) {
    return absl::InvalidArgumentError(absl::StrCat("a disk of ", plan.disk_bytes,
                                                   " bytes is too small for a partition at ",
                                                   plan.start_bytes));
  }
  Fd mem;
  mem.fd = ::memfd_create("mediaforge-ptable", MFD_CLOEXEC);
  if (mem.fd < 0) return ErrnoError(errno, "memfd_create", "partition table", std::nullopt);
  if (::ftruncate(mem.fd, static_cast<off_t>(plan.disk_bytes)) != 0) {
    return ErrnoError(errno, "size scratch table", "memfd", plan.disk_bytes);
  }
  Context cxt(fdisk_new_context());
  if (!cxt) return absl::InternalError("libfdisk: no context");
  fdisk_save_user_sector_size(cxt.get(), plan.sector_size, plan.sector_size);
  std::string dev = absl::StrCat("/proc/self/fd/", mem.fd);
  if (int rc = fdisk_assign_device(cxt.get(), dev.c_str(), 0); rc != 0) {
    return FdiskError(rc, "assign scratch device");
  }
  fdisk_disable_dialogs(cxt.get(), 1);
  const bool gpt = plan.scheme == PartitionScheme::kGpt;
  if (int rc = fdisk_create_disklabel(cxt.get(), gpt ? "gpt" : "dos"); rc != 0) {
    return FdiskError(rc, "create disk label");
  }
  std::mt19937_64 rng(plan.seed.value_or(std::random_device{}()));
  std::string disk_id =
      gpt ? UuidFrom(rng) : absl::StrFormat("0x%08x", static_cast<uint32_t>(rng() | 1));
  if (int rc = fdisk_set_disklabel_id_from_string(cxt.get(), disk_id.c_str()); rc != 0) {
    return FdiskError(rc, "set disk id");
  }

  fdisk_partition* pa = fdisk_new_partition();
  fdisk_label* lb = fdisk_get_label(cxt.get(), nullptr);
  fdisk_parttype* type = gpt ? fdisk_label_get_parttype_from_string(lb, plan.gpt_type_guid.c_str())
                             : fdisk_label_get_parttype_from_code(lb, plan.mbr_type);
  uint64_t start = plan.start_bytes / ss;
  uint64_t last_usable = gpt ? fdisk_get_last_lba(cxt.get()) : plan.disk_bytes / ss - 1;
  uint64_t size = plan.size_bytes ? plan.size_bytes / ss : last_usable - start + 1;
  fdisk_partition_set_start(pa, start);
  fdisk_partition_set_size(pa, size);
  fdisk_partition_set_partno(pa, 0);
  if (type) fdisk_partition_set_type(pa, type);
  if (gpt) {
    fdisk_partition_set_name(pa, plan.gpt_name.c_str());
    std::string uuid = UuidFrom(rng);
    fdisk_partition_set_uuid(pa, uuid.c_str());
  }
  int rc = fdisk_add_partition(cxt.get(), pa, nullptr);
  fdisk_unref_partition(pa);
  if (type) fdisk_unref_parttype(type);
  if (rc != 0) return FdiskError(rc, "add partition");
  if (!gpt && plan.active) {
    if (int r = fdisk_toggle_partition_flag(cxt.get(), 0, DOS_FLAG_ACTIVE); r != 0) {
      return FdiskError(r, "set the boot flag");
    }
  }
  if (int r = fdisk_write_disklabel(cxt.get()); r != 0) return FdiskError(r, "write table");
  // nosync = 1: the scratch table is a memfd read back below; libfdisk's sync path calls
  // sync(2), which flushes every dirty page of the machine (seconds on a busy box, minutes
  // behind a slow stick) while nothing here needs it (the usb vs format gap, docs/BENCHMARKS.md).
  fdisk_deassign_device(cxt.get(), 1);

  PartitionTable table;
  table.partition_offset = start * ss;
  table.partition_bytes = size * ss;
  table.disk_id = disk_id;
  // What libfdisk wrote: the MBR (and the primary GPT in the following 33 sectors), and for GPT
  // the backup entries + header in the disk's last 33 sectors.
  auto grab = [&](uint64_t offset, uint64_t length) -> absl::Status {
    TableRegion r;
    r.offset = offset;
    r.bytes.resize(length);
    if (::pread(mem.fd, r.bytes.data(), length, static_cast<off_t>(offset)) !=
        static_cast<ssize_t>(length)) {
      return ErrnoError(errno, "read scratch table", "memfd", offset);
    }
    table.regions.push_back(std::move(r));
    return absl::OkStatus();
  };
  const uint64_t gpt_bytes = 33 * ss;  // header sector + 16 KiB of entries (at 512 B/sector)
  if (auto s = grab(0, gpt ? ss + gpt_bytes : ss); !s.ok()) return s;
  if (gpt) {
    if (auto s = grab(plan.disk_bytes / ss * ss - gpt_bytes, gpt_bytes); !s.ok()) return s;
  }
  return table;
}

absl::StatusOr<PartitionTableInfo> ReadPartitionTable(const std::string& path) {
  Context cxt(fdisk_new_context());
  if (!cxt) return absl::InternalError("libfdisk: no context");
  if (int rc = fdisk_assign_device(cxt.get(), path.c_str(), 1); rc != 0) {
    return ErrnoError(-rc, "open for reading the partition table", path, std::nullopt);
  }
  fdisk_disable_dialogs(cxt.get(), 1);
  PartitionTableInfo info;
  if (!fdisk_has_label(cxt.get())) return info;
  fdisk_label* lb = fdisk_get_label(cxt.get(), nullptr);
  info.label = fdisk_label_get_name(lb);
  char* id = nullptr;
  if (fdisk_get_disklabel_id(cxt.get(), &id) == 0 && id) {
    info.disk_id = id;
    free(id);
  }
  const uint64_t ss = fdisk_get_sector_size(cxt.get());
  fdisk_table* tb = nullptr;
  if (fdisk_get_partitions(cxt.get(), &tb) == 0 && tb) {
    fdisk_iter* it = fdisk_new_iter(FDISK_ITER_FORWARD);
    fdisk_partition* pa = nullptr;
    while (fdisk_table_next_partition(tb, it, &pa) == 0) {
      PartitionEntry e;
      e.number = fdisk_partition_get_partno(pa) + 1;
      e.offset = fdisk_partition_get_start(pa) * ss;
      e.bytes = fdisk_partition_get_size(pa) * ss;
      if (fdisk_parttype* t = fdisk_partition_get_type(pa)) {
        e.type = fdisk_parttype_get_string(t) ? fdisk_parttype_get_string(t)
                                              : absl::StrFormat("0x%x", fdisk_parttype_get_code(t));
        if (const char* n = fdisk_parttype_get_name(t)) e.type_name = n;
      }
      e.bootable = fdisk_partition_is_bootable(pa) == 1;
      info.partitions.push_back(e);
    }
    fdisk_free_iter(it);
    fdisk_unref_table(tb);
  }
  // libfdisk's own consistency check (GPT: header/entry CRCs, backup header, overlaps; MBR:
  // overlaps and ranges) returns the number of problems; it prints them through its dialogs, so
  // we only count them here and add our own specific checks in the caller.
  int nerr = fdisk_verify_disklabel(cxt.get());
  if (nerr > 0) {
    info.problems.push_back(absl::StrCat("libfdisk found ", nerr, " problem(s) in the ", info.label,
                                         " partition table"));
  }
  uint64_t disk_bytes = fdisk_get_nsectors(cxt.get()) * ss;
  for (const auto& p : info.partitions) {
    if (p.offset + p.bytes > disk_bytes) {
      info.problems.push_back(absl::StrCat("partition ", p.number, " ends at byte ",
                                           p.offset + p.bytes, ", past the disk's end at ",
                                           disk_bytes));
    }
    if (p.offset % (1 << 20) != 0) {
      info.problems.push_back(absl::StrCat("partition ", p.number, " starts at byte ", p.offset,
                                           ", not on a 1 MiB boundary (slow on flash)"));
    }
  }
  return info;
}

absl::Status RereadPartitionTable(const std::string& device_path) {
  int fd = ::open(device_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "open", device_path, std::nullopt);
  int rc = -1;
  for (int attempt = 0; attempt < 10; ++attempt) {
    rc = ::ioctl(fd, BLKRRPART);
    if (rc == 0 || errno != EBUSY) break;
    ::usleep(200000);  // udev may hold the device for a moment after the write
  }
  int e = errno;
  ::close(fd);
  if (rc != 0)
    return ErrnoError(e, "re-read partition table (BLKRRPART)", device_path, std::nullopt);
  return absl::OkStatus();
}

}  // namespace mediaforge::device
