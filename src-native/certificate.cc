// Certificate (see certificate.h).
#include "certificate.h"

#include <ncrypt.h>

namespace credssp {

namespace {

int HexDigit(char16_t c) {
  if (c >= u'0' && c <= u'9') return c - u'0';
  if (c >= u'a' && c <= u'f') return c - u'a' + 10;
  if (c >= u'A' && c <= u'F') return c - u'A' + 10;
  return -1;
}

bool HasPrivateKey(PCCERT_CONTEXT context) {
  DWORD size = 0;
  return CertGetCertificateContextProperty(context, CERT_KEY_PROV_INFO_PROP_ID, nullptr, &size) != FALSE;
}

// Deletes the persisted key a PFX import made (CNG: the import asked for the KSP).
void DeletePersistedKey(PCCERT_CONTEXT context) {
  DWORD size = 0;
  if (!CertGetCertificateContextProperty(context, CERT_KEY_PROV_INFO_PROP_ID, nullptr, &size)) return;
  std::vector<uint8_t> bytes(size);
  auto* info = reinterpret_cast<CRYPT_KEY_PROV_INFO*>(bytes.data());
  if (!CertGetCertificateContextProperty(context, CERT_KEY_PROV_INFO_PROP_ID, info, &size)) return;
  NCRYPT_PROV_HANDLE provider = 0;
  if (NCryptOpenStorageProvider(&provider, info->pwszProvName, 0) != ERROR_SUCCESS) return;
  NCRYPT_KEY_HANDLE key = 0;
  const DWORD machine = (info->dwFlags & CRYPT_MACHINE_KEYSET) ? NCRYPT_MACHINE_KEY_FLAG : 0;
  if (NCryptOpenKey(provider, &key, info->pwszContainerName, 0, machine) == ERROR_SUCCESS) {
    NCryptDeleteKey(key, 0);  // frees the handle too
  }
  NCryptFreeObject(provider);
}

}  // namespace

void CertificateSource::Read(Napi::Value value) {
  Napi::Env env = value.Env();
  if (!value.IsObject()) throw Napi::TypeError::New(env, "tls must be an object");
  Napi::Object tls = value.As<Napi::Object>();
  Napi::Value pfxValue = tls.Get("pfx");
  if (pfxValue.IsBuffer()) {
    fromStore = false;
    Napi::Buffer<uint8_t> bytes = pfxValue.As<Napi::Buffer<uint8_t>>();
    pfx.assign(bytes.Data(), bytes.Data() + bytes.Length());
    Napi::Value password = tls.Get("password");
    if (password.IsUndefined()) {
      pfxPassword.Read(Napi::String::New(env, ""));
    } else {
      pfxPassword.Read(password);
    }
    return;
  }
  Napi::Value store = tls.Get("store");
  Napi::Value location = tls.Get("location");
  Napi::Value thumb = tls.Get("thumbprint");
  if (!thumb.IsString()) throw Napi::TypeError::New(env, "tls needs a thumbprint or a pfx");
  storeName = store.IsString() ? ToWide(store.As<Napi::String>().Utf16Value()) : L"My";
  localMachine = location.IsString() && location.As<Napi::String>().Utf8Value() == "LocalMachine";
  // 40 hex digits; spaces and colons (as certificate viewers show them) are skipped.
  int high = -1;
  for (char16_t c : thumb.As<Napi::String>().Utf16Value()) {
    if (c == u' ' || c == u':') continue;
    const int digit = HexDigit(c);
    if (digit < 0) throw Napi::TypeError::New(env, "the thumbprint must be hexadecimal");
    if (high < 0) {
      high = digit;
    } else {
      thumbprint.push_back(static_cast<uint8_t>(high * 16 + digit));
      high = -1;
    }
  }
  if (high >= 0 || thumbprint.size() != 20) throw Napi::TypeError::New(env, "the thumbprint must be 40 hex digits");
}

SECURITY_STATUS Certificate::Open(CertificateSource& source) {
  if (source.fromStore) {
    const DWORD where = source.localMachine ? CERT_SYSTEM_STORE_LOCAL_MACHINE : CERT_SYSTEM_STORE_CURRENT_USER;
    store_ = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, where | CERT_STORE_OPEN_EXISTING_FLAG | CERT_STORE_READONLY_FLAG,
                           source.storeName.c_str());
    if (store_ == nullptr) return SEC_E_NO_CREDENTIALS;
    CRYPT_HASH_BLOB hash{static_cast<DWORD>(source.thumbprint.size()), source.thumbprint.data()};
    context_ = CertFindCertificateInStore(store_, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH,
                                          &hash, nullptr);
  } else {
    CRYPT_DATA_BLOB blob{static_cast<DWORD>(source.pfx.size()), source.pfx.data()};
    store_ = PFXImportCertStore(&blob, source.pfxPassword.Data(), PKCS12_ALWAYS_CNG_KSP);
    source.pfxPassword.Clear();
    SecureZeroMemory(source.pfx.data(), source.pfx.size());
    if (store_ == nullptr) return SEC_E_NO_CREDENTIALS;
    // The certificate that came with its key (a PFX may carry the chain too).
    for (PCCERT_CONTEXT next = CertEnumCertificatesInStore(store_, nullptr); next != nullptr;
         next = CertEnumCertificatesInStore(store_, next)) {
      if (HasPrivateKey(next)) {
        context_ = CertDuplicateCertificateContext(next);
        CertFreeCertificateContext(next);
        break;
      }
    }
    deleteKey_ = context_ != nullptr;
  }
  if (context_ == nullptr || !HasPrivateKey(context_)) return SEC_E_NO_CREDENTIALS;
  return SEC_E_OK;
}

Certificate::~Certificate() {
  if (context_ != nullptr) {
    if (deleteKey_) DeletePersistedKey(context_);
    CertFreeCertificateContext(context_);
  }
  if (store_ != nullptr) CertCloseStore(store_, 0);
}

}  // namespace credssp
