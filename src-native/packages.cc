// EnumerateSecurityPackagesW: which packages this machine's Secur32 offers (Wine has no CredSSP).
#include "calls.h"
#include "sspi.h"
#include "worker.h"

#include <memory>
#include <vector>

namespace credssp {

namespace {

struct PackageEntry {
  std::u16string name;
  std::u16string comment;
  unsigned long capabilities;
  unsigned short version;
  unsigned short rpcId;
  unsigned long maxToken;
};

}  // namespace

// enumerateSecurityPackages() → Promise<{status, packages: Array<{name, comment, capabilities,
//   version, rpcid, maxToken}>}>
Napi::Value JsEnumerateSecurityPackages(const Napi::CallbackInfo& info) {
  struct EnumerateCall {
    SECURITY_STATUS status = SEC_E_INTERNAL_ERROR;
    std::vector<PackageEntry> packages;
  };
  auto call = std::make_shared<EnumerateCall>();
  return PromiseWorker::Start(
      info.Env(), "credssp:EnumerateSecurityPackages",
      [call]() {
        unsigned long count = 0;
        SecPkgInfoW* infos = nullptr;
        call->status = EnumerateSecurityPackagesW(&count, &infos);
        if (call->status != SEC_E_OK || infos == nullptr) return;
        for (unsigned long i = 0; i < count; i++) {
          call->packages.push_back(PackageEntry{FromWide(infos[i].Name), FromWide(infos[i].Comment),
                                                infos[i].fCapabilities, infos[i].wVersion, infos[i].wRPCID,
                                                infos[i].cbMaxToken});
        }
        FreeContextBuffer(infos);
      },
      [call](Napi::Env env) -> Napi::Value {
        Napi::Object result = Napi::Object::New(env);
        result.Set("status", Napi::Number::New(env, static_cast<uint32_t>(call->status)));
        Napi::Array packages = Napi::Array::New(env, call->packages.size());
        for (size_t i = 0; i < call->packages.size(); i++) {
          const PackageEntry& entry = call->packages[i];
          Napi::Object item = Napi::Object::New(env);
          item.Set("name", Napi::String::New(env, entry.name));
          item.Set("comment", Napi::String::New(env, entry.comment));
          item.Set("capabilities", Napi::Number::New(env, entry.capabilities));
          item.Set("version", Napi::Number::New(env, entry.version));
          item.Set("rpcid", Napi::Number::New(env, entry.rpcId));
          item.Set("maxToken", Napi::Number::New(env, entry.maxToken));
          packages.Set(static_cast<uint32_t>(i), item);
        }
        result.Set("packages", packages);
        return result;
      });
}

}  // namespace credssp
