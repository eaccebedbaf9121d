// The functions the addon exports, one per SSPI call. Each validates argument types (a wrong
// type is a programming error: TypeError), then runs the call in a PromiseWorker and resolves
// with the raw SECURITY_STATUS as a number; mapping statuses to errors is TypeScript's job.
#pragma once

#include <napi.h>

namespace credssp {

// credentials.cc
Napi::Value JsAcquireCredentialsHandle(const Napi::CallbackInfo& info);
Napi::Value JsFreeCredentialsHandle(const Napi::CallbackInfo& info);
// context.cc
Napi::Value JsInitializeSecurityContext(const Napi::CallbackInfo& info);
Napi::Value JsAcceptSecurityContext(const Napi::CallbackInfo& info);
Napi::Value JsCompleteAuthToken(const Napi::CallbackInfo& info);
Napi::Value JsDeleteSecurityContext(const Napi::CallbackInfo& info);
// attributes.cc
Napi::Value JsQueryContextAttributes(const Napi::CallbackInfo& info);
// message.cc
Napi::Value JsEncryptMessage(const Napi::CallbackInfo& info);
Napi::Value JsDecryptMessage(const Napi::CallbackInfo& info);
// packages.cc
Napi::Value JsEnumerateSecurityPackages(const Napi::CallbackInfo& info);
// impersonation.cc: the callback runs impersonating the context's client.
Napi::Value JsImpersonate(const Napi::CallbackInfo& info);
// token.cc: the acceptor context's access token (QuerySecurityContextToken).
Napi::Value JsQuerySecurityContextToken(const Napi::CallbackInfo& info);
Napi::Value JsTokenIsMember(const Napi::CallbackInfo& info);
Napi::Value JsCloseToken(const Napi::CallbackInfo& info);
// addon.cc: synchronous last-resort release of a forgotten handle (finalization).
Napi::Value JsRelease(const Napi::CallbackInfo& info);

}  // namespace credssp
