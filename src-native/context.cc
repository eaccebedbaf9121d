// InitializeSecurityContextW, AcceptSecurityContext, CompleteAuthToken, DeleteSecurityContext.
#include "buffers.h"
#include "calls.h"
#include "handles.h"
#include "worker.h"

namespace credssp {

namespace {

// ISC_REQ_ALLOCATE_MEMORY and ASC_REQ_ALLOCATE_MEMORY share one bit (0x100). Callers never see
// package memory, so whether the package allocates is ours to choose: it does (the reference's
// way), except under Wine, whose packages do not all honour the flag: its NTLM acceptor copies
// its token through the NULL pointer it was given (dlls/msv1_0/main.c), and its Kerberos
// ("flags 0x100 not supported", dlls/kerberos) finds a zero-length buffer too small for its
// AP-REQ. There we pass a buffer of the package's cbMaxToken, in both roles.
constexpr unsigned long kAllocateMemory = 0x100;

// One ISC or ASC leg: arguments copied on the JavaScript thread, results filled on the worker.
struct ContextCall {
  bool initiator = true;
  CredentialRef credential;
  ContextRef context;  // the caller's; null on a first call
  bool badHandle = false;
  bool hasTarget = false;
  std::wstring targetName;
  unsigned long flags = 0;
  unsigned long targetDataRep = 0;
  InputBuffers input;

  SECURITY_STATUS status = SEC_E_INTERNAL_ERROR;
  ContextRef created;  // a first call's new context
  std::vector<CopiedBuffer> output;
  unsigned long attributes = 0;
  TimeStamp expiry{};
  bool localTime = false;  // the expiry's clock (ReportsLocalTime)
  bool hasMissing = false;
  unsigned long missing = 0;
  bool hasExtra = false;
  std::vector<uint8_t> extra;
};

bool HandleIsSet(const CtxtHandle& handle) { return handle.dwLower != 0 || handle.dwUpper != 0; }

void RunLeg(ContextCall& call) {
  if (call.badHandle) {
    call.status = SEC_E_INVALID_HANDLE;
    return;
  }
  ContextRef target = call.context ? call.context : std::make_shared<ContextState>(call.credential->PackageName());
  // Lock order everywhere: context, then credential.
  auto contextLock = target->LockForUse();
  if (call.context && !call.context->Valid()) {
    call.status = SEC_E_INVALID_HANDLE;
    return;
  }
  auto credentialLock = call.credential->LockForUse();
  if (!call.credential->Valid()) {
    call.status = SEC_E_INVALID_HANDLE;
    return;
  }
  const bool packageAllocates = !RunningOnWine();
  OutputToken output(packageAllocates ? 0 : call.credential->MaxToken());
  // On later legs phContext and phNewContext point at the same handle, which the reference
  // allows ("phNewContext can be the same as the handle specified in phContext").
  CtxtHandle* existing = call.context ? target->Handle() : nullptr;
  const unsigned long flags = packageAllocates ? call.flags | kAllocateMemory : call.flags & ~kAllocateMemory;
  if (call.initiator) {
    wchar_t* targetName = call.hasTarget ? &call.targetName[0] : nullptr;
    call.status = InitializeSecurityContextW(call.credential->Handle(), existing, targetName, flags, 0,
                                             call.targetDataRep, call.input.Desc(), 0, target->Handle(),
                                             output.Desc(), &call.attributes, &call.expiry);
  } else {
    // ptsExpiry "must be NULL until the last call" (AcceptSecurityContext (CredSSP)), and which
    // call is the last is known only afterwards: pass NULL always, and read the completed
    // context's lifespan instead.
    call.status = AcceptSecurityContext(call.credential->Handle(), existing, call.input.Desc(), flags,
                                          call.targetDataRep, target->Handle(), output.Desc(), &call.attributes,
                                          nullptr);
    if (call.status == SEC_E_OK || call.status == SEC_I_COMPLETE_NEEDED) {
      SecPkgContext_Lifespan lifespan{};
      if (QueryContextAttributesW(target->Handle(), SECPKG_ATTR_LIFESPAN, &lifespan) == SEC_E_OK) {
        call.expiry = lifespan.tsExpiry;
      }
    }
  }
  call.localTime = ReportsLocalTime(call.credential->PackageName());
  target->RememberLeg(call.initiator, flags, call.credential);
  // Output is copied on failure too: CredSSP and SPNEGO send error tokens to the peer.
  call.output = output.Take();
  call.hasMissing = call.input.Missing(&call.missing);
  call.hasExtra = call.input.Extra(&call.extra);
  if (!call.context && (!FAILED(call.status) || HandleIsSet(*target->Handle()))) {
    target->MarkCreated();
    call.created = target;
  }
}

Napi::Value LegResult(Napi::Env env, const ContextCall& call) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("status", Napi::Number::New(env, static_cast<uint32_t>(call.status)));
  if (call.created) result.Set("context", WrapContext(env, call.created));
  result.Set("buffers", CopiedBuffersToJs(env, call.output));
  result.Set("attributes", Napi::Number::New(env, call.attributes));
  result.Set("expiry", Napi::Number::New(env, TimeStampToEpochMs(call.expiry)));
  result.Set("localTime", Napi::Boolean::New(env, call.localTime));
  if (call.hasMissing) result.Set("missing", Napi::Number::New(env, call.missing));
  if (call.hasExtra) result.Set("extra", Napi::Buffer<uint8_t>::Copy(env, call.extra.data(), call.extra.size()));
  return result;
}

// Common argument reading: (credential, context | null, ...).
std::shared_ptr<ContextCall> ReadHandles(const Napi::CallbackInfo& info, bool initiator) {
  auto call = std::make_shared<ContextCall>();
  call->initiator = initiator;
  call->credential = UnwrapCredential(info[0]);
  const bool first = info[1].IsNull() || info[1].IsUndefined();
  if (!first) call->context = UnwrapContext(info[1]);
  call->badHandle = !call->credential || (!first && !call->context);
  return call;
}

unsigned long ReadNumber(const Napi::Value& value, const char* what) {
  if (!value.IsNumber()) throw Napi::TypeError::New(value.Env(), std::string(what) + " must be a number");
  return value.As<Napi::Number>().Uint32Value();
}

}  // namespace

