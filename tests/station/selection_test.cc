// The station's selection rules (issue 13) over described disks: removable only by default,
// non-removable only when allowed and named, never mounted / system / read-only, size range.
#include "engine/station/selection.h"

#include <gtest/gtest.h>

namespace mediaforge::engine::station {
namespace {

device::BlockInfo Stick() {
  device::BlockInfo d;
  d.path = "/dev/sdx";
  d.name = "sdx";
  d.size = 16ull << 30;
  d.removable = true;
  d.vendor = "SanDisk";
  d.model = "Ultra";
  d.serial = "4C530001";
  d.transport = "usb";
  return d;
}

device::BlockInfo Loop() {
  device::BlockInfo d;
  d.path = "/dev/loop7";
  d.name = "loop7";
  d.size = 64ull << 20;
  d.transport = "loop";
  d.loop_backing_file = "/tmp/station-x/stick-1.img";
  return d;
}

TEST(Selection, RemovableByDefault) {
  SelectionVerdict v = Select(Stick(), {});
  EXPECT_TRUE(v.selected);
  v = Select(Loop(), {});
  EXPECT_FALSE(v.selected);
  EXPECT_FALSE(v.candidate) << "a fixed disk nobody named is ignored silently";
}

TEST(Selection, FixedDiskNeedsBothAllowAndName) {
  SelectionRules named;
  named.patterns = {"/tmp/station-x/*"};
  SelectionVerdict v = Select(Loop(), named);
  EXPECT_FALSE(v.selected) << "named but not allowed";
  EXPECT_TRUE(v.candidate);
  EXPECT_NE(v.reason.find("not removable"), std::string::npos) << v.reason;
  named.allow_fixed = true;
  EXPECT_TRUE(Select(Loop(), named).selected);
  SelectionRules allowed_unnamed;
  allowed_unnamed.allow_fixed = true;
  EXPECT_FALSE(Select(Loop(), allowed_unnamed).selected);
}

TEST(Selection, MatchOnEveryName) {
  for (const char* p : {"SanDisk*", "Ultra", "SanDisk Ultra", "4C53*", "/dev/sd?", "sdx"}) {
    SelectionRules r;
    r.patterns = {p};
    EXPECT_TRUE(Select(Stick(), r).selected) << p;
  }
  SelectionRules r;
  r.patterns = {"Kingston*"};
  SelectionVerdict v = Select(Stick(), r);
  EXPECT_FALSE(v.selected);
  EXPECT_FALSE(v.candidate);
}

TEST(Selection, NeverMountedSystemOrReadOnly) {
  SelectionRules force;
  force.patterns = {"*"};
  force.allow_fixed = true;
  auto mounted = Stick();
  mounted.mounts = {"/dev/sdx1 mounted on /media/usb"};
  EXPECT_FALSE(Select(mounted, force).selected);
  EXPECT_EQ(Select(mounted, force).reason, "/dev/sdx1 mounted on /media/usb");
  auto system = Stick();
  system.backs_root = true;
  EXPECT_FALSE(Select(system, force).selected);
  auto ro = Stick();
  ro.read_only = true;
  EXPECT_FALSE(Select(ro, force).selected);
  auto empty = Stick();
  empty.size = 0;
  EXPECT_FALSE(Select(empty, force).selected);
}

TEST(Selection, SizeRange) {
  SelectionRules r;
  r.min_size = 32ull << 30;
  EXPECT_FALSE(Select(Stick(), r).selected);
  r.min_size = 8ull << 30;
  r.max_size = 15ull << 30;
  EXPECT_FALSE(Select(Stick(), r).selected);
  r.max_size = 16ull << 30;
  EXPECT_TRUE(Select(Stick(), r).selected);
}

}  // namespace
}  // namespace mediaforge::engine::station
