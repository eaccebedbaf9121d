// EncryptMessage and DecryptMessage. Two buffer layouts, chosen by package:
//  - token packages (NTLM, Negotiate): [TOKEN (cbSecurityTrailer), DATA, PADDING]; the wire form
//    is token || data || padding, the concatenation CredSSP itself puts on the wire; decrypted
//    at NTLM's fixed signature length, or as [STREAM, DATA] for packages whose tokens vary;
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
  // Stream decrypt only: SECBUFFER_MISSING's count and the input bytes used, with
  // SEC_E_INCOMPLETE_MESSAGE; whether the peer closed (SEC_I_CONTEXT_EXPIRED).
  unsigned long missing = 0;
  size_t consumed = 0;
  bool closed = false;
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

// NTLM's signature is always 16 bytes (MS-NLMP 2.2.2.9), so an NTLM message splits at
// cbSecurityTrailer; true for NTLM itself and for Negotiate when it chose NTLM (Wine's
// Negotiate only ever wraps NTLM, and does not report the choice).
bool UsesNtlm(ContextState& context) {
  int& decided = context.NtlmLayout();
  if (decided >= 0) return decided == 1;
  bool ntlm = _wcsicmp(context.PackageName().c_str(), L"NTLM") == 0;
  if (!ntlm && _wcsicmp(context.PackageName().c_str(), L"Negotiate") == 0) {
    SecPkgContext_NegotiationInfoW info{};
    if (QueryContextAttributesW(context.Handle(), SECPKG_ATTR_NEGOTIATION_INFO, &info) == SEC_E_OK) {
      ntlm = info.PackageInfo != nullptr && info.PackageInfo->Name != nullptr &&
             _wcsicmp(info.PackageInfo->Name, L"NTLM") == 0;
      if (info.PackageInfo != nullptr) FreeContextBuffer(info.PackageInfo);
    } else {
      ntlm = RunningOnWine();
    }
  }
  decided = ntlm ? 1 : 0;
  return ntlm;
}

