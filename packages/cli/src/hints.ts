import type { SealCode } from '@sealpack/diagnostics';

/** What a user can do about each code. Only the CLI adds hints; libraries state facts. */
const HINTS: Record<SealCode, string> = {
  ESEAL_UNSIGNED:
    'the package has no seal; ask its publisher to publish with `sealpack publish`, or add a dated exception to your policy',
  ESEAL_BAD_SIGNATURE:
    'the signature does not match the bytes: the manifest or its signature was altered after signing; do not install it',
  ESEAL_UNKNOWN_KEY:
    'the signer is not in your keyring; check the fingerprint with the publisher out of band, then pin it in .sealpack/keys/NAME.asc',
  ESEAL_KEY_REVOKED: 'the key was revoked; ask the publisher for a release signed with their new key',
  ESEAL_KEY_EXPIRED:
    'the signature was made after the key expired; the publisher must extend the key (and you re-pin it) or sign with a current key',
  ESEAL_SIGNATURE_EXPIRED:
    'the signature is outside its own lifetime (past its expiration time, or dated before its key was created); ask the publisher to sign again',
  ESEAL_WEAK_ALGORITHM:
    'the signature uses an algorithm your policy refuses (SHA-1, RSA under 3072 bits); the publisher should re-sign with Ed25519 or RSA-3072+',
  ESEAL_INTEGRITY:
    'the bytes differ from what was signed: the package was altered after signing; reinstall from a trusted source and investigate',
  ESEAL_MISSING_FILE: 'a signed file is missing: the package was altered after signing, or installed incompletely; reinstall it',
  ESEAL_EXTRA_FILE: 'a file not in the manifest is present; if a build step writes it, allow it with `extraFiles` in your policy',
  ESEAL_IDENTITY: 'the seal belongs to another package or version: a seal was swapped; do not install it',
  ESEAL_KEY_SCOPE:
    'the key is pinned but not trusted for this package; extend the `trust` rule in your policy if that is intended',
  ESEAL_THRESHOLD:
    'more distinct signers are required; ask another trusted maintainer to run `sealpack sign` on the same tarball',
  ESEAL_MALFORMED: 'the file is not what it claims to be (corrupt, truncated, or crafted); fetch it again from a trusted source',
  ESEAL_CONFIG: 'fix the configuration, keyring or input named above; see the README for the policy format',
};

export function hintFor(code: SealCode): string {
  return HINTS[code];
}
