// Freeing SSPI handles exactly once, and wrapping the state for JavaScript.
#include "handles.h"

#include "reaper.h"

namespace credssp {

namespace {

// Random 128-bit tags: napi_type_tag_object marks an External as "ours, of this kind".
const napi_type_tag kCredentialTag = {0x6a1f2c3e4b5d6f70ULL, 0x8192a3b4c5d6e7f8ULL};
const napi_type_tag kContextTag = {0x0f1e2d3c4b5a6978ULL, 0x8796a5b4c3d2e1f0ULL};
const napi_type_tag kTokenTag = {0x5c3e9a1d7b2f4e60ULL, 0x91a8d3c6e4b27f05ULL};

template <typename State>
Napi::External<std::shared_ptr<State>> Wrap(Napi::Env env, std::shared_ptr<State> state,
                                            const napi_type_tag* tag) {
  // The External owns one heap-held reference; its finalizer (a handle the user forgot, or a
  // worker thread's environment going away) drops it on the release thread, where the state
  // frees the SSPI handle if it is the last reference and nobody freed it.
  auto* ref = new std::shared_ptr<State>(std::move(state));
  auto external = Napi::External<std::shared_ptr<State>>::New(
      env, ref, [](Napi::Env, std::shared_ptr<State>* held) { PostRelease([held] { delete held; }); });
  external.TypeTag(tag);
  return external;
}

template <typename State>
std::shared_ptr<State> Unwrap(Napi::Value value, const napi_type_tag* tag) {
  if (!value.IsExternal()) return nullptr;
  auto external = value.As<Napi::External<std::shared_ptr<State>>>();
  if (!external.CheckTypeTag(tag)) return nullptr;
  return *external.Data();
}

}  // namespace

CredentialState::~CredentialState() {
  if (valid_) FreeCredentialsHandle(&handle_);
}

SECURITY_STATUS CredentialState::Free() {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (!valid_) return SEC_E_INVALID_HANDLE;
  valid_ = false;
  return FreeCredentialsHandle(&handle_);
}

ContextState::~ContextState() {
  if (valid_) DeleteSecurityContext(&handle_);
}

SECURITY_STATUS ContextState::Delete() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!valid_) return SEC_E_INVALID_HANDLE;
  valid_ = false;
  return DeleteSecurityContext(&handle_);
}

TokenState::~TokenState() {
  if (handle_ != nullptr) CloseHandle(handle_);
}

SECURITY_STATUS TokenState::Close() {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (handle_ == nullptr) return SEC_E_INVALID_HANDLE;
  const BOOL closed = CloseHandle(handle_);
  handle_ = nullptr;
  return closed ? SEC_E_OK : SEC_E_INVALID_HANDLE;
}

Napi::External<CredentialRef> WrapCredential(Napi::Env env, CredentialRef state) {
  return Wrap(env, std::move(state), &kCredentialTag);
}

Napi::External<ContextRef> WrapContext(Napi::Env env, ContextRef state) {
  return Wrap(env, std::move(state), &kContextTag);
}

CredentialRef UnwrapCredential(Napi::Value value) { return Unwrap<CredentialState>(value, &kCredentialTag); }

ContextRef UnwrapContext(Napi::Value value) { return Unwrap<ContextState>(value, &kContextTag); }

Napi::External<TokenRef> WrapToken(Napi::Env env, TokenRef state) { return Wrap(env, std::move(state), &kTokenTag); }

TokenRef UnwrapToken(Napi::Value value) { return Unwrap<TokenState>(value, &kTokenTag); }

}  // namespace credssp
