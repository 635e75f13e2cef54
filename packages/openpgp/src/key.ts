import {
  PacketList,
  PublicKey,
  PublicKeyPacket,
  PublicSubkeyPacket,
  SecretKeyPacket,
  SecretSubkeyPacket,
  SignaturePacket,
  UnparseablePacket,
  UserAttributePacket,
  UserIDPacket,
  enums,
  type AnyPacket,
  type Key,
  type Subkey,
} from './openpgp.js';
import { readBlocks } from './armor.js';
import { ANY_TIME, READ_CONFIG } from './config.js';
import { sealError, messageOf } from './error.js';
import { algorithmBits, algorithmName, revocationReason } from './names.js';
import type { KeyInfo, KeyRevocation, SubkeyInfo } from './key.types.js';
import type { NodeKey } from './node-check.js';

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
  /** Node's key for it, imported on its first check (node-check.ts); null when OpenPGP.js checks it. */
  nodeKey?: NodeKey | null;
}

// Parsed key packets live beside each KeyInfo, not in it: KeyInfo stays plain data that
// JSON-serializes and compares cleanly, and verifySignatures never parses a key again.
const candidates = new WeakMap<KeyInfo, SigningCandidate[]>();

export function signingCandidates(info: KeyInfo): SigningCandidate[] | undefined {
  return candidates.get(info);
}

/** What a key file holds: the certificates sealpack can use, and why others were skipped. */
export interface KeyFileContents {
  keys: KeyInfo[];
  /** One line per certificate or revocation that cannot be used, for the caller to warn about. */
  warnings: string[];
  /**
   * Issuers (fingerprint, else key id) of revocation signatures that revoke nothing in this
   * file: the keyring refuses one whose issuer is pinned in another file, where it would count.
   */
  strays: string[];
}

// The packets a key file may hold, for PacketList.fromBinary. OpenPGP.js indexes this by tag
// (`allowed[tag]`), though its .d.ts says Map. Secret packets are read so that they are
// refused, not skipped.
export const KEY_PACKETS = Object.fromEntries(
  [
    PublicKeyPacket,
    PublicSubkeyPacket,
    SecretKeyPacket,
    SecretSubkeyPacket,
    UserIDPacket,
    UserAttributePacket,
    SignaturePacket,
  ].map((type) => [type.tag, type]),
) as unknown as Parameters<typeof PacketList.fromBinary>[1];
const REVOCATIONS = new Set<number>([enums.signature.keyRevocation, enums.signature.subkeyRevocation]);
const SECRET_TAGS = new Set<number>([enums.packet.secretKey, enums.packet.secretSubkey]);
const tagOf = (packet: AnyPacket): number =>
  packet instanceof UnparseablePacket ? packet.tag : (packet.constructor as unknown as { tag: number }).tag;

/**
 * Reads a key file whole, as gpg and Sequoia read it: every armored block or the binary
 * packets (`NAME.gpg`, `NAME.pgp`), every certificate in them (a certificate split over
 * several blocks is merged), and revocation certificates appended on their own
 * (`gpg --gen-revoke`, `sq revoke certificate`), which count for the certificate they
 * verify against. Secret key material anywhere is ESEAL_CONFIG; a file with no readable
 * certificate is ESEAL_MALFORMED; a certificate sealpack cannot use (no self-signature it
 * can check, an unsupported algorithm) is skipped with a warning, never breaking the others.
 */
