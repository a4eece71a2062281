// A password (or other secret) held in memory as briefly and as privately as we can: its bytes
// live in one buffer sized once (never reallocated, so no stale copy is left behind by growth),
// locked in RAM where the limit allows (mlock(2): not written to swap), wiped with
// OPENSSL_cleanse when the object dies, and the string it was taken from is wiped too. Creating
// one also makes the process non-dumpable (prctl(PR_SET_DUMPABLE, 0)): from the first secret
// read to the end of the process no core dump is written and no other process of the same user
// may read its memory through /proc or ptrace (docs/RELIABILITY.md, "Secrets").
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace mediaforge::media {

class SecretString {
 public:
  // Takes the secret out of `text` (wiped and emptied).
  explicit SecretString(std::string&& text);
  ~SecretString();
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;

  absl::string_view view() const { return {data_, size_}; }
  // For APIs that take a std::string (the copy is the caller's to wipe: WipeString).
  std::string Copy() const { return std::string(data_, size_); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool locked() const { return locked_; }  // mlock succeeded

 private:
  void Wipe();
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  bool locked_ = false;
};

// Overwrites a string that held a secret (OPENSSL_cleanse) and empties it.
void WipeString(std::string& text);

}  // namespace mediaforge::media
