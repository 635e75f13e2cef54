/** Every diagnostic code of the contract (DESIGN.md, "Diagnostics"). */
export const SEAL_CODES = [
  'ESEAL_UNSIGNED',
  'ESEAL_BAD_SIGNATURE',
  'ESEAL_UNKNOWN_KEY',
  'ESEAL_KEY_REVOKED',
  'ESEAL_KEY_EXPIRED',
  'ESEAL_SIGNATURE_EXPIRED',
  'ESEAL_WEAK_ALGORITHM',
  'ESEAL_INTEGRITY',
  'ESEAL_MISSING_FILE',
  'ESEAL_EXTRA_FILE',
  'ESEAL_IDENTITY',
  'ESEAL_KEY_SCOPE',
  'ESEAL_THRESHOLD',
  'ESEAL_APPROVAL',
  'ESEAL_MALFORMED',
  'ESEAL_CONFIG',
  'ESEAL_REGISTRY',
  'ESEAL_DOWNGRADE',
  'ESEAL_LEDGER',
] as const;

export type SealCode = (typeof SEAL_CODES)[number];

/** Thrown, these mean the input could not be used at all (exit 2), not that it failed verification (exit 1). */
export const INPUT_CODES: ReadonlySet<SealCode> = new Set<SealCode>(['ESEAL_CONFIG', 'ESEAL_MALFORMED', 'ESEAL_REGISTRY']);