export async function readKeyFile(input: string | Uint8Array, source?: string): Promise<KeyFileContents> {
  const blocks = await readBlocks(input, source, 'public key');
  const certificates = new Map<string, AnyPacket[]>();
  const loose: { signature: SignaturePacket; after?: PublicKeyPacket }[] = [];
  const unsupported: string[] = [];
  for (const block of blocks) {
    if (block.armor === enums.armor.privateKey) throw privateKeyError(source);
    if (block.armor !== undefined && block.armor !== enums.armor.publicKey) {
      throw sealError(
        'ESEAL_MALFORMED',
        `expected public key blocks, found a ${enums.read(enums.armor, block.armor)} block`,
        source,
      );
    }
    let packets: PacketList<AnyPacket>;
    try {
      packets = await PacketList.fromBinary(block.data, KEY_PACKETS, READ_CONFIG);
    } catch (error) {
      throw sealError('ESEAL_MALFORMED', `unreadable OpenPGP public key: ${messageOf(error)}`, source, { cause: error });
    }
    // Checked on the packets, not the armor header: a PUBLIC header can hold a secret key.
    if (packets.some((packet) => SECRET_TAGS.has(tagOf(packet)))) throw privateKeyError(source);
    let current: AnyPacket[] | undefined;
    for (const packet of packets) {
      // A certificate OpenPGP.js cannot read (a key version, algorithm or curve it does not
      // support: GnuPG 2.3's v5 Ed448 keys) is skipped with a warning, its packets with it, never
      // joining the certificate before it. Only one that looks like a key packet: garbage stays an error.
      const unreadable = packet instanceof UnparseablePacket && packet.tag === enums.packet.publicKey && unsupportedKey(packet);
      if (unreadable) {
        unsupported.push(
          `${source ?? 'key file'}: ${unreadable} that sealpack cannot use (OpenPGP.js does not support it) is skipped`,
        );
        current = [];
        continue;
      }
      if (packet instanceof PublicKeyPacket && !(packet instanceof PublicSubkeyPacket)) {
        const fingerprint = packet.getFingerprint().toUpperCase();
        current = certificates.get(fingerprint);
        if (current) continue; // the same certificate again: its packets join the first copy's
        current = [packet];
        certificates.set(fingerprint, current);
      } else if (packet instanceof SignaturePacket && REVOCATIONS.has(packet.signatureType ?? -1)) {
        // Attached by its issuer, not its place: concatenated files (`cat a.gpg b.gpg
        // a-rev.gpg`) put A's revocation after B's packets, where it would fail against B
        // and be dropped. The certificate it follows is the fallback for one naming no issuer.
        loose.push({ signature: packet, ...(current ? { after: current[0] as PublicKeyPacket } : {}) });
      } else if (current) current.push(packet);
      else if (packet instanceof SignaturePacket) loose.push({ signature: packet });
    }
  }
  if (certificates.size === 0 && unsupported.length === 0) {
    throw sealError('ESEAL_MALFORMED', 'expected an OpenPGP public key, found none', source);
  }

  const keys: KeyInfo[] = [];
  const warnings: string[] = [...unsupported];
  const read: Key[] = [];
  for (const [fingerprint, packets] of certificates) {
    try {
      const list = new PacketList<AnyPacket>();
      list.push(...packets);
      read.push(new PublicKey(list as PacketList<never>));
    } catch (error) {
      warnings.push(unusable(source, fingerprint, error));
    }
  }
  const strays: string[] = [];
  for (const { signature, after } of loose) {
    if (!attachRevocation(signature, read, after)) {
      if (REVOCATIONS.has(signature.signatureType ?? -1)) strays.push(issuerOf(signature));
      warnings.push(
        `${source ?? 'key file'}: a loose signature (type 0x${(signature.signatureType ?? 0).toString(16)}) by ${signature.issuerKeyID.toHex().toUpperCase()} is not a revocation of a key in this file: ignored`,
      );
    }
  }
  for (const key of read) {
    try {
      keys.push(await describeKey(key, source));
    } catch (error) {
      warnings.push(unusable(source, key.getFingerprint().toUpperCase(), error));
    }
  }
  return { keys, warnings, strays };
}

/** The issuer a signature names: its fingerprint when it carries one, else its key id (uppercase hex). */
function issuerOf(signature: SignaturePacket): string {
  const fingerprint = signature.issuerFingerprint;
  return (fingerprint ? Buffer.from(fingerprint).toString('hex') : signature.issuerKeyID.toHex()).toUpperCase();
}

// Curves by OID (hex) that OpenPGP.js does not read, for the warning.
const CURVES: Record<string, string> = { '2b6571': 'Ed448', '2b656f': 'X448' };

/**
 * What a key packet OpenPGP.js could not read is (`a version 5 key (EdDSA on curve Ed448)`), or
 * undefined when it does not look like a key packet: version 3 to 6, and for v5 and v6 a key
 * material length that matches.
 */
function unsupportedKey(packet: UnparseablePacket): string | undefined {
  // rawContent is public in OpenPGP.js, not in its .d.ts.
  const raw = (packet as unknown as { rawContent: unknown }).rawContent;
  if (!(raw instanceof Uint8Array) || raw.length < 7) return undefined;
  // Version, four octets of creation time (v3: and two of validity), the algorithm; v5 and v6
  // then give a four-octet length of the key material.
  const version = raw[0]!;
  if (version < 3 || version > 6) return undefined;
  const algorithm = raw[version === 3 ? 7 : 5]!;
  let at = 6;
  if (version === 5 || version === 6) {
    if (raw.length < 10 || Buffer.from(raw.subarray(6, 10)).readUInt32BE() !== raw.length - 10) return undefined;
    at = 10;
  }
  const curve = version === 3 ? undefined : CURVES[Buffer.from(raw.subarray(at + 1, at + 1 + raw[at]!)).toString('hex')];
  // algorithmName calls v4 EdDSA `ed25519`, its only curve OpenPGP.js reads.
  const name = algorithm === enums.publicKey.eddsaLegacy ? 'EdDSA' : algorithmName(algorithm);
  return `a version ${version} key (${name}${curve ? ` on curve ${curve}` : ''})`;
}

