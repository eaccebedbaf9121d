// Native state behind the JavaScript handle objects. Each SSPI handle lives in a state object
// held by std::shared_ptr: the JavaScript External owns one reference, every call in flight
// owns another, so the state outlives whichever lets go last. The SSPI handle itself is freed
// exactly once: by an explicit free/delete, or by the destructor when nobody freed it.
#pragma once

#include "sspi.h"

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include <napi.h>

namespace credssp {

// A CredHandle. Many contexts may use one credential at once (SSPI credential handles are
// thread-safe), so calls take the lock shared and FreeCredentialsHandle takes it exclusively:
// a free waits for the calls in flight instead of pulling the handle from under them.
class CredentialState {
 public:
  CredentialState(CredHandle handle, std::wstring packageName, unsigned long maxToken)
      : handle_(handle), packageName_(std::move(packageName)), maxToken_(maxToken), valid_(true) {}
  ~CredentialState();
  CredentialState(const CredentialState&) = delete;
  CredentialState& operator=(const CredentialState&) = delete;

  // Held while a call uses the handle; Valid() says whether the handle may still be used.
  std::shared_lock<std::shared_mutex> LockForUse() { return std::shared_lock<std::shared_mutex>(mutex_); }
  bool Valid() const { return valid_; }
  CredHandle* Handle() { return &handle_; }
  const std::wstring& PackageName() const { return packageName_; }
  // The package's cbMaxToken: the size of an output token buffer we supply ourselves.
  unsigned long MaxToken() const { return maxToken_; }
  // What must outlive the handle (a server certificate and its key): released with the state,
  // after FreeCredentialsHandle.
  void KeepAlive(std::shared_ptr<void> resource) { keepAlive_ = std::move(resource); }

  // FreeCredentialsHandle once; SEC_E_INVALID_HANDLE when already freed.
  SECURITY_STATUS Free();

 private:
  std::shared_mutex mutex_;
  CredHandle handle_;
  const std::wstring packageName_;
  const unsigned long maxToken_;
  bool valid_;
  std::shared_ptr<void> keepAlive_;
};

// A CtxtHandle. Legs of one context run one at a time, so every call takes the lock exclusively;
// DeleteSecurityContext waits for a leg in flight, then deletes.
class ContextState {
 public:
  explicit ContextState(std::wstring packageName) : packageName_(std::move(packageName)) {
    handle_.dwLower = 0;
    handle_.dwUpper = 0;
  }
  ~ContextState();
  ContextState(const ContextState&) = delete;
  ContextState& operator=(const ContextState&) = delete;

  std::unique_lock<std::mutex> LockForUse() { return std::unique_lock<std::mutex>(mutex_); }
  std::mutex& Mutex() { return mutex_; }
  // True once the package returned a handle and until it is deleted.
  bool Valid() const { return valid_; }
  CtxtHandle* Handle() { return &handle_; }
  const std::wstring& PackageName() const { return packageName_; }
  // Called with the lock held once the first leg returned a handle.
  void MarkCreated() { valid_ = true; }
  // What a later in-band handshake message (a TLS 1.3 NewSessionTicket or KeyUpdate that
  // DecryptMessage answers with SEC_I_RENEGOTIATE) is fed to: the role, flags and credential
  // of the last leg. Set and read with the lock held.
  void RememberLeg(bool initiator, unsigned long flags, std::shared_ptr<CredentialState> credential) {
    initiator_ = initiator;
    flags_ = flags;
    credential_ = std::move(credential);
  }
  bool Initiator() const { return initiator_; }
  unsigned long Flags() const { return flags_; }
  const std::shared_ptr<CredentialState>& Credential() const { return credential_; }
  // Whether messages carry NTLM's fixed 16-byte signature (decided once, on first decrypt).
  int& NtlmLayout() { return ntlmLayout_; }

  // DeleteSecurityContext once (after a leg in flight); SEC_E_INVALID_HANDLE when already deleted.
  SECURITY_STATUS Delete();

 private:
  std::mutex mutex_;
  CtxtHandle handle_;
  const std::wstring packageName_;
  bool valid_ = false;
  bool initiator_ = true;
  unsigned long flags_ = 0;
  std::shared_ptr<CredentialState> credential_;
  int ntlmLayout_ = -1;  // -1: not decided yet
};

// An access token from QuerySecurityContextToken. Reads take the lock shared; Close takes it
// exclusively, so a close waits for a read in flight. CloseHandle exactly once: by an explicit
// close, or by the destructor when nobody closed it.
class TokenState {
 public:
  explicit TokenState(HANDLE handle) : handle_(handle) {}
  ~TokenState();
  TokenState(const TokenState&) = delete;
  TokenState& operator=(const TokenState&) = delete;

  std::shared_lock<std::shared_mutex> LockForUse() { return std::shared_lock<std::shared_mutex>(mutex_); }
  bool Valid() const { return handle_ != nullptr; }
  HANDLE Handle() const { return handle_; }

  // CloseHandle once; SEC_E_INVALID_HANDLE when already closed.
  SECURITY_STATUS Close();

 private:
  std::shared_mutex mutex_;
  HANDLE handle_;
};

using CredentialRef = std::shared_ptr<CredentialState>;
using ContextRef = std::shared_ptr<ContextState>;
using TokenRef = std::shared_ptr<TokenState>;

// JavaScript handles are Externals tagged with their kind (napi_type_tag_object), so a context
// passed where a credential belongs, or any other value, is told apart without trusting it.
Napi::External<CredentialRef> WrapCredential(Napi::Env env, CredentialRef state);
Napi::External<ContextRef> WrapContext(Napi::Env env, ContextRef state);
Napi::External<TokenRef> WrapToken(Napi::Env env, TokenRef state);
// Null when the value is not a handle of that kind: the caller answers SEC_E_INVALID_HANDLE.
CredentialRef UnwrapCredential(Napi::Value value);
ContextRef UnwrapContext(Napi::Value value);
TokenRef UnwrapToken(Napi::Value value);

}  // namespace credssp
