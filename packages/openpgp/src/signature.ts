import { LiteralDataPacket, SignaturePacket, enums } from './openpgp.js';
import { isApprovalPacket } from './approval.js';
import { armorSignaturePackets, packetKey, readSignaturePackets } from './armor.js';
import { ANY_TIME, READ_CONFIG } from './config.js';
import { sealError, messageOf } from './error.js';
import { signingCandidates, type SigningCandidate } from './key.js';
import { checkDocumentSignature } from './node-check.js';
import { algorithmBits, algorithmName, hashName, hex } from './names.js';
import type { KeyInfo } from './key.types.js';
import type { SignatureCheck } from './signature.types.js';

/**
 * One armored block with the signature packets of `existing`, then those of `added`;
 * a packet already present (byte for byte) is not added again.
 */
export async function appendSignatures(existing: string | Uint8Array, added: string): Promise<string> {
  const [first, second] = await Promise.all([readSignaturePackets(existing, undefined), readSignaturePackets(added, undefined)]);
  const seen = new Set(first.map(packetKey));
  for (const packet of second) {
    const key = packetKey(packet);
    if (seen.has(key)) continue;
    seen.add(key);
    first.push(packet);
  }
  return armorSignaturePackets(first);
}

/**
 * Checks every signature packet of a detached signature over `data` against `keys`
 * (from readPublicKey or readKeyFile): every armored block, or binary packets as gpg
 * writes them without -a; copies of one packet are checked once. `valid` is cryptographic validity only: the key's revocations and
 * expiry are reported beside it, for the caller's policy to apply.
 */
export async function verifySignatures(
  data: Uint8Array,
  signature: string | Uint8Array,
  keys: readonly KeyInfo[],
  source?: string,
): Promise<SignatureCheck[]> {
  const packets = await readSignaturePackets(signature, source);
  const byKeyId = indexKeys(keys);
  const literal = literalData(data);
  const checks: SignatureCheck[] = [];
  for (const [index, packet] of packets.entries()) {
    // Packets OpenPGP.js cannot parse (unknown versions) are kept but cannot be checked.
    if (!(packet instanceof SignaturePacket)) continue;
    checks.push(await checkPacket(packet, index, literal, byKeyId, source));
  }
  return checks;
}

// What a document signature is computed over. setBytes is public in OpenPGP.js but
// marked private in its .d.ts.
function literalData(data: Uint8Array): LiteralDataPacket {
  const literal = new LiteralDataPacket();
  (literal as unknown as { setBytes(bytes: Uint8Array, format: enums.literal): void }).setBytes(data, enums.literal.binary);
  return literal;
}

// Keyed by key id (the part every signature carries), primary keys and subkeys alike.
function indexKeys(keys: readonly KeyInfo[]): Map<string, SigningCandidate[]> {
  const byKeyId = new Map<string, SigningCandidate[]>();
  for (const [i, key] of keys.entries()) {
    const found = signingCandidates(key);
    if (!found) throw sealError('ESEAL_CONFIG', `keys[${i}] (${key.fingerprint}) was not read by readPublicKey`, undefined);
    for (const candidate of found) byKeyId.set(candidate.keyId, [...(byKeyId.get(candidate.keyId) ?? []), candidate]);
  }
  return byKeyId;
}

