// ImpersonateSecurityContext / RevertSecurityContext around a JavaScript callback.
// Impersonation belongs to the calling thread, so this runs on the JavaScript thread itself,
// synchronously: the callback's synchronous Win32 work (file opens, named pipes, ...) runs as
// the client; work the callback hands to other threads (libuv's pool, async I/O, worker
// threads) and processes it starts (CreateProcess takes the process token) do not.
#include "calls.h"
#include "handles.h"

namespace credssp {

// impersonate(context, callback) → {status, value?}: the callback's return value; a callback
// that throws is rethrown after the revert.
Napi::Value JsImpersonate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsFunction()) throw Napi::TypeError::New(env, "callback must be a function");
  Napi::Function callback = info[1].As<Napi::Function>();
  Napi::Object result = Napi::Object::New(env);
  ContextRef context = UnwrapContext(info[0]);
  // api.ts runs this only when no other call is using the context, so the lock is free; if it
  // is not (a release in progress), answer rather than block the JavaScript thread.
  std::unique_lock<std::mutex> lock;
  if (context) lock = std::unique_lock<std::mutex>(context->Mutex(), std::try_to_lock);
  if (!context || !lock.owns_lock() || !context->Valid()) {
    result.Set("status", Napi::Number::New(env, static_cast<uint32_t>(SEC_E_INVALID_HANDLE)));
    return result;
  }
  const SECURITY_STATUS status = ImpersonateSecurityContext(context->Handle());
  result.Set("status", Napi::Number::New(env, static_cast<uint32_t>(status)));
  if (status != SEC_E_OK) return result;
  Napi::Value value;
  bool threw = false;
  Napi::Error error;
  try {
    value = callback.Call({});
  } catch (const Napi::Error& e) {
    threw = true;
    error = e;
  }
  // Carrying on as the client after a failed revert would run every later line of the process
  // with someone else's rights: that must not happen, whatever it costs.
  if (RevertSecurityContext(context->Handle()) != SEC_E_OK) {
    Napi::Error::Fatal("credssp:impersonate", "RevertSecurityContext failed; the thread would stay impersonated");
  }
  if (threw) throw error;
  result.Set("value", value);
  return result;
}

}  // namespace credssp
