// Key hand-over (DESIGN.md, "Key lifecycle"): the old key certifies the new key's user IDs
// (an ordinary OpenPGP third-party certification, 0x10, which `gpg --check-sigs` and
// `sq inspect --certifications` show) and revokes itself as `superseded` (a revocation
// certificate, as `gpg --gen-revoke` writes one). Consumers check both against the keys
// they pinned before anything enters their keyring.
import {
  PacketList,
  SignaturePacket,
  type UserIDPacket,
  armor,
  decryptKey,
  enums,
  readKey,
  readKeys,
  unarmor,
  type Key,
  type PrivateKey,
} from 'openpgp';
import { ANY_TIME, READ_CONFIG } from './config.js';
import { sealError, messageOf } from './error.js';
import { describeKey, signingCandidates } from './key.js';
import { generateKey } from './keygen.js';
import { hashName, hex, revocationReason } from './names.js';
import type { GenerateKeyOptions, KeyInfo, KeyRevocation } from './key.types.js';

/** A third-party certification of one of a key's user IDs, checked against the given certifiers. */
export interface Certification {
  userId: string;
  created: Date;
  /** The certifier's primary fingerprint when a given key made it, else the issuer as the packet names it. */
  certifier: string;
  /** The given certifier key that matched, when one did. */
  certifierKey?: KeyInfo;
  hash: string;
  valid: boolean;
  /** Why not valid. */
  reason?: string;
}

/** A key revocation signature (a revocation certificate) made by the key it revokes. */
export interface RevocationCertificate {
  /** The revoked primary key's fingerprint. */
  fingerprint: string;
  revocation: KeyRevocation;
}

/** What an armored file holds: public keys, and revocation certificates of given keys. */
export interface KeyMaterial {
  keys: { info: KeyInfo; certifications: Certification[] }[];
  revocations: RevocationCertificate[];
}

/** The hand-over: a new key certified by the old one, and the old key's revocation. */
export interface RotatedKey {
  privateKey: string;
  /** The new public key with the old key's certification of every user ID. */
  publicKey: string;
  fingerprint: string;
  oldFingerprint: string;
  /** Armored revocation certificate of the old key (`superseded`, dated `date`). */
  revocation: string;
  date: Date;
  warnings: string[];
}

const BLOCK = /-----BEGIN PGP ([A-Z ]+)-----[\s\S]*?-----END PGP \1-----/g;
const CERTIFICATIONS = new Set<number>([
  enums.signature.certGeneric,
  enums.signature.certPersona,
  enums.signature.certCasual,
  enums.signature.certPositive,
]);

/** Reads an armored private key and decrypts it; `source` names it in errors. */
export async function readPrivateKey(armored: string, passphrase: string | undefined, source?: string): Promise<PrivateKey> {
  let key: Key;
  try {
    key = await readKey({ armoredKey: armored });
  } catch (error) {
    throw sealError('ESEAL_MALFORMED', `unreadable OpenPGP private key: ${messageOf(error)}`, source, { cause: error });
  }
  const fingerprint = key.getFingerprint().toUpperCase();
  if (!key.isPrivate()) {
    throw sealError('ESEAL_CONFIG', `expected a private key, found the public key ${fingerprint}`, source, { fingerprint });
  }
  if (key.isDecrypted()) return key;
  if (!passphrase) {
    throw sealError('ESEAL_CONFIG', `private key ${fingerprint} is encrypted: expected a passphrase, found none`, source, {
      fingerprint,
    });
  }
  try {
    return await decryptKey({ privateKey: key, passphrase });
  } catch (error) {
    throw sealError('ESEAL_CONFIG', `wrong passphrase for private key ${fingerprint}: ${messageOf(error)}`, source, {
      fingerprint,
      cause: error,
    });
  }
}

// SignaturePacket.sign takes the config as a fifth argument, which its .d.ts leaves out.
type SignWithConfig = (key: unknown, data: object, date: Date, detached: boolean, config: typeof READ_CONFIG) => Promise<void>;
const signPacket = (packet: SignaturePacket, key: unknown, data: object, date: Date): Promise<void> =>
  (packet.sign as unknown as SignWithConfig).call(packet, key, data, date, false, READ_CONFIG);

/**
 * A certification of `userID` on `key` by `certifier`'s primary key (not a signing subkey:
 * GnuPG and Sequoia accept only primary keys as certifiers).
 */
async function certifyUser(certifier: PrivateKey, key: Key, userID: UserIDPacket, date: Date): Promise<SignaturePacket> {
  const packet = new SignaturePacket();
  packet.signatureType = enums.signature.certGeneric;
  packet.publicKeyAlgorithm = certifier.keyPacket.algorithm;
  packet.hashAlgorithm = enums.hash.sha512;
  await signPacket(packet, certifier.keyPacket, { userID, key: key.keyPacket }, date);
  return packet;
}

