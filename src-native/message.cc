// EncryptMessage and DecryptMessage. Two buffer layouts, chosen by package:
//  - token packages (NTLM, Negotiate): [TOKEN (cbSecurityTrailer), DATA, PADDING]; the wire form
//    is token || data || padding, the concatenation CredSSP itself puts on the wire;
//  - stream packages (CredSSP, which is TLS underneath): [STREAM_HEADER, DATA, STREAM_TRAILER,
//    EMPTY] sized by SECPKG_ATTR_STREAM_SIZES, one record per cbMaximumMessage.
#include "calls.h"
#include "handles.h"
#include "worker.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace credssp {

namespace {

struct MessageCall {
  ContextRef context;
  std::vector<uint8_t> input;
  SECURITY_STATUS status = SEC_E_INVALID_HANDLE;
  std::vector<uint8_t> output;
};

bool IsStreamPackage(const std::wstring& name) {
  return _wcsicmp(name.c_str(), CREDSSP_NAME) == 0 || _wcsicmp(name.c_str(), TS_SSP_NAME) == 0;
}

void Append(std::vector<uint8_t>& out, const SecBuffer& sec) {
  const uint8_t* bytes = static_cast<const uint8_t*>(sec.pvBuffer);
  out.insert(out.end(), bytes, bytes + sec.cbBuffer);
}

SECURITY_STATUS EncryptToken(CtxtHandle* handle, MessageCall& call) {
  SecPkgContext_Sizes sizes{};
  SECURITY_STATUS status = QueryContextAttributesW(handle, SECPKG_ATTR_SIZES, &sizes);
  if (status != SEC_E_OK) return status;
  std::vector<uint8_t> token(sizes.cbSecurityTrailer);
  std::vector<uint8_t> padding(sizes.cbBlockSize);
  std::vector<uint8_t> data(call.input);
  SecBuffer buffers[3] = {
      {static_cast<unsigned long>(token.size()), SECBUFFER_TOKEN, token.data()},
      {static_cast<unsigned long>(data.size()), SECBUFFER_DATA, data.data()},
      {static_cast<unsigned long>(padding.size()), SECBUFFER_PADDING, padding.data()},
  };
  SecBufferDesc desc{SECBUFFER_VERSION, 3, buffers};
  status = ::EncryptMessage(handle, 0, &desc, 0);
  if (status != SEC_E_OK) return status;
  for (const SecBuffer& sec : buffers) Append(call.output, sec);
  return status;
}

SECURITY_STATUS DecryptToken(CtxtHandle* handle, MessageCall& call) {
  SecPkgContext_Sizes sizes{};
  SECURITY_STATUS status = QueryContextAttributesW(handle, SECPKG_ATTR_SIZES, &sizes);
  if (status != SEC_E_OK) return status;
  if (call.input.size() < sizes.cbSecurityTrailer) return SEC_E_INCOMPLETE_MESSAGE;
  uint8_t* bytes = call.input.data();
  SecBuffer buffers[2] = {
      {sizes.cbSecurityTrailer, SECBUFFER_TOKEN, bytes},
      {static_cast<unsigned long>(call.input.size() - sizes.cbSecurityTrailer), SECBUFFER_DATA,
       bytes + sizes.cbSecurityTrailer},
  };
  SecBufferDesc desc{SECBUFFER_VERSION, 2, buffers};
  unsigned long qop = 0;
  status = ::DecryptMessage(handle, &desc, 0, &qop);
  if (status != SEC_E_OK) return status;
  Append(call.output, buffers[1]);
  return status;
}

SECURITY_STATUS EncryptStream(CtxtHandle* handle, MessageCall& call) {
  SecPkgContext_StreamSizes sizes{};
  SECURITY_STATUS status = QueryContextAttributesW(handle, SECPKG_ATTR_STREAM_SIZES, &sizes);
  if (status != SEC_E_OK) return status;
  if (sizes.cbMaximumMessage == 0) return SEC_E_INTERNAL_ERROR;
  size_t offset = 0;
  do {
    const size_t chunk = std::min<size_t>(sizes.cbMaximumMessage, call.input.size() - offset);
    std::vector<uint8_t> record(sizes.cbHeader + chunk + sizes.cbTrailer);
    std::copy(call.input.begin() + offset, call.input.begin() + offset + chunk, record.begin() + sizes.cbHeader);
    SecBuffer buffers[4] = {
        {sizes.cbHeader, SECBUFFER_STREAM_HEADER, record.data()},
        {static_cast<unsigned long>(chunk), SECBUFFER_DATA, record.data() + sizes.cbHeader},
        {sizes.cbTrailer, SECBUFFER_STREAM_TRAILER, record.data() + sizes.cbHeader + chunk},
        {0, SECBUFFER_EMPTY, nullptr},
    };
    SecBufferDesc desc{SECBUFFER_VERSION, 4, buffers};
    status = ::EncryptMessage(handle, 0, &desc, 0);
    if (status != SEC_E_OK) return status;
    // The trailer may come back shorter than cbTrailer: take what each buffer now says.
    for (int i = 0; i < 3; i++) Append(call.output, buffers[i]);
    offset += chunk;
  } while (offset < call.input.size());
  return status;
}

SECURITY_STATUS DecryptStream(CtxtHandle* handle, MessageCall& call) {
  std::vector<uint8_t> pending(call.input);
  SECURITY_STATUS status = SEC_E_OK;
  // One TLS record per DecryptMessage; SECBUFFER_EXTRA holds the records after it.
  while (!pending.empty()) {
    SecBuffer buffers[4] = {
        {static_cast<unsigned long>(pending.size()), SECBUFFER_DATA, pending.data()},
        {0, SECBUFFER_EMPTY, nullptr},
        {0, SECBUFFER_EMPTY, nullptr},
        {0, SECBUFFER_EMPTY, nullptr},
    };
    SecBufferDesc desc{SECBUFFER_VERSION, 4, buffers};
    unsigned long qop = 0;
    status = ::DecryptMessage(handle, &desc, 0, &qop);
    if (status != SEC_E_OK) return status;
    std::vector<uint8_t> next;
    for (const SecBuffer& sec : buffers) {
      if (sec.BufferType == SECBUFFER_DATA) Append(call.output, sec);
      if (sec.BufferType == SECBUFFER_EXTRA) {
        const size_t count = std::min<size_t>(sec.cbBuffer, pending.size());
        next.assign(pending.end() - count, pending.end());
      }
    }
    pending.swap(next);
  }
  return status;
}

Napi::Promise StartMessageCall(const Napi::CallbackInfo& info, bool encrypt) {
  Napi::Env env = info.Env();
  if (!info[1].IsBuffer()) throw Napi::TypeError::New(env, "data must be a Buffer");
  auto call = std::make_shared<MessageCall>();
  call->context = UnwrapContext(info[0]);
  Napi::Buffer<uint8_t> data = info[1].As<Napi::Buffer<uint8_t>>();
  call->input.assign(data.Data(), data.Data() + data.Length());
  return PromiseWorker::Start(
      env, encrypt ? "credssp:EncryptMessage" : "credssp:DecryptMessage",
      [call, encrypt]() {
        if (!call->context) return;
        auto lock = call->context->LockForUse();
        if (!call->context->Valid()) return;
        CtxtHandle* handle = call->context->Handle();
        const bool stream = IsStreamPackage(call->context->PackageName());
        if (encrypt) {
          call->status = stream ? EncryptStream(handle, *call) : EncryptToken(handle, *call);
        } else {
          call->status = stream ? DecryptStream(handle, *call) : DecryptToken(handle, *call);
        }
        if (call->status != SEC_E_OK) call->output.clear();
      },
      [call](Napi::Env env) -> Napi::Value {
        Napi::Object result = Napi::Object::New(env);
        result.Set("status", Napi::Number::New(env, static_cast<uint32_t>(call->status)));
        result.Set("data", Napi::Buffer<uint8_t>::Copy(env, call->output.data(), call->output.size()));
        return result;
      });
}

}  // namespace

// encryptMessage(context, data: Buffer) → Promise<{status, data: Buffer}>
Napi::Value JsEncryptMessage(const Napi::CallbackInfo& info) { return StartMessageCall(info, true); }

// decryptMessage(context, data: Buffer) → Promise<{status, data: Buffer}>
Napi::Value JsDecryptMessage(const Napi::CallbackInfo& info) { return StartMessageCall(info, false); }

}  // namespace credssp
