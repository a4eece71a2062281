#include "engine/image_source.h"

#include <fcntl.h>
#include <lzma.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_frameHeaderSize: frame walking for the content size
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "device/errors.h"

namespace mediaforge::engine {
namespace {

constexpr size_t kInputChunk = 1 << 20;

// Reads the compressed file sequentially; shared by the three decoders.
class CompressedFile {
 public:
  ~CompressedFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  absl::Status Open(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return device::ErrnoError(errno, "open", path, std::nullopt);
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    buf_.resize(kInputChunk);
    return absl::OkStatus();
  }
  // Refills when the decoder has used everything; `eof` once the file is exhausted.
  absl::Status Refill() {
    for (;;) {
      ssize_t n = ::read(fd_, buf_.data(), buf_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return device::ErrnoError(errno, "read", path_, consumed_);
      avail_ = static_cast<size_t>(n);
      next_ = buf_.data();
      consumed_ += avail_;
      eof_ = n == 0;
      return absl::OkStatus();
    }
  }
  const std::string& path() const { return path_; }
  uint8_t* next_ = nullptr;
  size_t avail_ = 0;
  bool eof_ = false;
  uint64_t consumed_ = 0;  // compressed bytes read so far

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<uint8_t> buf_;
};

absl::Status Corrupt(const CompressedFile& f, uint64_t produced, const std::string& what) {
  return absl::DataLossError(absl::StrCat(f.path(), ": ", what, " (after ", produced,
                                          " uncompressed bytes, near compressed byte offset ",
                                          f.consumed_ - f.avail_, ")"));
}

class GzipStream final : public InputStream {
 public:
  absl::Status Init(const std::string& path) {
    if (auto s = file_.Open(path); !s.ok()) return s;
    std::memset(&z_, 0, sizeof z_);
    if (inflateInit2(&z_, 15 + 16) != Z_OK) return absl::InternalError("zlib init failed");
    init_ = true;
    return absl::OkStatus();
  }
  ~GzipStream() override {
    if (init_) inflateEnd(&z_);
  }
  const std::string& name() const override { return file_.path(); }
  absl::StatusOr<size_t> Read(std::span<std::byte> out) override {
    if (done_) return 0;
    z_.next_out = reinterpret_cast<Bytef*>(out.data());
    z_.avail_out = static_cast<uInt>(out.size());
    while (z_.avail_out > 0) {
      if (file_.avail_ == 0) {
        if (auto s = file_.Refill(); !s.ok()) return s;
        if (file_.eof_) {
          if (!member_done_) return Corrupt(file_, produced_, "gzip data ends early (truncated?)");
          done_ = true;
          break;
        }
      }
      z_.next_in = file_.next_;
      z_.avail_in = static_cast<uInt>(file_.avail_);
      int rc = inflate(&z_, Z_NO_FLUSH);
      size_t used = file_.avail_ - z_.avail_in;
      file_.next_ += used;
      file_.avail_ -= used;
      member_done_ = false;
      if (rc == Z_STREAM_END) {
        // Concatenated members (pigz, cat a.gz b.gz) continue.
        member_done_ = true;
        inflateReset(&z_);
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Corrupt(
            file_, produced_,
            absl::StrCat("gzip data is corrupt (", z_.msg ? z_.msg : "inflate error", ")"));
      }
    }
    size_t n = out.size() - z_.avail_out;
    produced_ += n;
    return n;
  }

