// QuerySecurityContextToken: the access token of an acceptor context's client, and what Node can
// do with it: read who it is (TokenUser, TokenGroups, TokenType, TokenImpersonationLevel, names
// by LookupAccountSidW) and ask whether it holds a group (CheckTokenMembership). The token
// handle lives in a TokenState (handles.h) and is CloseHandle'd exactly once: by closeToken, by
// the release thread for a token the user forgot, or by the destructor. Every call runs on a
// worker thread: LookupAccountSidW may ask a domain controller.
#include "calls.h"
#include "handles.h"
#include "worker.h"

#include <sddl.h>

#include <cstdint>
#include <string>
#include <vector>

#ifdef _MSC_VER
#pragma comment(lib, "advapi32.lib")
#endif

namespace credssp {

namespace {

struct Account {
  std::u16string sid;
  bool named = false;  // LookupAccountSidW found it
  std::u16string name;
  std::u16string domain;
  int use = 0;  // SID_NAME_USE
  unsigned long attributes = 0;  // groups only: SE_GROUP_*
};

struct TokenRead {
  Account user;
  std::vector<Account> groups;
  int type = 0;   // TOKEN_TYPE: 1 primary, 2 impersonation
  int level = -1;  // SECURITY_IMPERSONATION_LEVEL, impersonation tokens only
};

// The two-call GetTokenInformation; empty with `error` set when the token does not answer.
std::vector<uint8_t> TokenInformation(HANDLE token, TOKEN_INFORMATION_CLASS kind, DWORD& error) {
  DWORD size = 0;
  if (!GetTokenInformation(token, kind, nullptr, 0, &size) && GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
    error = GetLastError();
    return {};
  }
  std::vector<uint8_t> data(size);
  if (size == 0 || !GetTokenInformation(token, kind, data.data(), size, &size)) {
    error = size == 0 ? ERROR_INVALID_DATA : GetLastError();
    return {};
  }
  return data;
}

bool ReadAccount(PSID sid, Account& account) {
  wchar_t* text = nullptr;
  if (!ConvertSidToStringSidW(sid, &text)) return false;
  account.sid = FromWide(text);
  LocalFree(text);
  DWORD nameLength = 0;
  DWORD domainLength = 0;
  SID_NAME_USE use = SidTypeUnknown;
  LookupAccountSidW(nullptr, sid, nullptr, &nameLength, nullptr, &domainLength, &use);
  if (GetLastError() != ERROR_INSUFFICIENT_BUFFER || nameLength == 0) return true;  // no name: the SID only
  std::vector<wchar_t> name(nameLength);
  std::vector<wchar_t> domain(domainLength + 1);
  if (LookupAccountSidW(nullptr, sid, name.data(), &nameLength, domain.data(), &domainLength, &use)) {
    account.named = true;
    account.name = FromWide(name.data());
    account.domain = FromWide(domain.data());
    account.use = static_cast<int>(use);
  }
  return true;
}

// SEC_E_OK, or the failure as a status (the Win32 error in `error`).
SECURITY_STATUS ReadToken(HANDLE token, TokenRead& read, DWORD& error) {
  std::vector<uint8_t> user = TokenInformation(token, TokenUser, error);
  if (user.empty()) return SEC_E_INTERNAL_ERROR;
  if (!ReadAccount(reinterpret_cast<TOKEN_USER*>(user.data())->User.Sid, read.user)) {
    error = GetLastError();
    return SEC_E_INTERNAL_ERROR;
  }
  std::vector<uint8_t> groups = TokenInformation(token, TokenGroups, error);
  if (groups.empty()) return SEC_E_INTERNAL_ERROR;
  const auto* list = reinterpret_cast<TOKEN_GROUPS*>(groups.data());
  for (DWORD i = 0; i < list->GroupCount; i++) {
    Account group;
    if (!ReadAccount(list->Groups[i].Sid, group)) continue;
    group.attributes = list->Groups[i].Attributes;
    read.groups.push_back(std::move(group));
  }
  std::vector<uint8_t> type = TokenInformation(token, TokenType, error);
  if (type.size() >= sizeof(TOKEN_TYPE)) read.type = static_cast<int>(*reinterpret_cast<TOKEN_TYPE*>(type.data()));
  if (read.type == TokenImpersonation) {
    std::vector<uint8_t> level = TokenInformation(token, TokenImpersonationLevel, error);
    if (level.size() >= sizeof(SECURITY_IMPERSONATION_LEVEL))
      read.level = static_cast<int>(*reinterpret_cast<SECURITY_IMPERSONATION_LEVEL*>(level.data()));
  }
  error = 0;
  return SEC_E_OK;
}

Napi::Object AccountObject(Napi::Env env, const Account& account, bool group) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("sid", Napi::String::New(env, account.sid));
  object.Set("name", account.named ? Napi::Value(Napi::String::New(env, account.name)) : env.Null());
  object.Set("domain", account.named ? Napi::Value(Napi::String::New(env, account.domain)) : env.Null());
  object.Set("use", Napi::Number::New(env, account.use));
  if (group) object.Set("attributes", Napi::Number::New(env, static_cast<double>(account.attributes)));
  return object;
}

}  // namespace