function unusable(source: string | undefined, fingerprint: string, error: unknown): string {
  const why = messageOf(error).replace(`${source}: `, '');
  return `${source ?? 'key file'}: key ${fingerprint} cannot be used and is skipped: ${why}`;
}

/**
 * A revocation signature, wherever it sits in the file: a key revocation by a primary key of
 * the file (by the issuer it names; one naming none, by the certificate it follows), or a subkey revocation (offered
 * to each of that key's subkeys; describeKey keeps only those that verify). False when it
 * revokes nothing here.
 */
function attachRevocation(signature: SignaturePacket, keys: readonly Key[], after?: PublicKeyPacket): boolean {
  // isWildcard is public in OpenPGP.js, not in its .d.ts.
  const named =
    signature.issuerFingerprint !== null || !(signature.issuerKeyID as unknown as { isWildcard(): boolean }).isWildcard();
  const key = named
    ? keys.find((k) =>
        signature.issuerFingerprint
          ? k.getFingerprint().toUpperCase() === issuerOf(signature)
          : signature.issuerKeyID.equals(k.getKeyID()),
      )
    : keys.find((k) => k.keyPacket === after);
  if (!key) return false;
  if (signature.signatureType === enums.signature.keyRevocation) key.revocationSignatures.push(signature);
  else if (signature.signatureType === enums.signature.subkeyRevocation && key.subkeys.length > 0)
    for (const subkey of key.subkeys) subkey.revocationSignatures.push(signature);
  else return false;
  return true;
}

/** Reads exactly one public certificate (a `--key` file given to init); unusable is an error here. */
export async function readPublicKey(armored: string | Uint8Array, source?: string): Promise<KeyInfo> {
  const { keys, warnings } = await readKeyFile(armored, source);
  if (keys.length === 1 && warnings.length === 0) return keys[0]!;
  if (warnings.length > 0) throw sealError('ESEAL_CONFIG', warnings[0]!.replace(`${source}: `, ''), source);
  throw sealError('ESEAL_CONFIG', `expected exactly one public key, found ${keys.length}`, source);
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
  const selfSignatures: SignaturePacket[] = [];
  for (const user of key.users) {
    if (!user.userID) continue;
    const data = { userID: user.userID, key: primary };
    if (await latestValid(user.selfCertifications, primary, enums.signature.certGeneric, data)) userIds.push(user.userID.userID);
    selfSignatures.push(...(await allValid(user.selfCertifications, primary, enums.signature.certGeneric, data)));
  }
  // directSignatures is public in OpenPGP.js, not in its .d.ts.
  const { directSignatures } = key as unknown as { directSignatures: SignaturePacket[] };
  selfSignatures.push(...(await allValid(directSignatures, primary, enums.signature.key, { key: primary })));

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
    ...boundSince(primary, selfSignatures),
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
      ...boundSince(packet, await allValid(subkey.bindingSignatures, primary, enums.signature.subkeyBinding, bind)),
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

/** Every signature that verifies. */
async function allValid(
  signatures: SignaturePacket[],
  key: KeyPacket,
  type: enums.signature,
  data: object,
): Promise<SignaturePacket[]> {
  const valid: SignaturePacket[] = [];
  for (const signature of signatures) if (await verifies(signature, key, type, data)) valid.push(signature);
  return valid;
}

/**
 * When the (sub)key was first bound by a valid self-signature, when that is later than its
 * creation: sqv judges a signature against the binding valid at its date, so one made before
 * every binding the file holds is "not bound" (gpg re-dates a subkey's only binding when its
 * expiry changes).
 */
function boundSince(packet: KeyPacket, signatures: readonly SignaturePacket[]): { boundSince?: Date } {
  const dates = signatures.map((s) => s.created?.getTime()).filter((t): t is number => t !== undefined);
  if (dates.length === 0) return {};
  const first = Math.min(...dates);
  return first > packet.created.getTime() ? { boundSince: new Date(first) } : {};
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