 private:
  CompressedFile file_;
  z_stream z_;
  bool init_ = false;
  bool done_ = false;
  bool member_done_ = false;
  uint64_t produced_ = 0;
};

class XzStream final : public InputStream {
 public:
  absl::Status Init(const std::string& path) {
    if (auto s = file_.Open(path); !s.ok()) return s;
    if (lzma_stream_decoder(&z_, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
      return absl::InternalError("liblzma init failed");
    }
    return absl::OkStatus();
  }
  ~XzStream() override { lzma_end(&z_); }
  const std::string& name() const override { return file_.path(); }
  absl::StatusOr<size_t> Read(std::span<std::byte> out) override {
    if (done_) return 0;
    z_.next_out = reinterpret_cast<uint8_t*>(out.data());
    z_.avail_out = out.size();
    while (z_.avail_out > 0) {
      lzma_action action = LZMA_RUN;
      if (file_.avail_ == 0 && !file_.eof_) {
        if (auto s = file_.Refill(); !s.ok()) return s;
      }
      if (file_.eof_) action = LZMA_FINISH;
      z_.next_in = file_.next_;
      z_.avail_in = file_.avail_;
      lzma_ret rc = lzma_code(&z_, action);
      size_t used = file_.avail_ - z_.avail_in;
      file_.next_ += used;
      file_.avail_ -= used;
      if (rc == LZMA_STREAM_END) {
        done_ = true;
        break;
      }
      if (rc == LZMA_BUF_ERROR && file_.eof_) {
        return Corrupt(file_, produced_, "xz data ends early (truncated?)");
      }
      if (rc != LZMA_OK) {
        return Corrupt(file_, produced_,
                       absl::StrCat("xz data is corrupt (liblzma error ", rc, ")"));
      }
    }
    size_t n = out.size() - z_.avail_out;
    produced_ += n;
    return n;
  }

 private:
  CompressedFile file_;
  lzma_stream z_ = LZMA_STREAM_INIT;
  bool done_ = false;
  uint64_t produced_ = 0;
};

class ZstdStream final : public InputStream {
 public:
  absl::Status Init(const std::string& path) {
    if (auto s = file_.Open(path); !s.ok()) return s;
    ctx_ = ZSTD_createDStream();
    if (ctx_ == nullptr) return absl::InternalError("zstd init failed");
    ZSTD_initDStream(ctx_);
    return absl::OkStatus();
  }
  ~ZstdStream() override { ZSTD_freeDStream(ctx_); }
  const std::string& name() const override { return file_.path(); }
  absl::StatusOr<size_t> Read(std::span<std::byte> out) override {
    ZSTD_outBuffer o{out.data(), out.size(), 0};
    while (o.pos < o.size) {
      if (file_.avail_ == 0) {
        if (auto s = file_.Refill(); !s.ok()) return s;
        if (file_.eof_) {
          // last_hint_ == 0: the last frame was complete.
          if (last_hint_ != 0)
            return Corrupt(file_, produced_, "zstd data ends early (truncated?)");
          break;
        }
      }
      ZSTD_inBuffer in{file_.next_, file_.avail_, 0};
      size_t rc = ZSTD_decompressStream(ctx_, &o, &in);
      file_.next_ += in.pos;
      file_.avail_ -= in.pos;
      if (ZSTD_isError(rc)) {
        return Corrupt(file_, produced_,
                       absl::StrCat("zstd data is corrupt (", ZSTD_getErrorName(rc), ")"));
      }
      last_hint_ = rc;
    }
    produced_ += o.pos;
    return o.pos;
  }

 private:
  CompressedFile file_;
  ZSTD_DStream* ctx_ = nullptr;
  size_t last_hint_ = 1;
  uint64_t produced_ = 0;
};

absl::Status ReadAtFd(int fd, void* buf, size_t len, uint64_t off) {
  auto* p = static_cast<uint8_t*>(buf);
  while (len > 0) {
    ssize_t n = ::pread(fd, p, len, static_cast<off_t>(off));
    if (n <= 0) return absl::OutOfRangeError("short read");
    p += n;
    len -= static_cast<size_t>(n);
    off += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

// xz records the uncompressed size in the index before the stream footer (xz file format 1.0,
// sections 2.1.2 and 4). Only a single stream without trailing padding is read this way.
std::optional<uint64_t> XzUncompressedSize(int fd, uint64_t file_size) {
  if (file_size < 2 * LZMA_STREAM_HEADER_SIZE) return std::nullopt;
  uint8_t footer[LZMA_STREAM_HEADER_SIZE];
  if (!ReadAtFd(fd, footer, sizeof footer, file_size - sizeof footer).ok()) return std::nullopt;
  lzma_stream_flags flags;
  if (lzma_stream_footer_decode(&flags, footer) != LZMA_OK) return std::nullopt;
  if (flags.backward_size > file_size - sizeof footer) return std::nullopt;
  std::vector<uint8_t> index(flags.backward_size);
  if (!ReadAtFd(fd, index.data(), index.size(), file_size - sizeof footer - index.size()).ok()) {
    return std::nullopt;
  }
  lzma_index* idx = nullptr;
  uint64_t memlimit = 64 << 20;
  size_t pos = 0;
  if (lzma_index_buffer_decode(&idx, &memlimit, nullptr, index.data(), &pos, index.size()) !=
      LZMA_OK) {
    return std::nullopt;
  }
  uint64_t size = lzma_index_uncompressed_size(idx);
  // The index must account for the whole file, or there are more streams before this one.
  uint64_t stream_size = lzma_index_total_size(idx) + index.size() + 2 * LZMA_STREAM_HEADER_SIZE;
  lzma_index_end(idx, nullptr);
  if (stream_size != file_size) return std::nullopt;
  return size;
}

// Sums the content sizes of all zstd frames (RFC 8878 section 3.1), walking block headers to
// find each frame's end. Unknown when any frame does not record its size.
std::optional<uint64_t> ZstdUncompressedSize(int fd, uint64_t file_size) {
  uint64_t off = 0, total = 0;
  uint8_t hdr[ZSTD_FRAMEHEADERSIZE_MAX];
  while (off < file_size) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof hdr, file_size - off));
    if (!ReadAtFd(fd, hdr, n, off).ok() || n < 8) return std::nullopt;
    uint32_t magic = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | static_cast<uint32_t>(hdr[3]) << 24;
    if ((magic & 0xFFFFFFF0u) == 0x184D2A50u) {  // skippable frame
      off += 8 + (hdr[4] | hdr[5] << 8 | hdr[6] << 16 | static_cast<uint64_t>(hdr[7]) << 24);
      continue;
    }
    unsigned long long content = ZSTD_getFrameContentSize(hdr, n);
    if (content == ZSTD_CONTENTSIZE_UNKNOWN || content == ZSTD_CONTENTSIZE_ERROR)
      return std::nullopt;
    size_t header_size = ZSTD_frameHeaderSize(hdr, n);
    if (ZSTD_isError(header_size)) return std::nullopt;
    bool checksum = (hdr[4] & 0x04) != 0;
    off += header_size;
    for (;;) {
      uint8_t b[3];
      if (!ReadAtFd(fd, b, 3, off).ok()) return std::nullopt;
      uint32_t bh = b[0] | b[1] << 8 | b[2] << 16;
      bool last = bh & 1;
      uint32_t type = (bh >> 1) & 3;
      uint32_t size = bh >> 3;
      off += 3 + (type == 1 ? 1 : size);  // RLE blocks store one byte
      if (type == 3) return std::nullopt;
      if (last) break;
    }
    if (checksum) off += 4;
    total += content;
  }
  return off == file_size ? std::optional<uint64_t>(total) : std::nullopt;
}

}  // namespace

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kXz:
      return "xz";
    case Compression::kZstd:
      return "zstd";
  }
  return "?";
}

