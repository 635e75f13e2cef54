import { enums, readKeys, type Key, type SignaturePacket, type Subkey } from 'openpgp';
import { ANY_TIME, READ_CONFIG } from './config.js';
import { sealError, messageOf } from './error.js';
import { algorithmBits, algorithmName, revocationReason } from './names.js';
import type { KeyInfo, KeyRevocation, SubkeyInfo } from './key.types.js';

export type KeyPacket = Key['keyPacket'] | Subkey['keyPacket'];

/** One (sub)key that may have made a signature, with what a check reports about it. */
export interface SigningCandidate {
  primary: KeyInfo;
  packet: KeyPacket;
  fingerprint: string;
  keyId: string;
  canSign: boolean;
  /** Earliest of the primary's and this subkey's expiry. */
  expires: Date | null;
  /** The primary's revocations, then this subkey's. */
  revocations: KeyRevocation[];
}

// Parsed key packets live beside each KeyInfo, not in it: KeyInfo stays plain data that
// JSON-serializes and compares cleanly, and verifySignatures never parses a key again.
const candidates = new WeakMap<KeyInfo, SigningCandidate[]>();

export function signingCandidates(info: KeyInfo): SigningCandidate[] | undefined {
  return candidates.get(info);
}

// readKeys reads the first armored block only: test the whole text so that a private
// key cannot hide behind a public one in the same file.
const PRIVATE_ARMOR = /-----BEGIN PGP PRIVATE KEY BLOCK-----/;

/** Reads exactly one armored public key, as pinned in a keyring. */
export async function readPublicKey(armored: string, source?: string): Promise<KeyInfo> {
  if (PRIVATE_ARMOR.test(armored)) throw privateKeyError(source);
  let keys: Key[];
  try {
    keys = await readKeys({ armoredKeys: armored, config: READ_CONFIG });
  } catch (error) {
    throw sealError('ESEAL_MALFORMED', `unreadable OpenPGP public key: ${messageOf(error)}`, source, { cause: error });
  }
  if (keys.some((key) => key.isPrivate())) throw privateKeyError(source);
  if (keys.length !== 1) {
    throw sealError('ESEAL_CONFIG', `expected exactly one public key, found ${keys.length}`, source);
  }
  return describeKey(keys[0]!, source);
}

function privateKeyError(source: string | undefined) {
  return sealError('ESEAL_CONFIG', 'expected a public key, found a private key: a private key must never be pinned', source);
}

// Not in OpenPGP.js's .d.ts, but public in its JSDoc: the self-signature it uses for
// expiry and key flags (the primary user's certification for v4, the direct-key one for v6).
interface KeyWithSelfSignature {
  getPrimarySelfSignature(date: Date, userID: undefined, config: typeof READ_CONFIG): Promise<SignaturePacket>;
}

/**
 * Describes a key as its key file states it, at no particular time: every check below
 * runs with ANY_TIME, so an expired or revoked key is still described (and its
 * signatures still checkable) — sealpack's policy applies revocation and expiry itself.
 */
