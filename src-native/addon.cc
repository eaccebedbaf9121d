// Addon registration. Napi::Addon keeps per-instance state, and nothing here holds a napi value
// in a global, so the addon loads in worker_threads as well as in the main thread.
#include "calls.h"
#include "handles.h"
#include "reaper.h"

namespace credssp {

// release(handle): the last resort for a handle the user forgot (called from a
// FinalizationRegistry). Returns at once; the release thread frees the handle, after any call
// still using it (Free and Delete wait for the handle's lock).
Napi::Value JsRelease(const Napi::CallbackInfo& info) {
  if (CredentialRef credential = UnwrapCredential(info[0])) {
    PostRelease([credential] { credential->Free(); });
  }
  if (ContextRef context = UnwrapContext(info[0])) {
    PostRelease([context] { context->Delete(); });
  }
  if (TokenRef token = UnwrapToken(info[0])) {
    PostRelease([token] { token->Close(); });
  }
  return info.Env().Undefined();
}

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceValue("napiVersion", Napi::Number::New(env, NAPI_VERSION), napi_enumerable),
                             Export(env, "acquireCredentialsHandle", JsAcquireCredentialsHandle),
                             Export(env, "freeCredentialsHandle", JsFreeCredentialsHandle),
                             Export(env, "initializeSecurityContext", JsInitializeSecurityContext),
                             Export(env, "acceptSecurityContext", JsAcceptSecurityContext),
                             Export(env, "completeAuthToken", JsCompleteAuthToken),
                             Export(env, "deleteSecurityContext", JsDeleteSecurityContext),
                             Export(env, "queryContextAttributes", JsQueryContextAttributes),
                             Export(env, "encryptMessage", JsEncryptMessage),
                             Export(env, "decryptMessage", JsDecryptMessage),
                             Export(env, "enumerateSecurityPackages", JsEnumerateSecurityPackages),
                             Export(env, "impersonate", JsImpersonate),
                             Export(env, "querySecurityContextToken", JsQuerySecurityContextToken),
                             Export(env, "tokenIsMember", JsTokenIsMember),
                             Export(env, "closeToken", JsCloseToken),
                             Export(env, "release", JsRelease),
                         });
  }

 private:
  static PropertyDescriptor Export(Napi::Env env, const char* name, Napi::Function::Callback callback) {
    return InstanceValue(name, Napi::Function::New(env, callback, name), napi_enumerable);
  }
};

}  // namespace credssp

// NODE_API_ADDON pastes the class name into an identifier, so it takes an unqualified name.
using credssp::Addon;
NODE_API_ADDON(Addon)