absl::StatusOr<std::shared_ptr<InputStream>> OpenDecompressor(const std::string& path,
                                                              Compression compression) {
  switch (compression) {
    case Compression::kGzip: {
      auto s = std::make_shared<GzipStream>();
      if (auto st = s->Init(path); !st.ok()) return st;
      return s;
    }
    case Compression::kXz: {
      auto s = std::make_shared<XzStream>();
      if (auto st = s->Init(path); !st.ok()) return st;
      return s;
    }
    case Compression::kZstd: {
      auto s = std::make_shared<ZstdStream>();
      if (auto st = s->Init(path); !st.ok()) return st;
      return s;
    }
    case Compression::kNone:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat(path, ": not compressed"));
}

absl::StatusOr<ImageSource> OpenImageSource(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return device::ErrnoError(errno, "open image", path, std::nullopt);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return device::ErrnoError(e, "stat image", path, std::nullopt);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not an image"));
  }
  ImageSource src;
  src.path = path;
  uint64_t file_size = static_cast<uint64_t>(st.st_size);
  if (S_ISBLK(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a block device; use `capture` to read one into an image"));
  }
  src.compressed_size = file_size;
  uint8_t magic[6] = {};
  ssize_t n = ::pread(fd, magic, sizeof magic, 0);
  if (n < 0) {
    int e = errno;
    ::close(fd);
    return device::ErrnoError(e, "read image", path, 0);
  }
  if (n >= 2 && magic[0] == 0x1F && magic[1] == 0x8B) {
    src.compression = Compression::kGzip;
  } else if (n >= 6 && std::memcmp(magic,
                                   "\xFD"
                                   "7zXZ\0",
                                   6) == 0) {
    src.compression = Compression::kXz;
    src.size = XzUncompressedSize(fd, file_size);
  } else if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F &&
             magic[3] == 0xFD) {
    src.compression = Compression::kZstd;
    src.size = ZstdUncompressedSize(fd, file_size);
  } else {
    src.size = file_size;
  }
  ::close(fd);
  return src;
}

absl::StatusOr<Layout> ImageSource::MakeLayout() const {
  Layout layout(size.value_or(0));
  if (compression == Compression::kNone) {
    layout.AddFileRange(0, path, 0, *size);
  } else {
    auto stream = OpenDecompressor(path, compression);
    if (!stream.ok()) return stream.status();
    layout.AddStream(0, *stream, size ? *size : Extent::kToEndOfStream);
  }
  if (auto s = layout.Finalize(); !s.ok()) return s;
  return layout;
}

}  // namespace mediaforge::engine
