#include "device/block_info.h"

#include <blkid.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "device/errors.h"

namespace mediaforge::device {
namespace fs = std::filesystem;
namespace {

std::string ReadAttr(const fs::path& p) {
  std::ifstream in(p);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  return std::string(absl::StripAsciiWhitespace(s));
}

std::optional<dev_t> ParseDevno(const std::string& majmin) {
  std::vector<std::string> parts = absl::StrSplit(majmin, ':');
  if (parts.size() != 2) return std::nullopt;
  try {
    return makedev(std::stoul(parts[0]), std::stoul(parts[1]));
  } catch (...) {
    return std::nullopt;
  }
}

std::string Transport(const std::string& name, const fs::path& sysfs) {
  if (name.rfind("loop", 0) == 0) return "loop";
  if (name.rfind("nvme", 0) == 0) return "nvme";
  if (name.rfind("mmcblk", 0) == 0) return "mmc";
  std::error_code ec;
  std::string real = fs::canonical(sysfs, ec).string();
  if (real.find("/usb") != std::string::npos) return "usb";
  if (real.find("/virtio") != std::string::npos) return "virtio";
  if (real.find("/ata") != std::string::npos) return "sata";
  if (real.find("/host") != std::string::npos) return "scsi";
  if (real.find("/virtual/") != std::string::npos) return "virtual";
  return "unknown";
}

std::vector<MountEntry> ParseMounts(std::istream& in) {
  std::vector<MountEntry> out;
  std::string line;
  while (std::getline(in, line)) {
    // id parent major:minor root mount-point options ... - fstype source superopts
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (f.size() < 5) continue;
    auto dev = ParseDevno(f[2]);
    if (!dev) continue;
    std::string source;
    for (size_t i = 5; i + 2 < f.size(); ++i) {
      if (f[i] == "-") {
        source = f[i + 2];
        break;
      }
    }
    out.push_back({*dev, f[4], source});
  }
  return out;
}

std::vector<std::string> ParseSwaps(std::istream& in) {
  std::vector<std::string> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string name;
    if (ss >> name) out.push_back(name);
  }
  return out;
}

// The disk's own node and its partitions, plus everything stacked on any of them (device mapper,
// md, ...), recursively through sysfs "holders".
void CollectStack(const fs::path& sysdir, std::set<dev_t>& devs, std::vector<std::string>& holders,
                  int depth = 0) {
  if (depth > 8) return;
  if (auto d = ParseDevno(ReadAttr(sysdir / "dev"))) devs.insert(*d);
  std::error_code ec;
  for (const auto& h : fs::directory_iterator(sysdir / "holders", ec)) {
    std::string hname = h.path().filename().string();
    holders.push_back(hname);
    CollectStack(fs::path("/sys/class/block") / hname, devs, holders, depth + 1);
  }
}

BlockInfo Describe(const std::string& name, const std::vector<MountEntry>& mounts,
                   const std::vector<std::string>& swaps, dev_t root_dev) {
  BlockInfo b;
  b.name = name;
  b.path = "/dev/" + name;
  b.sysfs = "/sys/block/" + name;
  fs::path sys(b.sysfs);
  if (auto d = ParseDevno(ReadAttr(sys / "dev"))) b.devno = *d;
  try {
    b.size = std::stoull(ReadAttr(sys / "size")) * 512;  // sysfs counts 512-byte units always
  } catch (...) {
  }
  b.read_only = ReadAttr(sys / "ro") == "1";
  b.vendor = ReadAttr(sys / "device" / "vendor");
  b.model = ReadAttr(sys / "device" / "model");
  b.serial = ReadAttr(sys / "device" / "serial");
  b.transport = Transport(name, sys);
  b.removable = ReadAttr(sys / "removable") == "1" || b.transport == "usb" || b.transport == "mmc";
  b.loop_backing_file = ReadAttr(sys / "loop" / "backing_file");

  std::set<dev_t> stack;
  std::vector<std::string> holder_names;
  CollectStack(sys, stack, holder_names);
  std::error_code ec;
  std::vector<fs::path> parts;
  for (const auto& e : fs::directory_iterator(sys, ec)) {
    if (fs::exists(e.path() / "partition")) parts.push_back(e.path());
  }
  std::sort(parts.begin(), parts.end());
  for (const auto& p : parts) {
    b.partitions.push_back("/dev/" + p.filename().string());
    CollectStack(p, stack, holder_names);
  }
  b.holders = holder_names;
  for (const auto& h : holder_names) b.mounts.push_back(absl::StrCat(b.path, " is held by ", h));
  for (const auto& m : mounts) {
    if (stack.count(m.devno)) {
      b.mounts.push_back(absl::StrCat(m.source, " mounted on ", m.mount_point));
    }
  }
  for (const auto& s : swaps) {
    struct stat st;
    if (::stat(s.c_str(), &st) == 0 && S_ISBLK(st.st_mode) && stack.count(st.st_rdev)) {
      b.mounts.push_back(absl::StrCat(s, " is in use as swap"));
    }
  }
  b.backs_root = root_dev != 0 && stack.count(root_dev) > 0;
  return b;
}

dev_t RootDevno(const std::vector<MountEntry>& mounts) {
  dev_t root = 0;
  for (const auto& m : mounts) {
    if (m.mount_point == "/") root = m.devno;  // the last "/" entry is the visible one
  }
  return root;
}

}  // namespace

