// Maps OpenPGP.js enum values to the stable lowercase names sealpack reports and
// policy refers to, so that callers never depend on OpenPGP.js's enum spellings.
import { enums, type AlgorithmInfo } from './openpgp.js';
import type { KeyRevocation } from './key.types.js';

const ALGORITHMS: Record<number, string> = {
  [enums.publicKey.rsaEncryptSign]: 'rsa',
  [enums.publicKey.rsaEncrypt]: 'rsa',
  [enums.publicKey.rsaSign]: 'rsa',
  [enums.publicKey.elgamal]: 'elgamal',
  [enums.publicKey.dsa]: 'dsa',
  [enums.publicKey.ecdh]: 'ecdh',
  [enums.publicKey.ecdsa]: 'ecdsa',
  // v4 "EdDSA legacy" over Ed25519 and the RFC 9580 Ed25519 are the same curve for policy.
  [enums.publicKey.eddsaLegacy]: 'ed25519',
  [enums.publicKey.ed25519]: 'ed25519',
  [enums.publicKey.ed448]: 'ed448',
  [enums.publicKey.x25519]: 'x25519',
  [enums.publicKey.x448]: 'x448',
  [enums.publicKey.pqc_mldsa_ed25519]: 'mldsa-ed25519',
};

export function algorithmName(algorithm: number | null): string {
  return ALGORITHMS[algorithm ?? -1] ?? `unknown(${algorithm})`;
}

/** `bits` only where the size is a parameter of the algorithm (RSA, DSA, ElGamal). */
export function algorithmBits(info: AlgorithmInfo): { bits?: number } {
  return info.bits === undefined ? {} : { bits: info.bits };
}

const HASHES: Record<number, string> = {
  [enums.hash.md5]: 'md5',
  [enums.hash.sha1]: 'sha1',
  [enums.hash.ripemd]: 'ripemd160',
  [enums.hash.sha224]: 'sha224',
  [enums.hash.sha256]: 'sha256',
  [enums.hash.sha384]: 'sha384',
  [enums.hash.sha512]: 'sha512',
  [enums.hash.sha3_256]: 'sha3-256',
  [enums.hash.sha3_512]: 'sha3-512',
};

export function hashName(hash: number | null): string {
  return HASHES[hash ?? -1] ?? `unknown(${hash})`;
}

const REASONS: Record<number, KeyRevocation['reason']> = {
  [enums.reasonForRevocation.keySuperseded]: 'superseded',
  [enums.reasonForRevocation.keyCompromised]: 'compromised',
  [enums.reasonForRevocation.keyRetired]: 'retired',
};

/** No reason, and any code sealpack does not know, is `unspecified`: a hard revocation. */
export function revocationReason(flag: number | null): KeyRevocation['reason'] {
  return REASONS[flag ?? -1] ?? 'unspecified';
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}
