// The one place that pulls in the Windows SSPI headers, so every file sees the same defines
// under MSVC and mingw-w64. Only headers and tiny conversions live here.
#pragma once

#ifndef SECURITY_WIN32
#define SECURITY_WIN32
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif

#include <windows.h>
#include <security.h>
#include <sspi.h>
#include <credssp.h>
// schannel.h needs wincrypt.h, which WIN32_LEAN_AND_MEAN leaves out of windows.h.
#include <wincrypt.h>
#include <schannel.h>

#include <string>

// mingw-w64's credssp.h lacks these (the Windows SDK has them).
#ifndef CREDSSP_NAME
#define CREDSSP_NAME L"CREDSSP"
#endif
#ifndef TS_SSP_NAME
#define TS_SSP_NAME L"TSSSP"
#endif

namespace credssp {

// UTF-16 from the UTF-16 code units node-addon-api hands out (char16_t and wchar_t are both
// 16-bit on Windows; this cast is the documented way across the two).
inline std::wstring ToWide(const std::u16string& text) {
  return std::wstring(reinterpret_cast<const wchar_t*>(text.data()), text.size());
}

inline std::u16string FromWide(const wchar_t* text) {
  if (text == nullptr) return std::u16string();
  return std::u16string(reinterpret_cast<const char16_t*>(text));
}

// Wine exports wine_get_version from ntdll; Windows does not. Some Wine packages need a
// workaround (test/wine/README.md lists them).
inline bool RunningOnWine() {
  static const bool onWine = [] {
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
  }();
  return onWine;
}

// CredSSP reports its TimeStamps in local time (ACH and ISC (CredSSP), ptsExpiry); the others in
// UTC. The addon passes the reading on with this flag and lib/native/time.ts converts.
inline bool ReportsLocalTime(const std::wstring& packageName) {
  return _wcsicmp(packageName.c_str(), CREDSSP_NAME) == 0 || _wcsicmp(packageName.c_str(), TS_SSP_NAME) == 0;
}

// A TimeStamp is a FILETIME: 100-ns ticks since 1601-01-01. Returned as milliseconds since the
// Unix epoch (the TypeScript adapter makes the Date); 0 means "none given".
inline double TimeStampToEpochMs(const TimeStamp& stamp) {
  const long long ticks = static_cast<long long>(stamp.QuadPart);
  if (ticks <= 0) return 0;
  const long long kUnixEpochTicks = 116444736000000000LL;
  return static_cast<double>(ticks - kUnixEpochTicks) / 10000.0;
}

}  // namespace credssp
