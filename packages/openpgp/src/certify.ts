// Key hand-over (DESIGN.md, "Key lifecycle"): the old key certifies the new key's user IDs
// (an ordinary OpenPGP third-party certification, 0x10, which `gpg --check-sigs` and
// `sq inspect --certifications` show) and revokes itself as `superseded` (a revocation
// certificate, as `gpg --gen-revoke` writes one). Consumers check both against the keys
// they pinned before anything enters their keyring.
import {
  PacketList,
  PublicKey,
  PublicKeyPacket,
  PublicSubkeyPacket,
  SecretKeyPacket,
  SecretSubkeyPacket,
  SignaturePacket,
  type UserIDPacket,
  armor,
  enums,
  readKey,
  type AnyPacket,
  type Key,
  type PrivateKey,
} from './openpgp.js';
import { SealError } from '@sealpack/diagnostics';
import { readBlocks, type OpenPgpBlock } from './armor.js';
import { ANY_TIME, READ_CONFIG } from './config.js';
import { sealError, messageOf } from './error.js';
import { KEY_PACKETS, describeKey, signingCandidates } from './key.js';
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

/** What a key file holds: public keys, and revocation certificates of given keys. */
export interface KeyMaterial {
  keys: {
    info: KeyInfo;
    certifications: Certification[];
    /** The block (armored) or file (binary) as written, when it holds this key and nothing else. */
    block?: OpenPgpBlock;
  }[];
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

const CERTIFICATIONS = new Set<number>([
  enums.signature.certGeneric,
  enums.signature.certPersona,
  enums.signature.certCasual,
  enums.signature.certPositive,
]);

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
 * Who certifies a successor and revokes itself at a rotation: the old key, wherever it lives
 * (a key file: keyFileCertifier; the local GnuPG: gpgCertifier). What it returns is checked by
 * rotateKey against its public key before anything is written.
 */
export interface KeyCertifier {
  /** The old key's public key: every certification and revocation must verify against it. */
  publicKey: KeyInfo;
  /** `key` (armored public key) with a certification of each user ID by the old key, made about `date`. */
  certify(key: string, fingerprint: string, date: Date): Promise<string>;
  /** An armored revocation certificate of the old key: `superseded`, with `comment`, dated `date` (or later). */
  revoke(comment: string, date: Date): Promise<string>;
}

/** The old key as a decrypted private key (`--from OLD.key.asc`). */
export async function keyFileCertifier(from: PrivateKey): Promise<KeyCertifier> {
  return {
    publicKey: await describeKey(from.toPublic()),
    async certify(armored, _fingerprint, date) {
      const key = await readKey({ armoredKey: armored });
      for (const user of key.users)
        if (user.userID) user.otherCertifications.push(await certifyUser(from, key, user.userID, date));
      return key.armor(READ_CONFIG);
    },
    revoke: (comment, date) => revocationOf(from, enums.reasonForRevocation.keySuperseded, comment, date),
  };
}

/**
 * `sealpack keys rotate`: generates the successor (same algorithm choices as keygen), has the
 * old key certify each of its user IDs and revoke itself as `superseded`: its signatures made
 * before stay valid, later ones fail. The certification and the revocation are checked against
 * the old public key (as a consumer's `keys update` will) before they are returned.
 */
export async function rotateKey(options: {
  from: KeyCertifier;
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
  const old = options.from.publicKey;
  const oldFingerprint = old.fingerprint;
  const generated = await generateKey({ ...options.key, date: handOver });
  let armored: string;
  let revocation: string;
  let good: Certification[];
  try {
    armored = await options.from.certify(generated.publicKey, generated.fingerprint, handOver);
    const certified = (await readKeyMaterial(armored, [old], undefined, { now: date })).keys.find(
      (k) => k.info.fingerprint === generated.fingerprint,
    );
    good = certified?.certifications.filter((c) => c.valid && c.certifier === oldFingerprint) ?? [];
    // A back-end that certifies by its own clock (gpg) may be later than `handOver`: the
    // revocation still comes a whole second after the certification.
    const last = Math.max(0, ...good.map((c) => c.created.getTime()));
    const revokeAt = new Date(Math.max(date.getTime(), last + 1000));
    revocation = await options.from.revoke(options.comment ?? `superseded by ${generated.fingerprint}`, revokeAt);
  } catch (error) {
    if (error instanceof SealError && error.code !== 'ESEAL_CONFIG') throw error;
    throw sealError('ESEAL_CONFIG', `key ${oldFingerprint} could not certify its successor: ${messageOf(error)}`, undefined, {
      fingerprint: oldFingerprint,
      cause: error,
    });
  }
  const revoked = (await readKeyMaterial(revocation, [old], undefined, { now: date })).revocations;
  const revokedAt = revoked[0]?.revocation.date;
  if (
    good.length === 0 ||
    revoked.length !== 1 ||
    revoked[0]!.revocation.reason !== 'superseded' ||
    !revokedAt ||
    good.some((c) => c.created >= revokedAt)
  ) {
    throw sealError(
      'ESEAL_BAD_SIGNATURE',
      `key ${oldFingerprint}: expected a valid certification of ${generated.fingerprint} and a later superseded revocation, found ${good.length} certification(s) and ${revoked.map((r) => `${r.revocation.reason} on ${r.revocation.date.toISOString()}`).join(', ') || 'no revocation'}; nothing was written`,
      undefined,
      { fingerprint: oldFingerprint },
    );
  }
  // The old key's certification packets, as made, onto both halves of the new key.
  const withCertifications = await readKey({ armoredKey: armored });
  const [publicKey, privateKey] = await Promise.all([
    readKey({ armoredKey: generated.publicKey }),
    readKey({ armoredKey: generated.privateKey }),
  ]);
  for (const target of [publicKey, privateKey]) {
    for (const user of target.users) {
      const made = withCertifications.users.find((u) => u.userID?.userID === user.userID?.userID);
      for (const packet of made?.otherCertifications ?? []) {
        const issuer = packet.issuerFingerprint ? hex(packet.issuerFingerprint) : '';
        if (issuer === oldFingerprint || packet.issuerKeyID.toHex().toUpperCase() === old.keyId)
          user.otherCertifications.push(packet);
      }
    }
  }
  return {
    privateKey: privateKey.armor(READ_CONFIG),
    publicKey: publicKey.armor(READ_CONFIG),
    fingerprint: generated.fingerprint,
    oldFingerprint,
    revocation,
    date: revokedAt,
    warnings: generated.warnings,
  };
}

/**
 * Reads what a maintainer publishes at a rotation (`NEW.pub.asc`, `OLD.revocation.asc`, both in
 * one file, or the binary `NEW.gpg` that `gpg --export` writes), with readBlocks as every key
 * file is read: every public key with its third-party certifications checked against
 * `certifiers` at `now`, and every revocation certificate made by one of `certifiers`. A private
 * key is refused; a revocation certificate of no given key, or one that does not verify, is
 * ESEAL_BAD_SIGNATURE (a consumer must never record a revocation nobody can check).
 */
export async function readKeyMaterial(
  input: string | Uint8Array,
  certifiers: readonly KeyInfo[],
  source?: string,
  options: { now?: Date } = {},
): Promise<KeyMaterial> {
  const now = options.now ?? new Date();
  const material: KeyMaterial = { keys: [], revocations: [] };
  for (const block of await readBlocks(input, source, 'public key or revocation')) {
    if (block.armor === enums.armor.privateKey) throw privateKeyError(source);
    if (block.armor !== undefined && block.armor !== enums.armor.publicKey) {
      throw sealError(
        'ESEAL_MALFORMED',
        `expected a public key block, found a ${enums.read(enums.armor, block.armor)} block`,
        source,
      );
    }
    const { certificates, revocations } = await splitBlock(block, source);
    for (const packet of revocations) material.revocations.push(await checkRevocation(packet, certifiers, source));
    for (const packets of certificates) {
      let key: Key;
      try {
        const list = new PacketList<AnyPacket>();
        list.push(...packets);
        key = new PublicKey(list as PacketList<never>);
      } catch (error) {
        throw sealError('ESEAL_MALFORMED', `unreadable OpenPGP public key: ${messageOf(error)}`, source, { cause: error });
      }
      const info = await describeKey(key, source);
      const alone = certificates.length === 1 && revocations.length === 0;
      material.keys.push({
        info,
        certifications: await checkCertifications(key, info, certifiers, now),
        ...(alone ? { block } : {}),
      });
      // A given key exported after it revoked itself (`gpg --export` once the revocation is
      // imported) carries the revocation inside its block: describeKey kept only those that
      // verify against it. Reported like a revocation certificate, or it would be dropped and
      // that key's certifications would still count.
      if (certifiers.some((c) => c.fingerprint === info.fingerprint))
        for (const revocation of info.revocations) material.revocations.push({ fingerprint: info.fingerprint, revocation });
    }
  }
  return material;
}

/**
 * A block's packets as certificates (a primary key and what follows it) and key revocations
 * that belong to none of them: those before any key (a revocation certificate), and those whose
 * issuer is not the certificate they follow (`cat NEW.gpg OLD-rev.gpg` puts the old key's
 * revocation after the new key's packets, where OpenPGP.js would attach it to the new key and
 * drop it as not verifying). Secret key material is refused.
 */
async function splitBlock(
  block: OpenPgpBlock,
  source: string | undefined,
): Promise<{ certificates: AnyPacket[][]; revocations: SignaturePacket[] }> {
  let packets: PacketList<AnyPacket>;
  try {
    packets = await PacketList.fromBinary(block.data, KEY_PACKETS, READ_CONFIG);
  } catch (error) {
    throw sealError('ESEAL_MALFORMED', `unreadable OpenPGP block: ${messageOf(error)}`, source, { cause: error });
  }
  const certificates: AnyPacket[][] = [];
  const revocations: SignaturePacket[] = [];
  let current: AnyPacket[] | undefined;
  for (const packet of packets) {
    // Checked on the packets, not the armor header: a PUBLIC header can hold a secret key.
    if (packet instanceof SecretKeyPacket || packet instanceof SecretSubkeyPacket) throw privateKeyError(source);
    if (packet instanceof PublicKeyPacket && !(packet instanceof PublicSubkeyPacket)) {
      current = [packet];
      certificates.push(current);
    } else if (!current) {
      if (!(packet instanceof SignaturePacket))
        throw sealError('ESEAL_MALFORMED', 'expected a public key or a revocation signature first, found another packet', source);
      revocations.push(packet);
    } else if (
      packet instanceof SignaturePacket &&
      packet.signatureType === enums.signature.keyRevocation &&
      !issuedBy(packet, current[0] as PublicKeyPacket)
    ) {
      revocations.push(packet);
    } else current.push(packet);
  }
  return { certificates, revocations };
}

/** Whether the signature names `key` as its issuer, or names none (then it belongs to the key it follows). */
function issuedBy(packet: SignaturePacket, key: PublicKeyPacket): boolean {
  if (packet.issuerFingerprint) return hex(packet.issuerFingerprint) === key.getFingerprint().toUpperCase();
  // isWildcard is public in OpenPGP.js, not in its .d.ts.
  const id = packet.issuerKeyID as unknown as { isWildcard(): boolean };
  return id.isWildcard() || packet.issuerKeyID.equals(key.getKeyID());
}

function privateKeyError(source: string | undefined) {
  return sealError('ESEAL_CONFIG', 'expected a public key, found a private key: never hand a private key to consumers', source);
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
async function checkCertifications(key: Key, info: KeyInfo, certifiers: readonly KeyInfo[], now: Date): Promise<Certification[]> {
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
      else if (expiredAt(packet, now)) reason = 'the certification has expired';
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
        const withdrawn = reason ? undefined : await withdrawnOn(packet, user, key, certifierKey, primary);
        if (withdrawn) reason = `the certifier revoked this certification on ${withdrawn.toISOString()}`;
      }
      found.push({ ...base, certifierKey, valid: reason === '', ...(reason ? { reason } : {}) });
    }
  }
  return found;
}

