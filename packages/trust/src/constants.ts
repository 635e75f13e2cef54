/** Where pinned public keys live, relative to the config file's folder. */
export const DEFAULT_KEYRING = '.sealpack/keys';
/** The pinned revocation list, relative to the config file's folder. */
export const DEFAULT_REVOCATIONS = '.sealpack/revocations.json';
/** What happens to a package no explicit trust rule covers and that has no seal. */
export const DEFAULT_UNSIGNED = 'warn';
/** RSA keys under this size are refused. */
export const DEFAULT_MIN_RSA_BITS = 3072;
/** Signature hashes accepted by default (SHA-1 is not). */
export const DEFAULT_HASHES: readonly string[] = Object.freeze(['sha256', 'sha384', 'sha512']);
/** A rule's threshold when the config does not give one. */
export const DEFAULT_THRESHOLD = 1;
/** How far in the future a signature's creation time may be (signer clock skew) before it is refused. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** The audit ledger folder, relative to the config file's folder. */
export const DEFAULT_LEDGER = '.sealpack/ledger';
