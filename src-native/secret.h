// A UTF-16 secret (a password) in memory of its own: allocated once at its final size, so no
// reallocation leaves a stale copy in freed heap, read from JavaScript without a std::u16string
// or any other intermediate, and zeroed with SecureZeroMemory before it is released.
#pragma once

#include "sspi.h"

#include <cstddef>

#include <napi.h>

namespace credssp {

class SecretWide {
 public:
  SecretWide() = default;
  ~SecretWide() { Clear(); }
  SecretWide(const SecretWide&) = delete;
  SecretWide& operator=(const SecretWide&) = delete;

  // From a JavaScript string (its UTF-16 copied straight into our block) or a Buffer of UTF-8
  // (converted straight into our block). Throws a TypeError for any other value or invalid UTF-8.
  void Read(Napi::Value value);
  // NUL-terminated; Size() counts the code units before the terminator.
  wchar_t* Data() { return data_; }
  unsigned long Size() const { return size_; }
  bool Empty() const { return data_ == nullptr; }
  void Clear();

 private:
  void Allocate(size_t units);

  wchar_t* data_ = nullptr;
  unsigned long size_ = 0;
};

}  // namespace credssp
