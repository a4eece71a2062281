// A fake-capacity stick made of real parts, for the station's tests (issue 13): a FUSE file
// system holding one file, MOUNT/stick, that declares DECLARED bytes but stores only as many as
// BACKING holds; byte offset o lands at o % size(BACKING), as the firmware of counterfeit flash
// wraps its addresses. Attached through a loop device it is a whole disk that lies about its
// capacity. With VANISH_AFTER, the file system exits once that many bytes were written: the
// stick is pulled out mid-write (every later request fails, ENOTCONN; the loop device above
// answers EIO). Test tool only (never installed).
//   fake_capacity_fuse BACKING DECLARED MOUNT [VANISH_AFTER]   (foreground until unmounted)
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

constexpr char kName[] = "stick";

struct Stick {
  int fd = -1;
  uint64_t declared = 0;
  uint64_t real = 0;
  uint64_t vanish_after = 0;  // 0: never
  uint64_t written = 0;
};

Stick* TheStick() { return static_cast<Stick*>(fuse_get_context()->private_data); }

int GetAttr(const char* path, struct stat* st, fuse_file_info*) {
  memset(st, 0, sizeof *st);
  if (strcmp(path, "/") == 0) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
  }
  if (strcmp(path + 1, kName) != 0) return -ENOENT;
  st->st_mode = S_IFREG | 0644;
  st->st_nlink = 1;
  st->st_size = static_cast<off_t>(TheStick()->declared);
  return 0;
}

int ReadDir(const char* path, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info*,
            fuse_readdir_flags) {
  if (strcmp(path, "/") != 0) return -ENOENT;
  fill(buf, ".", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  fill(buf, "..", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  fill(buf, kName, nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  return 0;
}

int Open(const char* path, fuse_file_info* fi) {
  if (strcmp(path + 1, kName) != 0) return -ENOENT;
  fi->direct_io = 1;  // no page cache on the FUSE side: the loop device above has its own
  return 0;
}

// Reads or writes [offset, offset + size) of the declared file, each piece at its wrapped place.
template <typename Io>
int Transfer(size_t size, off_t offset, Io io) {
  const Stick* s = TheStick();
  const uint64_t start = static_cast<uint64_t>(offset);
  if (start >= s->declared) return 0;
  size = static_cast<size_t>(std::min<uint64_t>(size, s->declared - start));
  size_t done = 0;
  while (done < size) {
    const uint64_t at = (start + done) % s->real;
    const size_t piece = static_cast<size_t>(std::min<uint64_t>(size - done, s->real - at));
    ssize_t n = io(done, piece, static_cast<off_t>(at));
    if (n < 0) return -errno;
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return static_cast<int>(done);
}

int Read(const char*, char* buf, size_t size, off_t offset, fuse_file_info*) {
  const int fd = TheStick()->fd;
  return Transfer(size, offset,
                  [&](size_t done, size_t n, off_t at) { return pread(fd, buf + done, n, at); });
}

int Write(const char*, const char* buf, size_t size, off_t offset, fuse_file_info*) {
  Stick* s = TheStick();
  if (s->vanish_after != 0 && s->written >= s->vanish_after) _exit(0);  // pulled out
  int n = Transfer(size, offset, [&](size_t done, size_t len, off_t at) {
    return pwrite(s->fd, buf + done, len, at);
  });
  if (n > 0) s->written += static_cast<uint64_t>(n);
  return n;
}

int Truncate(const char*, off_t, fuse_file_info*) { return 0; }  // its size is what it claims
int Fsync(const char*, int, fuse_file_info*) { return fdatasync(TheStick()->fd) == 0 ? 0 : -errno; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: %s BACKING DECLARED_BYTES MOUNTPOINT [VANISH_AFTER_BYTES]\n", argv[0]);
    return 2;
  }
  static Stick stick;
  stick.fd = open(argv[1], O_RDWR);
  struct stat st;
  if (stick.fd < 0 || fstat(stick.fd, &st) != 0 || st.st_size <= 0) {
    fprintf(stderr, "%s: cannot open: %s\n", argv[1], strerror(errno));
    return 2;
  }
  stick.real = static_cast<uint64_t>(st.st_size);
  stick.declared = strtoull(argv[2], nullptr, 10);
  if (argc == 5) stick.vanish_after = strtoull(argv[4], nullptr, 10);
  fuse_operations ops{};
  ops.getattr = GetAttr;
  ops.readdir = ReadDir;
  ops.open = Open;
  ops.read = Read;
  ops.write = Write;
  ops.truncate = Truncate;
  ops.fsync = Fsync;
  char fg[] = "-f", single[] = "-s";  // foreground, single-threaded
  char* fuse_argv[] = {argv[0], fg, single, argv[3], nullptr};
  return fuse_main(4, fuse_argv, &ops, &stick);
}
