/**
 * credssp: the Windows CredSSP, Negotiate and NTLM security packages for Node.js.
 * The public surface only: re-exports.
 */
export {
  acquireCredentialsHandle,
  initializeSecurityContext,
  acceptSecurityContext,
  completeAuthToken,
  deleteSecurityContext,
  freeCredentialsHandle,
  queryContextAttributes,
  encryptMessage,
  decryptMessage,
} from './api';
export type {
  AcquireCredentialsOptions,
  InitializeOptions,
  AcceptOptions,
  ContextResult,
  ContextAttribute,
  ContextAttributes,
  DelegatedCredentials,
  PackageInfo,
  SecBuffer,
  DelegationPolicy,
  UsersOption,
  EmulatedOptions,
  EmulatedCredsspOptions,
  EmulatedKerberosOptions,
  NativeOptions,
  NativeTlsOption,
} from './api';
export { authenticate, type AuthenticateTarget, type Transport } from './authenticate';
export { CredentialsHandle, SecurityContext } from './handles';
export {
  SEC,
  ISC_REQ,
  ISC_RET,
  ASC_REQ,
  ASC_RET,
  SECBUFFER,
  SECURITY_NATIVE_DREP,
  SECURITY_NETWORK_DREP,
  type PackageName,
  type StatusName,
} from './constants';
export { SspiError, statusName, type UnknownStatusName } from './errors';
export { backend } from './default-backend';
export {
  impersonateSecurityContext,
  credentialsDelegated,
  querySecurityContextToken,
  AccessToken,
  type AccountType,
  type ImpersonationLevel,
  type TokenAccount,
  type TokenGroup,
} from './impersonation';
