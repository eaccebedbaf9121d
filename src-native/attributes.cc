// QueryContextAttributesW for the attributes whose structures are plain numbers, strings and bytes.
// Package-allocated strings and SecPkgInfoW blocks are copied, then freed with FreeContextBuffer.
#include "calls.h"
#include "handles.h"
#include "worker.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace credssp {

namespace {

// A flat record: what one attribute structure holds, ready to become a JavaScript object.
struct AttributeRecord {
  std::vector<std::pair<std::string, double>> numbers;
  std::vector<std::pair<std::string, std::u16string>> strings;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> bytes;
};

void AddPackageInfo(AttributeRecord& record, const SecPkgInfoW* info) {
  if (info == nullptr) return;
  record.strings.emplace_back("name", FromWide(info->Name));
  record.strings.emplace_back("comment", FromWide(info->Comment));
  record.numbers.emplace_back("capabilities", info->fCapabilities);
  record.numbers.emplace_back("version", info->wVersion);
  record.numbers.emplace_back("rpcid", info->wRPCID);
  record.numbers.emplace_back("maxToken", info->cbMaxToken);
}

// Runs the query; returns the status and fills the record on success.
SECURITY_STATUS Query(CtxtHandle* handle, const std::wstring& packageName, unsigned long attribute,
                      AttributeRecord& record) {
  SECURITY_STATUS status;
  switch (attribute) {
    case SECPKG_ATTR_SIZES: {
      SecPkgContext_Sizes sizes{};
      status = QueryContextAttributesW(handle, attribute, &sizes);
      if (status != SEC_E_OK) return status;
      record.numbers = {{"maxToken", sizes.cbMaxToken},
                        {"maxSignature", sizes.cbMaxSignature},
                        {"blockSize", sizes.cbBlockSize},
                        {"securityTrailer", sizes.cbSecurityTrailer}};
      return status;
    }
    case SECPKG_ATTR_STREAM_SIZES: {
      SecPkgContext_StreamSizes sizes{};
      status = QueryContextAttributesW(handle, attribute, &sizes);
      if (status != SEC_E_OK) return status;
      record.numbers = {{"header", sizes.cbHeader},
                        {"trailer", sizes.cbTrailer},
                        {"maximumMessage", sizes.cbMaximumMessage},
                        {"buffers", sizes.cBuffers},
                        {"blockSize", sizes.cbBlockSize}};
      return status;
    }
    case SECPKG_ATTR_NAMES: {
      SecPkgContext_NamesW names{};
      status = QueryContextAttributesW(handle, attribute, &names);
      if (status != SEC_E_OK) return status;
      record.strings.emplace_back("userName", FromWide(names.sUserName));
      if (names.sUserName != nullptr) FreeContextBuffer(names.sUserName);
      return status;
    }
    case SECPKG_ATTR_LIFESPAN: {
      SecPkgContext_Lifespan lifespan{};
      status = QueryContextAttributesW(handle, attribute, &lifespan);
      if (status != SEC_E_OK) return status;
      record.numbers = {{"start", TimeStampToEpochMs(lifespan.tsStart)},
                        {"expiry", TimeStampToEpochMs(lifespan.tsExpiry)},
                        {"localTime", ReportsLocalTime(packageName) ? 1.0 : 0.0}};
      return status;
    }
    case SECPKG_ATTR_PACKAGE_INFO: {
      SecPkgContext_PackageInfoW info{};
      status = QueryContextAttributesW(handle, attribute, &info);
      if (status != SEC_E_OK) return status;
      AddPackageInfo(record, info.PackageInfo);
      if (info.PackageInfo != nullptr) FreeContextBuffer(info.PackageInfo);
      return status;
    }
    case SECPKG_ATTR_NEGOTIATION_INFO: {
      SecPkgContext_NegotiationInfoW info{};
      status = QueryContextAttributesW(handle, attribute, &info);
      if (status != SEC_E_OK) return status;
      record.numbers.emplace_back("state", info.NegotiationState);
      AddPackageInfo(record, info.PackageInfo);
      if (info.PackageInfo != nullptr) FreeContextBuffer(info.PackageInfo);
      return status;
    }
    case SECPKG_ATTR_SESSION_KEY: {
      SecPkgContext_SessionKey key{};
      status = QueryContextAttributesW(handle, attribute, &key);
      if (status != SEC_E_OK) return status;
      if (key.SessionKey != nullptr) {
        record.bytes.emplace_back("sessionKey", std::vector<uint8_t>(key.SessionKey, key.SessionKey + key.SessionKeyLength));
        SecureZeroMemory(key.SessionKey, key.SessionKeyLength);
        FreeContextBuffer(key.SessionKey);
      }
      return status;
    }
    default:
      return SEC_E_UNSUPPORTED_FUNCTION;
  }
}

}  // namespace

// queryContextAttributes(context, attribute: number /* SECPKG_ATTR_* */)
//   → Promise<{status, value?: {[field]: number | string}}>
Napi::Value JsQueryContextAttributes(const Napi::CallbackInfo& info) {
  struct QueryCall {
    ContextRef context;
    unsigned long attribute = 0;
    SECURITY_STATUS status = SEC_E_INVALID_HANDLE;
    AttributeRecord record;
  };
  if (!info[1].IsNumber()) throw Napi::TypeError::New(info.Env(), "attribute must be a number");
  auto call = std::make_shared<QueryCall>();
  call->context = UnwrapContext(info[0]);
  call->attribute = info[1].As<Napi::Number>().Uint32Value();
  return PromiseWorker::Start(
      info.Env(), "credssp:QueryContextAttributes",
      [call]() {
        if (!call->context) return;
        auto lock = call->context->LockForUse();
        if (!call->context->Valid()) return;
        call->status = Query(call->context->Handle(), call->context->PackageName(), call->attribute, call->record);
      },
      [call](Napi::Env env) -> Napi::Value {
        Napi::Object result = Napi::Object::New(env);
        result.Set("status", Napi::Number::New(env, static_cast<uint32_t>(call->status)));
        if (call->status == SEC_E_OK) {
          Napi::Object value = Napi::Object::New(env);
          for (const auto& field : call->record.numbers) value.Set(field.first, Napi::Number::New(env, field.second));
          for (const auto& field : call->record.strings) value.Set(field.first, Napi::String::New(env, field.second));
          for (auto& field : call->record.bytes) {
            value.Set(field.first, Napi::Buffer<uint8_t>::Copy(env, field.second.data(), field.second.size()));
            SecureZeroMemory(field.second.data(), field.second.size());
          }
          result.Set("value", value);
        }
        return result;
      });
}

}  // namespace credssp
