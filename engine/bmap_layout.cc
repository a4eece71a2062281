#include "engine/bmap_layout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "device/digest.h"
#include "device/errors.h"
#include "engine/sparse_layout.h"

namespace mediaforge::engine {
namespace {

// The image's content read at increasing offsets: pread for raw files; a decoder read (and
// skipped) forward for compressed ones. Shared by every range of one layout.
class ImageContent {
 public:
  ~ImageContent() {
    if (fd_ >= 0) ::close(fd_);
  }
  absl::Status Open(const ImageSource& source) {
    path_ = source.path;
    if (source.compression == Compression::kNone) {
      fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) return device::ErrnoError(errno, "open image", path_, std::nullopt);
      ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
      return absl::OkStatus();
    }
    auto s = OpenDecompressor(path_, source.compression);
    if (!s.ok()) return s.status();
    stream_ = *s;
    return absl::OkStatus();
  }
  const std::string& path() const { return path_; }

  absl::Status ReadAt(uint64_t offset, std::span<std::byte> out) {
    if (fd_ >= 0) return PreadFully(offset, out);
    if (offset < pos_) {
      return absl::InternalError(
          absl::StrCat(path_, ": bmap ranges read out of order at byte ", offset));
    }
    while (pos_ < offset) {  // skip an unmapped stretch of the decompressed image
      if (scratch_.empty()) scratch_.resize(1 << 20);
      size_t n = static_cast<size_t>(std::min<uint64_t>(offset - pos_, scratch_.size()));
      if (auto s = StreamRead(std::span(scratch_).first(n)); !s.ok()) return s;
    }
    return StreamRead(out);
  }

 private:
  absl::Status PreadFully(uint64_t offset, std::span<std::byte> out) {
    while (!out.empty()) {
      ssize_t n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return device::ErrnoError(errno, "read image", path_, offset);
      if (n == 0) {
        return absl::DataLossError(absl::StrCat(path_, ": image ends at byte offset ", offset,
                                                ", inside a range its bmap maps"));
      }
      out = out.subspan(static_cast<size_t>(n));
      offset += static_cast<uint64_t>(n);
    }
    return absl::OkStatus();
  }
  absl::Status StreamRead(std::span<std::byte> out) {
    while (!out.empty()) {
      auto n = stream_->Read(out);
      if (!n.ok()) return n.status();
      if (*n == 0) {
        return absl::DataLossError(absl::StrCat(path_, ": decompressed image ends at byte offset ",
                                                pos_, ", inside a range its bmap maps"));
      }
      out = out.subspan(*n);
      pos_ += *n;
    }
    return absl::OkStatus();
  }

  std::string path_;
  int fd_ = -1;
  std::shared_ptr<InputStream> stream_;
  uint64_t pos_ = 0;
  std::vector<std::byte> scratch_;
};

// One mapped range as a stream, hashed as it is read.
class CheckedRange final : public InputStream {
 public:
  CheckedRange(std::shared_ptr<ImageContent> image, const Bmap& bmap, const BmapRange& range)
      : image_(std::move(image)),
        bmap_path_(bmap.path),
        checksum_type_(bmap.checksum_type),
        range_(range),
        offset_(bmap.RangeOffset(range)),
        length_(bmap.RangeLength(range)) {}
  const std::string& name() const override { return image_->path(); }

  absl::StatusOr<size_t> Read(std::span<std::byte> out) override {
    size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), length_ - pos_));
    if (n == 0) return 0;
    if (!range_.checksum.empty() && !digest_) {
      auto d = device::Digest::Create(checksum_type_);
      if (!d.ok()) return d.status();
      digest_.emplace(std::move(*d));
    }
    if (auto s = image_->ReadAt(offset_ + pos_, out.first(n)); !s.ok()) return s;
    if (digest_) digest_->Update(out.first(n));
    pos_ += n;
    if (pos_ == length_ && digest_) {
      std::string got = digest_->FinalHex();
      digest_.reset();
      if (got != range_.checksum) {
        return absl::DataLossError(absl::StrCat(
            image_->path(), ": bytes ", offset_, "-", offset_ + length_ - 1, " (bmap range ",
            range_.first_block, "-", range_.last_block, ", ", bmap_path_, ":", range_.line,
            ") have ", checksum_type_, " ", got, " but the bmap says ", range_.checksum,
            "; the image does not match its bmap, the copy stopped at byte offset ", offset_));
      }
    }
    return n;
  }

 private:
  std::shared_ptr<ImageContent> image_;
  std::string bmap_path_;
  std::string checksum_type_;
  BmapRange range_;
  uint64_t offset_, length_;
  uint64_t pos_ = 0;
  std::optional<device::Digest> digest_;
};

}  // namespace

