// AcquireCredentialsHandleW and FreeCredentialsHandle.
#include "calls.h"
#include "certificate.h"
#include "handles.h"
#include "secret.h"
#include "worker.h"

#include <string>

namespace credssp {

namespace {

// What the worker thread needs; the password in a SecretWide it clears once the call returns.
struct AcquireCall {
  std::wstring packageName;
  unsigned long use = 0;
  bool hasIdentity = false;
  std::wstring user;
  std::wstring domain;
  SecretWide password;
  // A CredSSP acceptor's TLS certificate (native.tls).
  bool hasCertificate = false;
  CertificateSource certificateSource;
  SECURITY_STATUS status = SEC_E_INTERNAL_ERROR;
  TimeStamp expiry{};
  // Made on the worker thread as soon as the handle exists, so it is freed even if the
  // completion never runs (a worker thread's environment torn down meanwhile).
  CredentialRef state;
};

bool IsCredSsp(const std::wstring& name) { return _wcsicmp(name.c_str(), CREDSSP_NAME) == 0; }

unsigned long MaxTokenOf(std::wstring packageName) {
  // A fallback that holds any NTLM or SPNEGO token should the query fail.
  unsigned long maxToken = 48 * 1024;
  SecPkgInfoW* info = nullptr;
  if (QuerySecurityPackageInfoW(&packageName[0], &info) == SEC_E_OK && info != nullptr) {
    if (info->cbMaxToken > 0) maxToken = info->cbMaxToken;
    FreeContextBuffer(info);
  }
  return maxToken;
}

void Acquire(AcquireCall& call) {
  // NTLM and Negotiate take SEC_WINNT_AUTH_IDENTITY_W; CredSSP wraps it in CREDSSP_CRED
  // (CredsspPasswordCreds, the identity as pSpnegoCred). Without an identity, pAuthData is
  // NULL: the package uses the logon session's own credentials (single sign-on).
  SEC_WINNT_AUTH_IDENTITY_W identity{};
  identity.User = reinterpret_cast<unsigned short*>(&call.user[0]);
  identity.UserLength = static_cast<unsigned long>(call.user.size());
  identity.Domain = reinterpret_cast<unsigned short*>(&call.domain[0]);
  identity.DomainLength = static_cast<unsigned long>(call.domain.size());
  // The one copy of the password on our side: terminated in place, never copied again.
  identity.Password = reinterpret_cast<unsigned short*>(call.password.Data());
  identity.PasswordLength = call.password.Size();
  identity.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;

  CREDSSP_CRED credsspCred{};
  credsspCred.Type = CredsspPasswordCreds;
  credsspCred.pSchannelCred = nullptr;
  credsspCred.pSpnegoCred = &identity;

  void* authData = nullptr;
  if (call.hasIdentity) authData = IsCredSsp(call.packageName) ? static_cast<void*>(&credsspCred) : &identity;

  // A CredSSP acceptor runs TLS and needs a certificate: CredsspSubmitBufferBoth carries the
  // Schannel credential holding it, and the identity (or NULL: the logon's own) for SPNEGO.
  auto certificate = std::make_shared<Certificate>();
  PCCERT_CONTEXT certificateContext = nullptr;
  SCHANNEL_CRED schannelCred{};
  if (call.hasCertificate) {
    call.status = certificate->Open(call.certificateSource);
    if (call.status != SEC_E_OK) {
      call.password.Clear();
      return;
    }
    certificateContext = certificate->Context();
    schannelCred.dwVersion = SCHANNEL_CRED_VERSION;
    schannelCred.cCreds = 1;
    schannelCred.paCred = &certificateContext;
    schannelCred.dwFlags = SCH_USE_STRONG_CRYPTO;
    credsspCred.Type = CredsspSubmitBufferBoth;
    credsspCred.pSchannelCred = &schannelCred;
    credsspCred.pSpnegoCred = call.hasIdentity ? &identity : nullptr;
    authData = &credsspCred;
  }

  CredHandle handle{};
  call.status = AcquireCredentialsHandleW(nullptr, &call.packageName[0], call.use, nullptr, authData,
                                          nullptr, nullptr, &handle, &call.expiry);
  call.password.Clear();
  if (call.status != SEC_E_OK) return;
  call.state = std::make_shared<CredentialState>(handle, call.packageName, MaxTokenOf(call.packageName));
  if (call.hasCertificate) call.state->KeepAlive(certificate);
}

}  // namespace

// acquireCredentialsHandle(packageName: string, use: number,
//   identity: {user: string, domain: string, password: string | Buffer /* UTF-8 */} | null,
//   tls?: {store?, location?, thumbprint} | {pfx: Buffer, password?})
//   → Promise<{status, credential?: External, expiry: number /* ms since epoch, 0: none */}>
Napi::Value JsAcquireCredentialsHandle(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsNumber()) {
    throw Napi::TypeError::New(env, "acquireCredentialsHandle(packageName, use, identity)");
  }
  auto call = std::make_shared<AcquireCall>();
  call->packageName = ToWide(info[0].As<Napi::String>().Utf16Value());
  call->use = info[1].As<Napi::Number>().Uint32Value();
  if (info[2].IsObject()) {
    Napi::Object identity = info[2].As<Napi::Object>();
    Napi::Value user = identity.Get("user");
    Napi::Value domain = identity.Get("domain");
    Napi::Value password = identity.Get("password");
    if (!user.IsString() || !domain.IsString()) {
      throw Napi::TypeError::New(env, "identity must be {user: string, domain: string, password}");
    }
    call->hasIdentity = true;
    call->user = ToWide(user.As<Napi::String>().Utf16Value());
    call->domain = ToWide(domain.As<Napi::String>().Utf16Value());
    call->password.Read(password);
  } else if (!info[2].IsNull() && !info[2].IsUndefined()) {
    throw Napi::TypeError::New(env, "identity must be an object or null");
  }
  if (info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNull()) {
    call->hasCertificate = true;
    call->certificateSource.Read(info[3]);
  }
  return PromiseWorker::Start(
      env, "credssp:AcquireCredentialsHandle", [call]() { Acquire(*call); },
      [call](Napi::Env env) -> Napi::Value {
        Napi::Object result = Napi::Object::New(env);
        result.Set("status", Napi::Number::New(env, static_cast<uint32_t>(call->status)));
        if (call->state) {
          result.Set("credential", WrapCredential(env, call->state));
          result.Set("expiry", Napi::Number::New(env, TimeStampToEpochMs(call->expiry)));
          result.Set("localTime", Napi::Boolean::New(env, ReportsLocalTime(call->packageName)));
        }
        return result;
      });
}

// freeCredentialsHandle(credential) → Promise<status>
Napi::Value JsFreeCredentialsHandle(const Napi::CallbackInfo& info) {
  CredentialRef state = UnwrapCredential(info[0]);
  auto status = std::make_shared<SECURITY_STATUS>(SEC_E_INVALID_HANDLE);
  return PromiseWorker::Start(
      info.Env(), "credssp:FreeCredentialsHandle",
      [state, status]() {
        if (state) *status = state->Free();
      },
      [status](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, static_cast<uint32_t>(*status)); });
}

}  // namespace credssp
