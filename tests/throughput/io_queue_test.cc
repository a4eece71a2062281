// The async queue: both engines move every byte to the right offset at depth > 1, and a failing
// operation comes back with its offset.
#include "engine/throughput/io_queue.h"

#include <gtest/gtest.h>

#include "device/aligned_buffer.h"
#include "engine/throughput/keyed_block.h"
#include "tests/throughput/throughput_test_util.h"

namespace mediaforge::engine::throughput {
namespace {

using testing::TempDir;

void WriteAndReadBack(device::Target& target, IoEnginePreference pref, IoEngine expected) {
  constexpr size_t kChunk = 64 * 1024;
  constexpr int kChunks = 64, kDepth = 8;
  std::vector<device::AlignedBuffer> buffers;
  for (int i = 0; i < kDepth; ++i) buffers.emplace_back(kChunk);
  auto choice = OpenIoQueue(target, kDepth, pref);
  ASSERT_TRUE(choice.ok()) << choice.status();
  ASSERT_EQ(choice->queue->engine(), expected) << choice->fallback_reason;
  for (bool write : {true, false}) {
    int issued = 0, good = 0;
    auto next = [&](int slot) -> std::optional<IoOp> {
      if (issued == kChunks) return std::nullopt;
      uint64_t offset = uint64_t(issued++) * kChunk;
      if (write) FillKeyed(buffers[slot].span(), 9, offset);
      return IoOp{write, buffers[slot].data(), kChunk, offset};
    };
    auto done = [&](const IoDone& d) -> absl::Status {
      if (!d.status.ok()) return d.status;
      if (!write) {
        for (size_t at = 0; at < kChunk; at += kKeyedUnit) {
          if (CheckUnit({buffers[d.slot].data() + at, kKeyedUnit}, 9, d.offset + at).state !=
              UnitState::kGood) {
            return absl::DataLossError("bad unit");
          }
        }
      }
      ++good;
      return absl::OkStatus();
    };
    ASSERT_TRUE(Pump(*choice->queue, next, done, nullptr).ok());
    EXPECT_EQ(good, kChunks);
  }
}

TEST(IoQueue, IoUringMovesEveryByte) {
  TempDir dir;
  auto target = OpenFileTarget((dir / "f").string(), 4 << 20);
  auto probe = OpenIoQueue(*target, 1, IoEnginePreference::kAuto);
  ASSERT_TRUE(probe.ok());
  if (probe->queue->engine() != IoEngine::kIoUring) {
    GTEST_SKIP() << "io_uring unavailable here: " << probe->fallback_reason;
  }
  WriteAndReadBack(*target, IoEnginePreference::kAuto, IoEngine::kIoUring);
}

TEST(IoQueue, ThreadsMoveEveryByte) {
  TempDir dir;
  auto target = OpenFileTarget((dir / "f").string(), 4 << 20);
  WriteAndReadBack(*target, IoEnginePreference::kThreads, IoEngine::kThreads);
}

TEST(IoQueue, WrappedTargetsUseThreadsAndReportTheFailingOffset) {
  TempDir dir;
  device::FaultPlan plan;
  plan.eio_offset = 3 * 65536 + 100;
  device::FaultyTarget target(OpenFileTarget((dir / "f").string(), 4 << 20), plan);
  auto choice = OpenIoQueue(target, 4, IoEnginePreference::kAuto);
  ASSERT_TRUE(choice.ok());
  EXPECT_EQ(choice->queue->engine(), IoEngine::kThreads);
  EXPECT_FALSE(choice->fallback_reason.empty());
  device::AlignedBuffer buf(65536);
  int issued = 0;
  std::vector<uint64_t> failed;
  ASSERT_TRUE(Pump(
                  *choice->queue,
                  [&](int) -> std::optional<IoOp> {
                    if (issued == 4) return std::nullopt;
                    return IoOp{true, buf.data(), 65536, uint64_t(issued++) * 65536};
                  },
                  [&](const IoDone& d) {
                    if (!d.status.ok()) {
                      failed.push_back(d.offset);
                      EXPECT_NE(d.status.message().find("offset"), absl::string_view::npos);
                    }
                    return absl::OkStatus();
                  },
                  nullptr)
                  .ok());
  EXPECT_EQ(failed, std::vector<uint64_t>{3 * 65536});
}

}  // namespace
}  // namespace mediaforge::engine::throughput