export async function describeKey(key: Key, source?: string): Promise<KeyInfo> {
  const primary = key.keyPacket;
  const fingerprint = primary.getFingerprint().toUpperCase();
  let selfSignature: SignaturePacket;
  try {
    selfSignature = await (key as unknown as KeyWithSelfSignature).getPrimarySelfSignature(ANY_TIME, undefined, READ_CONFIG);
  } catch (error) {
    throw sealError('ESEAL_MALFORMED', `key ${fingerprint} has no valid self-signature: ${messageOf(error)}`, source, {
      fingerprint,
      cause: error,
    });
  }
  const expires = dateOrNull(await key.getExpirationTime(undefined, READ_CONFIG));
  const revocations = await validRevocations(key.revocationSignatures, primary, enums.signature.keyRevocation, { key: primary });

  // Only user IDs the key itself certified: anyone can append a user ID packet to a key file.
  const userIds: string[] = [];
  for (const user of key.users) {
    if (!user.userID) continue;
    const data = { userID: user.userID, key: primary };
    if (await latestValid(user.selfCertifications, primary, enums.signature.certGeneric, data)) userIds.push(user.userID.userID);
  }

  const info: KeyInfo = {
    fingerprint,
    keyId: primary.getKeyID().toHex().toUpperCase(),
    version: primary.version === 6 ? 6 : 4,
    algorithm: algorithmName(primary.algorithm),
    ...algorithmBits(primary.getAlgorithmInfo()),
    created: primary.created,
    expires,
    revocations,
    userIds,
    subkeys: [],
  };
  const found: SigningCandidate[] = [
    {
      primary: info,
      packet: primary,
      fingerprint,
      keyId: info.keyId,
      canSign: signsData(primary.algorithm, selfSignature),
      expires,
      revocations,
    },
  ];

  for (const subkey of key.subkeys) {
    const packet = subkey.keyPacket;
    const bind = { key: primary, bind: packet };
    const binding = await latestValid(subkey.bindingSignatures, primary, enums.signature.subkeyBinding, bind);
    // A subkey without a valid binding signature is not part of this key: skip it.
    if (!binding) continue;
    const sub: SubkeyInfo = {
      fingerprint: packet.getFingerprint().toUpperCase(),
      keyId: packet.getKeyID().toHex().toUpperCase(),
      algorithm: algorithmName(packet.algorithm),
      ...algorithmBits(packet.getAlgorithmInfo()),
      created: packet.created,
      expires: dateOrNull(await subkey.getExpirationTime(ANY_TIME, READ_CONFIG)),
      revocations: await validRevocations(subkey.revocationSignatures, primary, enums.signature.subkeyRevocation, bind),
      // A signing subkey must also sign the primary back (the embedded 0x19 signature),
      // or anyone could bind someone else's signing key to their own primary.
      canSign:
        signsData(packet.algorithm, binding) &&
        (await verifies(binding.embeddedSignature, packet, enums.signature.keyBinding, bind)),
    };
    info.subkeys.push(sub);
    found.push({
      primary: info,
      packet,
      fingerprint: sub.fingerprint,
      keyId: sub.keyId,
      canSign: sub.canSign,
      expires: earliest(expires, sub.expires),
      revocations: [...revocations, ...sub.revocations],
    });
  }
  candidates.set(info, found);
  return info;
}

const SIGNING_ALGORITHMS = new Set<number>([
  enums.publicKey.rsaEncryptSign,
  enums.publicKey.rsaSign,
  enums.publicKey.dsa,
  enums.publicKey.ecdsa,
  enums.publicKey.eddsaLegacy,
  enums.publicKey.ed25519,
  enums.publicKey.ed448,
  enums.publicKey.pqc_mldsa_ed25519,
]);

// Keys made before key flags existed have none: then the algorithm decides, as in GnuPG.
function signsData(algorithm: number, signature: SignaturePacket): boolean {
  const flags = signature.keyFlags;
  return SIGNING_ALGORITHMS.has(algorithm) && (flags === null || ((flags[0] ?? 0) & enums.keyFlags.signData) !== 0);
}

async function verifies(
  signature: SignaturePacket | null,
  key: KeyPacket,
  type: enums.signature,
  data: object,
): Promise<boolean> {
  if (!signature) return false;
  try {
    await signature.verify(key, type, data, ANY_TIME, false, READ_CONFIG);
    return true;
  } catch {
    return false;
  }
}

/** The newest signature that verifies, as OpenPGP.js picks self-signatures. */
async function latestValid(
  signatures: SignaturePacket[],
  key: KeyPacket,
  type: enums.signature,
  data: object,
): Promise<SignaturePacket | undefined> {
  const newestFirst = [...signatures].sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0));
  for (const signature of newestFirst) if (await verifies(signature, key, type, data)) return signature;
  return undefined;
}

// Only revocations the key made itself count; third-party ("designated revoker")
// signatures fail to verify against the primary and are ignored, as OpenPGP.js does.
async function validRevocations(
  signatures: SignaturePacket[],
  primary: KeyPacket,
  type: enums.signature,
  data: object,
): Promise<KeyRevocation[]> {
  const found: KeyRevocation[] = [];
  for (const signature of signatures) {
    if (!signature.created || !(await verifies(signature, primary, type, data))) continue;
    const comment = signature.reasonForRevocationString;
    found.push({
      reason: revocationReason(signature.reasonForRevocationFlag),
      date: signature.created,
      ...(comment ? { comment } : {}),
    });
  }
  return found;
}

function dateOrNull(value: Date | number | null): Date | null {
  return value instanceof Date ? value : null;
}

export function earliest(a: Date | null, b: Date | null): Date | null {
  if (!a || !b) return a ?? b;
  return a <= b ? a : b;
}
