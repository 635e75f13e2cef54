export {
  DEFAULT_KEYRING,
  DEFAULT_REVOCATIONS,
  DEFAULT_UNSIGNED,
  DEFAULT_MIN_RSA_BITS,
  DEFAULT_HASHES,
  DEFAULT_LEDGER,
} from './constants.js';
export type {
  UnsignedMode,
  Channel,
  TrustRule,
  PolicyException,
  Policy,
  InstallScriptRule,
  Alerts,
  SigningWindow,
} from './policy.types.js';
export { installAllowance } from './install-scripts.js';
export type { InstallAllowance } from './install-scripts.js';
export { policySchema } from './schema.js';
export { loadPolicy, SEARCH_PLACES } from './policy.js';
export { readKeyring } from './keyring.js';
export type { Keyring, PinnedKey } from './keyring.js';
export { readRevocations, findRevocation } from './revocation.js';
export type { Revocation } from './revocation.js';
export { loadTrust } from './trust.js';
export type { Trust } from './trust.types.js';
export { channelOf } from './channel.js';
export { sealRequirement, coveringRequirement } from './coverage.js';
export type { SealRequirement, SubjectNames, CoveringRequirement, Unsealed } from './coverage.js';
export { judgeSignatures, judgeTarballSignatures } from './judgement.js';
export type { SignerInfo, SignatureJudgement } from './judgement.js';
export { planKeyUpdate } from './rotation.js';
export type { Certifier, KeyUpdatePlan, PlannedKey, PlannedRevocation, PlannedRuleChange } from './rotation.js';