MountTable ReadMountTable() {
  std::ifstream mountinfo("/proc/self/mountinfo"), swaps("/proc/swaps");
  return {ParseMounts(mountinfo), ParseSwaps(swaps)};
}

MountTable ParseMountTable(const std::string& mountinfo, const std::string& swaps) {
  std::istringstream m(mountinfo), s(swaps);
  return {ParseMounts(m), ParseSwaps(s)};
}

absl::StatusOr<std::vector<BlockInfo>> ListBlockDevices() {
  const MountTable table = ReadMountTable();
  const auto& mounts = table.mounts;
  const auto& swaps = table.swaps;
  dev_t root = RootDevno(mounts);
  std::vector<BlockInfo> out;
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator("/sys/block", ec)) {
    names.push_back(e.path().filename().string());
  }
  if (ec) return ErrnoError(ec.value(), "list", "/sys/block", std::nullopt);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (name.rfind("zram", 0) == 0 || name.rfind("ram", 0) == 0) continue;
    BlockInfo b = Describe(name, mounts, swaps, root);
    if (b.transport == "loop" && b.loop_backing_file.empty()) continue;  // unattached
    if (b.size == 0) continue;  // empty card reader slots, unattached devices
    out.push_back(std::move(b));
  }
  return out;
}

absl::StatusOr<ResolvedDevice> ResolveBlockDevice(const std::string& path) {
  return ResolveBlockDevice(path, ReadMountTable());
}

absl::StatusOr<ResolvedDevice> ResolveBlockDevice(const std::string& path,
                                                  const MountTable& table) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoError(errno, "stat", path, std::nullopt);
  if (!S_ISBLK(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a block device"));
  }
  fs::path sys = absl::StrCat("/sys/dev/block/", major(st.st_rdev), ":", minor(st.st_rdev));
  std::error_code ec;
  fs::path real = fs::canonical(sys, ec);
  if (ec) return ErrnoError(ec.value(), "resolve in sysfs", path, std::nullopt);
  ResolvedDevice r;
  std::string disk_name = real.filename().string();
  if (fs::exists(real / "partition")) {
    r.partition = path;
    disk_name = real.parent_path().filename().string();
  }
  r.disk = Describe(disk_name, table.mounts, table.swaps, RootDevno(table.mounts));
  return r;
}

std::vector<Signature> ProbeSignatures(const BlockInfo& disk) {
  std::vector<Signature> out;
  std::vector<std::string> nodes = {disk.path};
  nodes.insert(nodes.end(), disk.partitions.begin(), disk.partitions.end());
  for (const auto& node : nodes) {
    blkid_probe pr = blkid_new_probe_from_filename(node.c_str());
    if (pr == nullptr) continue;
    blkid_probe_enable_superblocks(pr, 1);
    blkid_probe_set_superblocks_flags(pr,
                                      BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE);
    blkid_probe_enable_partitions(pr, 1);
    if (blkid_do_safeprobe(pr) == 0) {
      Signature s;
      s.device = node;
      const char* v = nullptr;
      if (blkid_probe_lookup_value(pr, "TYPE", &v, nullptr) == 0)
        s.type = v;
      else if (blkid_probe_lookup_value(pr, "PTTYPE", &v, nullptr) == 0)
        s.type = v;
      if (blkid_probe_lookup_value(pr, "LABEL", &v, nullptr) == 0) s.label = v;
      if (blkid_probe_lookup_value(pr, "UUID", &v, nullptr) == 0)
        s.uuid = v;
      else if (blkid_probe_lookup_value(pr, "PTUUID", &v, nullptr) == 0)
        s.uuid = v;
      if (!s.type.empty()) out.push_back(std::move(s));
    }
    blkid_free_probe(pr);
  }
  return out;
}

}  // namespace mediaforge::device