/** The key's own revocation signature: `reason` with a comment, made at `date`. */
async function revocationOf(key: PrivateKey, flag: enums.reasonForRevocation, comment: string, date: Date): Promise<string> {
  const packet = new SignaturePacket();
  packet.signatureType = enums.signature.keyRevocation;
  packet.publicKeyAlgorithm = key.keyPacket.algorithm;
  packet.hashAlgorithm = enums.hash.sha512;
  packet.reasonForRevocationFlag = flag;
  packet.reasonForRevocationString = comment;
  await signPacket(packet, key.keyPacket, { key: key.keyPacket }, date);
  const list = new PacketList<SignaturePacket>();
  list.push(packet);
  // As `gpg --gen-revoke` and OpenPGP.js write one: a public-key block holding the signature only.
  return armor(
    enums.armor.publicKey,
    list.write(),
    undefined,
    undefined,
    'This is a revocation certificate',
    key.keyPacket.version !== 6,
    READ_CONFIG,
  );
}

/**
 * `sealpack keys rotate`: generates the successor of `from` (same algorithm choices as keygen),
 * certifies each of its user IDs with the old primary key, and revokes the old key as
 * `superseded` at `date`: its signatures made before stay valid, later ones fail.
 */
export async function rotateKey(options: {
  from: PrivateKey;
  key: GenerateKeyOptions;
  date?: Date;
  comment?: string;
}): Promise<RotatedKey> {
  // OpenPGP times are whole seconds. The revocation is dated at the next whole second, so that
  // every signature the old key made before this call counts as made before the hand-over; the
  // successor is made and certified one second earlier, so its certification is not itself
  // "made after the key was superseded".
  const date = new Date(Math.ceil((options.date ?? new Date()).getTime() / 1000) * 1000);
  const handOver = new Date(date.getTime() - 1000);
  const old = options.from;
  const oldFingerprint = old.getFingerprint().toUpperCase();
  const generated = await generateKey({ ...options.key, date: handOver });
  const [publicKey, privateKey] = await Promise.all([
    readKey({ armoredKey: generated.publicKey }),
    readKey({ armoredKey: generated.privateKey }),
  ]);
  try {
    for (const target of [publicKey, privateKey]) {
      for (const user of target.users) {
        if (user.userID) user.otherCertifications.push(await certifyUser(old, target, user.userID, handOver));
      }
    }
    const comment = options.comment ?? `superseded by ${generated.fingerprint}`;
    const revocation = await revocationOf(old, enums.reasonForRevocation.keySuperseded, comment, date);
    return {
      privateKey: privateKey.armor(READ_CONFIG),
      publicKey: publicKey.armor(READ_CONFIG),
      fingerprint: generated.fingerprint,
      oldFingerprint,
      revocation,
      date,
      warnings: generated.warnings,
    };
  } catch (error) {
    throw sealError('ESEAL_CONFIG', `key ${oldFingerprint} could not certify its successor: ${messageOf(error)}`, undefined, {
      fingerprint: oldFingerprint,
      cause: error,
    });
  }
}

/**
 * Reads what a maintainer publishes at a rotation (`NEW.pub.asc`, `OLD.revocation.asc`, or both
 * in one file): every public key with its third-party certifications checked against
 * `certifiers`, and every revocation certificate made by one of `certifiers`. A private key is
 * refused; a revocation certificate of no given key, or one that does not verify, is
 * ESEAL_BAD_SIGNATURE (a consumer must never record a revocation nobody can check).
 */
