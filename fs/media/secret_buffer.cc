#include "fs/media/secret_buffer.h"

#include <openssl/crypto.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <cstring>
#include <new>

namespace mediaforge::media {

void WipeString(std::string& text) {
  // The whole capacity: a string that shrank keeps old bytes beyond its size.
  if (text.capacity() > 0) OPENSSL_cleanse(text.data(), text.capacity());
  text.clear();
}

SecretString::SecretString(std::string&& text) {
  // No core dump, no ptrace/proc reading by the same user, from now to the process's end.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  size_ = text.size();
  capacity_ = size_ + 1;
  data_ = new char[capacity_];
  locked_ = ::mlock(data_, capacity_) == 0;  // best effort: RLIMIT_MEMLOCK may refuse
  std::memcpy(data_, text.data(), size_);
  data_[size_] = '\0';
  WipeString(text);
}

SecretString::~SecretString() { Wipe(); }

SecretString::SecretString(SecretString&& other) noexcept
    : data_(other.data_), size_(other.size_), capacity_(other.capacity_), locked_(other.locked_) {
  other.data_ = nullptr;
  other.size_ = other.capacity_ = 0;
  other.locked_ = false;
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = other.data_;
    size_ = other.size_;
    capacity_ = other.capacity_;
    locked_ = other.locked_;
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
    other.locked_ = false;
  }
  return *this;
}

void SecretString::Wipe() {
  if (data_ == nullptr) return;
  OPENSSL_cleanse(data_, capacity_);
  if (locked_) ::munlock(data_, capacity_);
  delete[] data_;
  data_ = nullptr;
  size_ = capacity_ = 0;
  locked_ = false;
}

}  // namespace mediaforge::media