absl::Status CheckBmapMatchesImage(const Bmap& bmap, const ImageSource& source) {
  if (source.size && *source.size != bmap.image_size) {
    return absl::InvalidArgumentError(
        absl::StrCat(bmap.path, ": describes an image of ", bmap.image_size, " bytes but ",
                     source.path, " holds ", *source.size, " bytes (",
                     CompressionName(source.compression), "); it is not this image's bmap"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Layout> MakeBmapLayout(const ImageSource& source, const Bmap& bmap) {
  if (auto s = CheckBmapMatchesImage(bmap, source); !s.ok()) return s;
  auto image = std::make_shared<ImageContent>();
  if (auto s = image->Open(source); !s.ok()) return s;
  Layout layout(bmap.image_size);
  for (const BmapRange& r : bmap.ranges) {
    uint64_t length = bmap.RangeLength(r);
    if (length == 0) continue;
    layout.AddStream(bmap.RangeOffset(r), std::make_shared<CheckedRange>(image, bmap, r), length);
  }
  if (auto s = layout.Finalize(); !s.ok()) return s;
  return layout;
}

absl::StatusOr<Bmap> BmapFromSparseFile(const std::string& image_path, uint64_t block_size) {
  auto data = DataRanges(image_path, block_size);
  if (!data.ok()) return data.status();
  int fd = ::open(image_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return device::ErrnoError(errno, "open image", image_path, std::nullopt);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return device::ErrnoError(errno, "stat", image_path, std::nullopt);
  Bmap b;
  b.path = image_path;
  b.image_size = static_cast<uint64_t>(st.st_size);
  b.block_size = block_size;
  b.blocks_count = (b.image_size + block_size - 1) / block_size;
  b.checksum_type = "sha256";
  for (const ByteRange& r : *data) {
    b.ranges.push_back(
        {r.offset / block_size, (r.offset + r.length + block_size - 1) / block_size - 1, "", 0});
  }

  std::vector<std::byte> buf(1 << 20);
  for (BmapRange& r : b.ranges) {
    auto digest = device::Digest::Create(b.checksum_type);
    if (!digest.ok()) return digest.status();
    uint64_t off = b.RangeOffset(r), left = b.RangeLength(r);
    while (left > 0) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
      ssize_t got = ::pread(fd, buf.data(), n, static_cast<off_t>(off));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return device::ErrnoError(errno, "read", image_path, off);
      if (got == 0) {
        return absl::DataLossError(
            absl::StrCat(image_path, ": shrank while its bmap was made (at byte ", off, ")"));
      }
      digest->Update(std::span<const std::byte>(buf.data(), static_cast<size_t>(got)));
      off += static_cast<uint64_t>(got);
      left -= static_cast<uint64_t>(got);
    }
    r.checksum = digest->FinalHex();
    b.mapped_blocks_count += r.last_block - r.first_block + 1;
  }
  return b;
}

absl::Status WriteBmapFile(const Bmap& bmap, const std::string& bmap_path) {
  auto text = FormatBmap(bmap);
  if (!text.ok()) return text.status();
  std::string partial = bmap_path + ".partial";
  FILE* f = std::fopen(partial.c_str(), "wb");
  if (f == nullptr) return device::ErrnoError(errno, "create", partial, std::nullopt);
  bool ok = std::fwrite(text->data(), 1, text->size(), f) == text->size();
  ok = std::fflush(f) == 0 && ok;
  ok = ::fsync(::fileno(f)) == 0 && ok;
  int err = errno;
  std::fclose(f);
  if (!ok) {
    std::remove(partial.c_str());
    return device::ErrnoError(err, "write", bmap_path, std::nullopt);
  }
  if (std::rename(partial.c_str(), bmap_path.c_str()) != 0) {
    err = errno;
    std::remove(partial.c_str());
    return device::ErrnoError(err, "rename to", bmap_path, std::nullopt);
  }
  return absl::OkStatus();
}

}  // namespace mediaforge::engine
