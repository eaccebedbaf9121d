// The certificate a native CredSSP acceptor presents (its TLS side needs one): from a Windows
// certificate store by SHA-1 thumbprint, or imported from a PFX. A PFX's private key is
// persisted for the credential's lifetime (Schannel uses the key from LSA, which cannot reach a
// key that exists only in this process) and deleted when the credential is released.
#pragma once

#include "secret.h"
#include "sspi.h"

#include <cstdint>
#include <string>
#include <vector>

#include <wincrypt.h>

namespace credssp {

// What JavaScript asked for, copied on the JavaScript thread.
struct CertificateSource {
  bool fromStore = true;
  std::wstring storeName;   // e.g. L"My"
  bool localMachine = false;
  std::vector<uint8_t> thumbprint;  // 20 bytes
  std::vector<uint8_t> pfx;
  SecretWide pfxPassword;

  // From {store?, location?, thumbprint} or {pfx, password?}; throws a TypeError otherwise.
  void Read(Napi::Value value);
};

// An open certificate context with a private key; released (and a PFX's key deleted) on
// destruction, which the credential state defers until after FreeCredentialsHandle.
class Certificate {
 public:
  Certificate() = default;
  ~Certificate();
  Certificate(const Certificate&) = delete;
  Certificate& operator=(const Certificate&) = delete;

  // SEC_E_OK, or SEC_E_NO_CREDENTIALS when the store has no such certificate with a key, or the
  // PFX does not open with that password.
  SECURITY_STATUS Open(CertificateSource& source);
  PCCERT_CONTEXT Context() const { return context_; }

 private:
  HCERTSTORE store_ = nullptr;
  PCCERT_CONTEXT context_ = nullptr;
  bool deleteKey_ = false;
};

}  // namespace credssp
