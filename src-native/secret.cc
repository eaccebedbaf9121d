// SecretWide (see secret.h).
#include "secret.h"

#include <limits>
#include <new>

namespace credssp {

void SecretWide::Allocate(size_t units) {
  Clear();
  if (units >= std::numeric_limits<unsigned long>::max()) throw std::bad_alloc();
  // Value-initialised: the terminator is already in place.
  data_ = new wchar_t[units + 1]();
  size_ = static_cast<unsigned long>(units);
}

void SecretWide::Clear() {
  if (data_ == nullptr) return;
  SecureZeroMemory(data_, (static_cast<size_t>(size_) + 1) * sizeof(wchar_t));
  delete[] data_;
  data_ = nullptr;
  size_ = 0;
}

void SecretWide::Read(Napi::Value value) {
  Napi::Env env = value.Env();
  if (value.IsString()) {
    size_t length = 0;
    NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf16(env, value, nullptr, 0, &length));
    Allocate(length);
    size_t copied = 0;
    NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf16(env, value, reinterpret_cast<char16_t*>(data_),
                                                               length + 1, &copied));
    return;
  }
  if (!value.IsBuffer()) throw Napi::TypeError::New(env, "the password must be a string or a Buffer");
  Napi::Buffer<char> bytes = value.As<Napi::Buffer<char>>();
  if (bytes.Length() == 0) {
    Allocate(0);
    return;
  }
  if (bytes.Length() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw Napi::TypeError::New(env, "the password is too long");
  }
  const int length = static_cast<int>(bytes.Length());
  const int units = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, bytes.Data(), length, nullptr, 0);
  if (units <= 0) throw Napi::TypeError::New(env, "a password Buffer must hold UTF-8");
  Allocate(static_cast<size_t>(units));
  MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, bytes.Data(), length, data_, units);
}

}  // namespace credssp