export async function readKeyMaterial(text: string, certifiers: readonly KeyInfo[], source?: string): Promise<KeyMaterial> {
  const blocks = text.match(BLOCK) ?? [];
  if (blocks.length === 0)
    throw sealError('ESEAL_MALFORMED', 'expected an armored OpenPGP key or revocation, found none', source);
  const material: KeyMaterial = { keys: [], revocations: [] };
  for (const block of blocks) {
    if (block.startsWith('-----BEGIN PGP PRIVATE KEY BLOCK-----')) {
      throw sealError(
        'ESEAL_CONFIG',
        'expected a public key, found a private key: never hand a private key to consumers',
        source,
      );
    }
    if (!block.startsWith('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
      throw sealError('ESEAL_MALFORMED', `expected a public key block, found ${block.split('\n')[0]}`, source);
    }
    const revocations = await revocationPackets(block, source);
    if (revocations) {
      for (const packet of revocations) material.revocations.push(await checkRevocation(packet, certifiers, source));
      continue;
    }
    let keys: Key[];
    try {
      keys = await readKeys({ armoredKeys: block, config: READ_CONFIG });
    } catch (error) {
      throw sealError('ESEAL_MALFORMED', `unreadable OpenPGP public key: ${messageOf(error)}`, source, { cause: error });
    }
    for (const key of keys) {
      const info = await describeKey(key, source);
      material.keys.push({ info, certifications: await checkCertifications(key, info, certifiers) });
    }
  }
  return material;
}

/** The signature packets of a block that starts with one (a revocation certificate); undefined for a key block. */
async function revocationPackets(block: string, source: string | undefined): Promise<SignaturePacket[] | undefined> {
  try {
    const bytes = (await unarmor(block, READ_CONFIG)).data as Uint8Array;
    const header = bytes[0] ?? 0;
    const tag = header & 0x40 ? header & 0x3f : (header >> 2) & 0x0f;
    if (tag !== SignaturePacket.tag) return undefined;
    const list = await PacketList.fromBinary(bytes, { [SignaturePacket.tag]: SignaturePacket } as never, READ_CONFIG);
    return [...list] as SignaturePacket[];
  } catch (error) {
    throw sealError('ESEAL_MALFORMED', `unreadable OpenPGP block: ${messageOf(error)}`, source, { cause: error });
  }
}

function primaryOf(info: KeyInfo) {
  return signingCandidates(info)?.[0]?.packet;
}

function findCertifier(packet: SignaturePacket, certifiers: readonly KeyInfo[]): KeyInfo | undefined {
  const issuerKeyId = packet.issuerKeyID.toHex().toUpperCase();
  const issuerFingerprint = packet.issuerFingerprint ? hex(packet.issuerFingerprint) : undefined;
  return certifiers.find((k) => (issuerFingerprint ? k.fingerprint === issuerFingerprint : k.keyId === issuerKeyId));
}

async function checkRevocation(
  packet: SignaturePacket,
  certifiers: readonly KeyInfo[],
  source: string | undefined,
): Promise<RevocationCertificate> {
  const key = findCertifier(packet, certifiers);
  const issuer = packet.issuerFingerprint ? hex(packet.issuerFingerprint) : packet.issuerKeyID.toHex().toUpperCase();
  if (packet.signatureType !== enums.signature.keyRevocation) {
    throw sealError(
      'ESEAL_MALFORMED',
      `expected a key revocation signature, found signature type ${packet.signatureType}`,
      source,
    );
  }
  const primary = key && primaryOf(key);
  if (!key || !primary) {
    throw sealError('ESEAL_UNKNOWN_KEY', `the revocation certificate is for key ${issuer}, which is not pinned`, source, {
      fingerprint: issuer,
    });
  }
  try {
    await packet.verify(primary, enums.signature.keyRevocation, { key: primary }, ANY_TIME, false, READ_CONFIG);
  } catch (error) {
    throw sealError(
      'ESEAL_BAD_SIGNATURE',
      `the revocation certificate of ${key.fingerprint} does not verify: ${messageOf(error)}`,
      source,
      {
        fingerprint: key.fingerprint,
        cause: error,
      },
    );
  }
  if (!(packet.created instanceof Date)) {
    throw sealError('ESEAL_MALFORMED', `the revocation certificate of ${key.fingerprint} has no creation time`, source);
  }
  const comment = packet.reasonForRevocationString;
  return {
    fingerprint: key.fingerprint,
    revocation: {
      reason: revocationReason(packet.reasonForRevocationFlag),
      date: packet.created,
      ...(comment ? { comment } : {}),
    },
  };
}

/** Every third-party certification of the key's self-certified user IDs, checked against `certifiers`. */
async function checkCertifications(key: Key, info: KeyInfo, certifiers: readonly KeyInfo[]): Promise<Certification[]> {
  const found: Certification[] = [];
  for (const user of key.users) {
    // Only user IDs the key itself certified (describeKey's list): anyone can append a user ID.
    if (!user.userID || !info.userIds.includes(user.userID.userID)) continue;
    for (const packet of user.otherCertifications) {
      if (!(packet.created instanceof Date)) continue;
      const certifierKey = findCertifier(packet, certifiers);
      const issuer = packet.issuerFingerprint ? hex(packet.issuerFingerprint) : packet.issuerKeyID.toHex().toUpperCase();
      const base = {
        userId: user.userID.userID,
        created: packet.created,
        certifier: certifierKey?.fingerprint ?? issuer,
        hash: hashName(packet.hashAlgorithm),
      };
      const primary = certifierKey && primaryOf(certifierKey);
      if (!certifierKey || !primary) {
        found.push({ ...base, valid: false, reason: `certified by ${issuer}, which is not pinned` });
        continue;
      }
      let reason = '';
      if (!CERTIFICATIONS.has(packet.signatureType ?? -1))
        reason = `signature type ${packet.signatureType} is not a certification`;
      else if (packet.isExpired(new Date())) reason = 'the certification has expired';
      else {
        try {
          await packet.verify(
            primary,
            packet.signatureType!,
            { userID: user.userID, key: key.keyPacket },
            ANY_TIME,
            false,
            READ_CONFIG,
          );
        } catch (error) {
          reason = `the certification does not verify: ${messageOf(error)}`;
        }
      }
      found.push({ ...base, certifierKey, valid: reason === '', ...(reason ? { reason } : {}) });
    }
  }
  return found;
}