// initializeSecurityContext(credential, context | null, targetName: string | null, flags,
//   targetDataRep, input: Array<{type, buffer}>)
//   → Promise<{status, context?: External (first call only), buffers, attributes, expiry,
//              missing?: number, extra?: Buffer}>
Napi::Value JsInitializeSecurityContext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto call = ReadHandles(info, true);
  if (info[2].IsString()) {
    call->hasTarget = true;
    call->targetName = ToWide(info[2].As<Napi::String>().Utf16Value());
  } else if (!info[2].IsNull() && !info[2].IsUndefined()) {
    throw Napi::TypeError::New(env, "targetName must be a string or null");
  }
  call->flags = ReadNumber(info[3], "flags");
  call->targetDataRep = ReadNumber(info[4], "targetDataRep");
  call->input = InputBuffers::FromJs(info[5]);
  return PromiseWorker::Start(
      env, "credssp:InitializeSecurityContext", [call]() { RunLeg(*call); },
      [call](Napi::Env env) { return LegResult(env, *call); });
}

// acceptSecurityContext(credential, context | null, flags, targetDataRep, input) → as above
Napi::Value JsAcceptSecurityContext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto call = ReadHandles(info, false);
  call->flags = ReadNumber(info[2], "flags");
  call->targetDataRep = ReadNumber(info[3], "targetDataRep");
  call->input = InputBuffers::FromJs(info[4]);
  return PromiseWorker::Start(
      env, "credssp:AcceptSecurityContext", [call]() { RunLeg(*call); },
      [call](Napi::Env env) { return LegResult(env, *call); });
}

// completeAuthToken(context, buffers: Array<{type, buffer}>) → Promise<status>
Napi::Value JsCompleteAuthToken(const Napi::CallbackInfo& info) {
  struct CompleteCall {
    ContextRef context;
    InputBuffers buffers;
    SECURITY_STATUS status = SEC_E_INVALID_HANDLE;
  };
  auto call = std::make_shared<CompleteCall>();
  call->context = UnwrapContext(info[0]);
  call->buffers = InputBuffers::FromJs(info[1]);
  return PromiseWorker::Start(
      info.Env(), "credssp:CompleteAuthToken",
      [call]() {
        if (!call->context) return;
        auto lock = call->context->LockForUse();
        if (!call->context->Valid()) return;
        call->status = CompleteAuthToken(call->context->Handle(), call->buffers.Desc());
      },
      [call](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, static_cast<uint32_t>(call->status)); });
}

// deleteSecurityContext(context) → Promise<status>; waits for a leg in flight.
Napi::Value JsDeleteSecurityContext(const Napi::CallbackInfo& info) {
  ContextRef state = UnwrapContext(info[0]);
  auto status = std::make_shared<SECURITY_STATUS>(SEC_E_INVALID_HANDLE);
  return PromiseWorker::Start(
      info.Env(), "credssp:DeleteSecurityContext",
      [state, status]() {
        if (state) *status = state->Delete();
      },
      [status](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, static_cast<uint32_t>(*status)); });
}

}  // namespace credssp