// querySecurityContextToken(context) → Promise<{status, win32Error?, token?, user?, groups?,
// type?, level?}>: on SEC_E_OK the token (a tagged External that owns the handle) and what it
// holds. A token whose reading fails is closed before the promise settles.
Napi::Value JsQuerySecurityContextToken(const Napi::CallbackInfo& info) {
  struct QueryCall {
    ContextRef context;
    SECURITY_STATUS status = SEC_E_INVALID_HANDLE;
    DWORD win32Error = 0;
    TokenRef token;
    TokenRead read;
  };
  auto call = std::make_shared<QueryCall>();
  call->context = UnwrapContext(info[0]);
  return PromiseWorker::Start(
      info.Env(), "credssp:QuerySecurityContextToken",
      [call]() {
        if (!call->context) return;
        HANDLE handle = nullptr;
        {
          auto lock = call->context->LockForUse();
          if (!call->context->Valid()) return;
          call->status = QuerySecurityContextToken(call->context->Handle(), &handle);
        }
        if (call->status != SEC_E_OK) return;
        // Owned from here on: the destructor closes it on every path that drops it.
        auto token = std::make_shared<TokenState>(handle);
        call->status = ReadToken(handle, call->read, call->win32Error);
        if (call->status == SEC_E_OK) call->token = std::move(token);
      },
      [call](Napi::Env env) -> Napi::Value {
        Napi::Object result = Napi::Object::New(env);
        result.Set("status", Napi::Number::New(env, static_cast<uint32_t>(call->status)));
        if (call->win32Error != 0) result.Set("win32Error", Napi::Number::New(env, call->win32Error));
        if (call->status != SEC_E_OK || !call->token) return result;
        result.Set("user", AccountObject(env, call->read.user, false));
        Napi::Array groups = Napi::Array::New(env, call->read.groups.size());
        for (size_t i = 0; i < call->read.groups.size(); i++)
          groups.Set(static_cast<uint32_t>(i), AccountObject(env, call->read.groups[i], true));
        result.Set("groups", groups);
        result.Set("type", Napi::Number::New(env, call->read.type));
        result.Set("level", Napi::Number::New(env, call->read.level));
        // Last, so nothing above can throw with the handle wrapped but not returned.
        result.Set("token", WrapToken(env, std::move(call->token)));
        return result;
      });
}

// tokenIsMember(token, sid: string) → Promise<{status, member?, win32Error?}>: CheckTokenMembership,
// which needs an impersonation token (a primary one is duplicated at identification level).
// A string that is not a SID is SEC_E_INVALID_PARAMETER (lib/native checks the syntax first).
Napi::Value JsTokenIsMember(const Napi::CallbackInfo& info) {
  struct MemberCall {
    TokenRef token;
    std::wstring sid;
    SECURITY_STATUS status = SEC_E_INVALID_HANDLE;
    DWORD win32Error = 0;
    bool member = false;
  };
  if (!info[1].IsString()) throw Napi::TypeError::New(info.Env(), "sid must be a string");
  auto call = std::make_shared<MemberCall>();
  call->token = UnwrapToken(info[0]);
  call->sid = ToWide(info[1].As<Napi::String>().Utf16Value());
  return PromiseWorker::Start(
      info.Env(), "credssp:CheckTokenMembership",
      [call]() {
        if (!call->token) return;
        PSID sid = nullptr;
        if (!ConvertStringSidToSidW(call->sid.c_str(), &sid)) {
          call->status = SEC_E_INVALID_PARAMETER;
          call->win32Error = GetLastError();
          return;
        }
        auto lock = call->token->LockForUse();
        if (call->token->Valid()) {
          BOOL member = FALSE;
          BOOL ok = CheckTokenMembership(call->token->Handle(), sid, &member);
          if (!ok && GetLastError() == ERROR_NO_IMPERSONATION_TOKEN) {
            HANDLE duplicate = nullptr;
            if (DuplicateToken(call->token->Handle(), SecurityIdentification, &duplicate)) {
              ok = CheckTokenMembership(duplicate, sid, &member);
              const DWORD error = GetLastError();
              CloseHandle(duplicate);
              SetLastError(error);
            }
          }
          call->status = ok ? SEC_E_OK : SEC_E_INTERNAL_ERROR;
          if (!ok) call->win32Error = GetLastError();
          call->member = ok && member;
        }
        LocalFree(sid);
      },
      [call](Napi::Env env) -> Napi::Value {
        Napi::Object result = Napi::Object::New(env);
        result.Set("status", Napi::Number::New(env, static_cast<uint32_t>(call->status)));
        if (call->win32Error != 0) result.Set("win32Error", Napi::Number::New(env, call->win32Error));
        if (call->status == SEC_E_OK) result.Set("member", Napi::Boolean::New(env, call->member));
        return result;
      });
}

// closeToken(token) → Promise<status>: CloseHandle once; SEC_E_INVALID_HANDLE after that.
Napi::Value JsCloseToken(const Napi::CallbackInfo& info) {
  TokenRef token = UnwrapToken(info[0]);
  auto status = std::make_shared<SECURITY_STATUS>(SEC_E_INVALID_HANDLE);
  return PromiseWorker::Start(
      info.Env(), "credssp:CloseHandle",
      [token, status]() {
        if (token) *status = token->Close();
      },
      [status](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, static_cast<uint32_t>(*status)); });
}

}  // namespace credssp