/**
 * Whether the certification's own expiration time is at or before `now`. Unlike OpenPGP.js's
 * isExpired, one dated a little after `now` is not "expired": whyNotCounted judges dates in
 * the future with the same few minutes' allowance as signatures.
 */
function expiredAt(packet: SignaturePacket, now: Date): boolean {
  if (packet.signatureNeverExpires || !packet.signatureExpirationTime || !(packet.created instanceof Date)) return false;
  return packet.created.getTime() + packet.signatureExpirationTime * 1000 <= now.getTime();
}

/**
 * When the certifier revoked its certification of this user ID (a 0x30 certification
 * revocation, `gpg --quick-revoke-sig`, `sq pki vouch withdraw`), as gpg and sq honour it:
 * undefined when it did not.
 */
async function withdrawnOn(
  certification: SignaturePacket,
  user: Key['users'][number],
  key: Key,
  certifier: KeyInfo,
  primary: NonNullable<ReturnType<typeof primaryOf>>,
): Promise<Date | undefined> {
  for (const revocation of user.revocationSignatures) {
    if (revocation.signatureType !== enums.signature.certRevocation || !(revocation.created instanceof Date)) continue;
    if (revocation.created < certification.created! || findCertifier(revocation, [certifier]) !== certifier) continue;
    try {
      await revocation.verify(
        primary,
        enums.signature.certRevocation,
        { userID: user.userID, key: key.keyPacket },
        ANY_TIME,
        false,
        READ_CONFIG,
      );
      return revocation.created;
    } catch {
      // A revocation that does not verify withdraws nothing.
    }
  }
  return undefined;
}