SECURITY_STATUS DecryptFixedTrailer(CtxtHandle* handle, MessageCall& call) {
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

// Any other package (Kerberos, which Negotiate picks on a domain) wraps with tokens of varying
// length: the whole message goes as SECBUFFER_STREAM with an empty SECBUFFER_DATA, and the
// package finds the boundary itself; DATA then points into the STREAM bytes.
SECURITY_STATUS DecryptStreamBuffer(CtxtHandle* handle, MessageCall& call) {
  SecBuffer buffers[2] = {
      {static_cast<unsigned long>(call.input.size()), SECBUFFER_STREAM, call.input.data()},
      {0, SECBUFFER_DATA, nullptr},
  };
  SecBufferDesc desc{SECBUFFER_VERSION, 2, buffers};
  unsigned long qop = 0;
  SECURITY_STATUS status = ::DecryptMessage(handle, &desc, 0, &qop);
  if (status != SEC_E_OK) return status;
  const uint8_t* begin = call.input.data();
  const uint8_t* data = static_cast<const uint8_t*>(buffers[1].pvBuffer);
  // Never read outside our own input, whatever the package says.
  if (buffers[1].cbBuffer > 0 && (data < begin || data + buffers[1].cbBuffer > begin + call.input.size())) {
    return SEC_E_INTERNAL_ERROR;
  }
  if (buffers[1].cbBuffer > 0) Append(call.output, buffers[1]);
  return status;
}

SECURITY_STATUS DecryptToken(ContextState& context, MessageCall& call) {
  return UsesNtlm(context) ? DecryptFixedTrailer(context.Handle(), call) : DecryptStreamBuffer(context.Handle(), call);
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

// The handshake message after SEC_I_RENEGOTIATE (Schannel's answer to a TLS 1.3
// NewSessionTicket or KeyUpdate) goes back to ISC/ASC on the same context as a TOKEN, as the
// Schannel docs ask; SEC_E_OK with no output means it was absorbed, and `rest` receives the
// records after it (SECBUFFER_EXTRA). Anything else is a real renegotiation, which a
// stateless decryptMessage cannot carry: the status is returned as it is.
SECURITY_STATUS AbsorbHandshakeMessage(ContextState& context, std::vector<uint8_t>& message,
                                       std::vector<uint8_t>& rest) {
  SecBuffer in[2] = {
      {static_cast<unsigned long>(message.size()), SECBUFFER_TOKEN, message.data()},
      {0, SECBUFFER_EMPTY, nullptr},
  };
  SecBufferDesc inDesc{SECBUFFER_VERSION, 2, in};
  SecBuffer out{0, SECBUFFER_TOKEN, nullptr};
  SecBufferDesc outDesc{SECBUFFER_VERSION, 1, &out};
  const std::shared_ptr<CredentialState>& credential = context.Credential();
  std::shared_lock<std::shared_mutex> credentialLock;
  CredHandle* credentialHandle = nullptr;
  if (credential) {
    credentialLock = credential->LockForUse();
    if (credential->Valid()) credentialHandle = credential->Handle();
  }
  // 0x100: ISC_REQ_ALLOCATE_MEMORY / ASC_REQ_ALLOCATE_MEMORY.
  const unsigned long flags = context.Flags() | 0x100;
  unsigned long attributes = 0;
  SECURITY_STATUS status =
      context.Initiator()
          ? InitializeSecurityContextW(credentialHandle, context.Handle(), nullptr, flags, 0, 0, &inDesc, 0,
                                       nullptr, &outDesc, &attributes, nullptr)
          : AcceptSecurityContext(credentialHandle, context.Handle(), &inDesc, flags, 0, nullptr, &outDesc,
                                  &attributes, nullptr);
  const bool replied = out.pvBuffer != nullptr && out.cbBuffer > 0;
  if (out.pvBuffer != nullptr) FreeContextBuffer(out.pvBuffer);
  if (status != SEC_E_OK) return FAILED(status) ? status : SEC_I_RENEGOTIATE;
  if (replied) return SEC_I_RENEGOTIATE;
  rest.clear();
  if (in[1].BufferType == SECBUFFER_EXTRA) {
    const size_t count = std::min<size_t>(in[1].cbBuffer, message.size());
    rest.assign(message.end() - count, message.end());
  }
  return SEC_E_OK;
}

// Every record of the input, in order (SECBUFFER_EXTRA holds the records after each one). The
// plaintext of complete records is kept when the input then ends mid-record
// (SEC_E_INCOMPLETE_MESSAGE: `missing` and `consumed` say where), or when the peer closed
// (SEC_I_CONTEXT_EXPIRED after close_notify: `closed`). Any other failure fails the whole call.
SECURITY_STATUS DecryptStream(ContextState& context, MessageCall& call) {
  CtxtHandle* handle = context.Handle();
  std::vector<uint8_t> pending(call.input);
  while (!pending.empty()) {
    SecBuffer buffers[4] = {
        {static_cast<unsigned long>(pending.size()), SECBUFFER_DATA, pending.data()},
        {0, SECBUFFER_EMPTY, nullptr},
        {0, SECBUFFER_EMPTY, nullptr},
        {0, SECBUFFER_EMPTY, nullptr},
    };
    SecBufferDesc desc{SECBUFFER_VERSION, 4, buffers};
    unsigned long qop = 0;
    const SECURITY_STATUS status = ::DecryptMessage(handle, &desc, 0, &qop);
    if (status == SEC_E_INCOMPLETE_MESSAGE) {
      for (const SecBuffer& sec : buffers) {
        if (sec.BufferType == SECBUFFER_MISSING) call.missing = sec.cbBuffer;
      }
      call.consumed = call.input.size() - pending.size();
      return status;
    }
    if (status != SEC_E_OK && status != SEC_I_RENEGOTIATE && status != SEC_I_CONTEXT_EXPIRED) return status;
    std::vector<uint8_t> next;
    for (const SecBuffer& sec : buffers) {
      if (sec.BufferType == SECBUFFER_DATA && sec.cbBuffer > 0) Append(call.output, sec);
      if (sec.BufferType == SECBUFFER_EXTRA) {
        const size_t count = std::min<size_t>(sec.cbBuffer, pending.size());
        next.assign(pending.end() - count, pending.end());
      }
    }
    if (status == SEC_I_CONTEXT_EXPIRED) {
      call.closed = true;
      call.consumed = call.input.size() - next.size();
      return SEC_E_OK;
    }
    if (status == SEC_I_RENEGOTIATE) {
      if (next.empty()) return SEC_I_RENEGOTIATE;
      std::vector<uint8_t> rest;
      const SECURITY_STATUS absorbed = AbsorbHandshakeMessage(context, next, rest);
      if (absorbed != SEC_E_OK) return absorbed;
      next.swap(rest);
    }
    pending.swap(next);
  }
  return SEC_E_OK;
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
          call->status = stream ? DecryptStream(*call->context, *call) : DecryptToken(*call->context, *call);
        }
        // Plaintext of complete records survives an incomplete tail; any other failure drops it.
        if (call->status != SEC_E_OK && call->status != SEC_E_INCOMPLETE_MESSAGE) call->output.clear();
      },
      [call](Napi::Env env) -> Napi::Value {
        Napi::Object result = Napi::Object::New(env);
        result.Set("status", Napi::Number::New(env, static_cast<uint32_t>(call->status)));
        result.Set("data", Napi::Buffer<uint8_t>::Copy(env, call->output.data(), call->output.size()));
        if (call->status == SEC_E_INCOMPLETE_MESSAGE) {
          result.Set("missing", Napi::Number::New(env, call->missing));
          result.Set("consumed", Napi::Number::New(env, static_cast<double>(call->consumed)));
        }
        if (call->closed) {
          result.Set("closed", Napi::Boolean::New(env, true));
          result.Set("consumed", Napi::Number::New(env, static_cast<double>(call->consumed)));
        }
        return result;
      });
}

}  // namespace

// encryptMessage(context, data: Buffer) → Promise<{status, data: Buffer}>
Napi::Value JsEncryptMessage(const Napi::CallbackInfo& info) { return StartMessageCall(info, true); }

// decryptMessage(context, data: Buffer) → Promise<{status, data: Buffer}>
Napi::Value JsDecryptMessage(const Napi::CallbackInfo& info) { return StartMessageCall(info, false); }

}  // namespace credssp
