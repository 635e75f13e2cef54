import type { KeyRevocation } from './key.types.js';

/**
 * One signature packet checked against the given keys. `valid` is cryptographic validity
 * over the bytes only: revocation and expiry are reported, never applied, so the caller's
 * policy decides (a signature made before a soft revocation or before expiry stays good).
 */
export interface SignatureCheck {
  /** Position of the packet in the `.asc`. */
  index: number;
  created: Date;
  /** The signature's own expiration time (gpg --default-sig-expire), when it has one. */
  signatureExpires?: Date;
  version: 4 | 6;
  issuerKeyId: string;
  issuerFingerprint?: string;
  /** The given key this signature belongs to; undefined when no given key matches. */
  primaryFingerprint?: string;
  /** The (sub)key that made it; a subkey's signature counts for its primary. */
  signingKeyFingerprint?: string;
  /** Of the signing (sub)key, or from the packet when the key is unknown. */
  algorithm: string;
  bits?: number;
  /** `sha1` | `sha256` | `sha384` | `sha512` | … */
  hash: string;
  /** Carries the approval notation in its hashed area: an approval, never a release signature. */
  approval: boolean;
  valid: boolean;
  /** Why not valid, or why the key is unknown. */
  reason?: string;
  /** Earliest of the primary's and the signing subkey's expiry. */
  keyExpires: Date | null;
  /** Revocations of the primary and of the signing subkey found in the key file. */
  keyRevocations: KeyRevocation[];
}