async function checkPacket(
  packet: SignaturePacket,
  index: number,
  literal: LiteralDataPacket,
  byKeyId: Map<string, SigningCandidate[]>,
  source: string | undefined,
): Promise<SignatureCheck> {
  const issuerKeyId = packet.issuerKeyID.toHex().toUpperCase();
  const issuerFingerprint = packet.issuerFingerprint ? hex(packet.issuerFingerprint) : undefined;
  // OpenPGP.js refuses such a packet when it reads it; checked again here because any
  // stand-in date would be before every revocation and expiry, and so fail open.
  if (!(packet.created instanceof Date) || Number.isNaN(packet.created.getTime())) {
    throw sealError('ESEAL_MALFORMED', `signature packet ${index} has no creation time`, source);
  }
  const base = {
    index,
    created: packet.created,
    ...signatureExpiry(packet),
    version: packet.version === 6 ? 6 : 4,
    issuerKeyId,
    ...(issuerFingerprint ? { issuerFingerprint } : {}),
    hash: hashName(packet.hashAlgorithm),
    approval: isApprovalPacket(packet),
  } as const;
  // When the packet names the full fingerprint, a key id collision cannot match.
  const matching = (byKeyId.get(issuerKeyId) ?? []).filter((c) => !issuerFingerprint || c.fingerprint === issuerFingerprint);
  if (matching.length === 0) {
    return {
      ...base,
      algorithm: algorithmName(packet.publicKeyAlgorithm),
      valid: false,
      reason: `unknown key: no given key has ${issuerFingerprint ? `fingerprint ${issuerFingerprint}` : `key id ${issuerKeyId}`}`,
      keyExpires: null,
      keyRevocations: [],
    };
  }
  // Normally one candidate; several only when the same key is given twice or key ids
  // collide: the first that verifies wins, else the first one's reason is reported.
  const reasons: string[] = [];
  for (const candidate of matching) {
    const reason = await verifyWith(packet, candidate, literal);
    if (!reason) return report(base, candidate, '');
    reasons.push(reason);
  }
  return report(base, matching[0]!, reasons[0]!);
}

// OpenPGP: an expiration time of 0 (or none) means the signature never expires.
function signatureExpiry(packet: SignaturePacket): { signatureExpires?: Date } {
  const seconds = packet.signatureExpirationTime;
  if (packet.signatureNeverExpires || !seconds) return {};
  return { signatureExpires: new Date(packet.created!.getTime() + Number(seconds) * 1000) };
}

function report(
  base: Omit<SignatureCheck, 'algorithm' | 'valid' | 'keyExpires' | 'keyRevocations'>,
  candidate: SigningCandidate,
  reason: string,
): SignatureCheck {
  return {
    ...base,
    primaryFingerprint: candidate.primary.fingerprint,
    signingKeyFingerprint: candidate.fingerprint,
    algorithm: algorithmName(candidate.packet.algorithm),
    ...algorithmBits(candidate.packet.getAlgorithmInfo()),
    valid: reason === '',
    ...(reason ? { reason } : {}),
    keyExpires: candidate.expires,
    keyRevocations: [...candidate.revocations],
  };
}

/** '' when the packet verifies over the data, else why not. */
async function verifyWith(packet: SignaturePacket, candidate: SigningCandidate, literal: LiteralDataPacket): Promise<string> {
  const type = packet.signatureType;
  // A text-mode (0x01) signature is checked over the data with line endings made CRLF, so
  // the same signature would cover a manifest rewritten with other line endings: only a
  // binary signature covers the exact bytes.
  if (type === enums.signature.text) return 'text-mode signature: sealpack requires a binary signature over the exact bytes';
  if (type !== enums.signature.binary) {
    return `signature type 0x${(type ?? 0).toString(16).padStart(2, '0')} is not a document signature`;
  }
  if (!candidate.canSign) return `key ${candidate.fingerprint} may not sign data (no signing flag or no back-signature)`;
  // Ed25519 and RSA with the key Node imported once; anything else, or anything unusual, by OpenPGP.js.
  const checked = checkDocumentSignature(packet, candidate, literal);
  if (checked !== undefined) return checked && `signature does not verify: ${checked}`;
  try {
    // Straight against the key packet, at no particular time: OpenPGP.js's verify() would
    // refuse a revoked or expired key, and its config would refuse SHA-1 (READ_CONFIG).
    await packet.verify(candidate.packet, enums.signature.binary, literal, ANY_TIME, true, READ_CONFIG);
    return '';
  } catch (error) {
    return `signature does not verify: ${messageOf(error)}`;
  }
}
