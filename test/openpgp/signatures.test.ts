import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  appendSignatures,
  generateKey,
  readPublicKey,
  readSigningKey,
  verifySignatures,
  type GeneratedKey,
  type KeyInfo,
} from '@sealpack/openpgp';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, rejects } from '../helpers/index.js';

const test = suite('openpgp: keys and signatures (OpenPGP.js only)');

// ~5 KB, the size of a manifest.
const data = new TextEncoder().encode(
  JSON.stringify({
    files: Array.from({ length: 60 }, (_, i) => ({ path: `lib/file-${i}.js`, integrity: 'sha512-' + 'A'.repeat(60) })),
  }),
);

let alice: GeneratedKey;
let aliceInfo: KeyInfo;
let bob: GeneratedKey;
let bobInfo: KeyInfo;

test.before(async () => {
  alice = await generateKey({ name: 'Alice', email: 'alice@example.org' });
  aliceInfo = await readPublicKey(alice.publicKey, 'alice.asc');
  bob = await generateKey({ name: 'Bob' });
  bobInfo = await readPublicKey(bob.publicKey, 'bob.asc');
});

// OpenPGP.js itself, the very module @sealpack/openpgp runs (Node resolves pnpm's link to
// the same file), to craft packets that sealpack never writes.
interface RawSignaturePacket {
  signatureType: number | null;
  created: Date | null;
  read(bytes: Uint8Array, config?: unknown): void;
}
interface RawOpenPgp {
  readKey(options: { armoredKey: string }): Promise<{
    users: { selfCertifications: RawSignaturePacket[] }[];
    directSignatures: RawSignaturePacket[];
  }>;
  PacketList: new () => RawSignaturePacket[];
  Signature: new (packets: RawSignaturePacket[]) => { armor(): string };
  SignaturePacket: { prototype: RawSignaturePacket };
}
// Required as packages/openpgp/src/openpgp.ts requires it: the same module, the same classes.
const openpgp = createRequire(join(ROOT, 'packages', 'openpgp', 'package.json'))('openpgp') as RawOpenPgp;

function armorPackets(...packets: RawSignaturePacket[]): string {
  const list = new openpgp.PacketList();
  list.push(...packets);
  return new openpgp.Signature(list).armor();
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at]! ^= 0x01;
  return copy;
}

test('default key: Ed25519 v4 (EdDSA legacy), sign-only, no warnings', () => {
  assert.equal(alice.warnings, []);
  assert.match(alice.fingerprint, /^[0-9A-F]{40}$/);
  assert.is(aliceInfo.fingerprint, alice.fingerprint);
  assert.is(aliceInfo.keyId, alice.fingerprint.slice(-16));
  assert.is(aliceInfo.version, 4);
  assert.is(aliceInfo.algorithm, 'ed25519');
  assert.is(aliceInfo.bits, undefined);
  assert.is(aliceInfo.expires, null);
  assert.equal(aliceInfo.revocations, []);
  assert.equal(aliceInfo.userIds, ['Alice <alice@example.org>']);
  assert.equal(aliceInfo.subkeys, []);
  assert.match(alice.privateKey, /BEGIN PGP PRIVATE KEY BLOCK/);
});

test('KeyInfo is plain data: JSON round-trips with no hidden fields', () => {
  const json = JSON.parse(JSON.stringify(aliceInfo));
  assert.equal(Object.keys(json).sort(), [
    'algorithm',
    'created',
    'expires',
    'fingerprint',
    'keyId',
    'revocations',
    'subkeys',
    'userIds',
    'version',
  ]);
  assert.is(json.created, aliceInfo.created.toISOString());
});

test('sign then verify: valid, mapped to the primary key', async () => {
  const signer = await readSigningKey(alice.privateKey);
  assert.is(signer.fingerprint, alice.fingerprint);
  assert.is(signer.userId, 'Alice <alice@example.org>');
  const signature = await signer.sign(data);
  assert.match(signature, /^-----BEGIN PGP SIGNATURE-----/);
  const [check, ...rest] = await verifySignatures(data, signature, [bobInfo, aliceInfo]);
  assert.equal(rest, []);
  assert.ok(check);
  assert.is(check.valid, true, check.reason);
  assert.is(check.reason, undefined);
  assert.is(check.index, 0);
  assert.is(check.version, 4);
  assert.is(check.primaryFingerprint, alice.fingerprint);
  assert.is(check.signingKeyFingerprint, alice.fingerprint);
  assert.is(check.issuerKeyId, aliceInfo.keyId);
  assert.is(check.issuerFingerprint, alice.fingerprint);
  assert.is(check.algorithm, 'ed25519');
  assert.ok(['sha256', 'sha512'].includes(check.hash), check.hash);
  assert.is(check.keyExpires, null);
  assert.equal(check.keyRevocations, []);
  assert.ok(Math.abs(check.created.getTime() - Date.now()) < 60_000);
});

test('sign with an explicit date: the signature carries it; not before the key existed', async () => {
  const key = await generateKey({ name: 'Dated', date: new Date('2024-01-01T00:00:00Z') });
  const signer = await readSigningKey(key.privateKey);
  const date = new Date('2025-06-01T12:00:00Z');
  const [check] = await verifySignatures(data, await signer.sign(data, date), [await readPublicKey(key.publicKey)]);
  assert.equal(check?.created, date);
  assert.is(check?.valid, true);
  await rejects(() => signer.sign(data, new Date('2023-01-01T00:00:00Z')), 'ESEAL_CONFIG', /could not sign/);
});

test('a flipped byte in the data: valid false, with a reason', async () => {
  const signature = await (await readSigningKey(alice.privateKey)).sign(data);
  const [check] = await verifySignatures(flip(data, 100), signature, [aliceInfo]);
  assert.is(check?.valid, false);
  assert.is(check?.primaryFingerprint, alice.fingerprint);
  assert.match(check?.reason ?? '', /does not verify/);
});

test('a flipped byte in the signature: ESEAL_MALFORMED or valid false', async () => {
  const signature = await (await readSigningKey(alice.privateKey)).sign(data);
  const lines = signature.trim().split('\n');
  const body = lines.slice(2, -2).join('');
  const bytes = new Uint8Array(Buffer.from(body, 'base64'));
  const rearmor = (b: Uint8Array) =>
    `-----BEGIN PGP SIGNATURE-----\n\n${Buffer.from(b).toString('base64')}\n-----END PGP SIGNATURE-----\n`;
  // In the EdDSA signature value at the end: parses, does not verify.
  const [inValue] = await verifySignatures(data, rearmor(flip(bytes, bytes.length - 5)), [aliceInfo]);
  assert.is(inValue?.valid, false);
  // Every byte of the packet, one at a time: never a valid signature, never another error.
  // Except the bit counts of the two EdDSA MPIs: framing that no signature covers, read
  // leniently by OpenPGP.js as by GnuPG.
  const framing = mpiBitCounts(bytes);
  for (let at = 0; at < bytes.length; at++) {
    if (framing.includes(at)) continue;
    try {
      const checks = await verifySignatures(data, rearmor(flip(bytes, at)), [aliceInfo]);
      assert.ok(
        checks.every((c) => !c.valid),
        `byte ${at} flipped still verifies`,
      );
    } catch (error) {
      assert.is((error as { code?: string }).code, 'ESEAL_MALFORMED', `byte ${at}: ${(error as Error).message}`);
    }
  }
  // A character flipped in the armored text itself.
  const at = signature.indexOf('\n\n') + 30;
  const flipped = signature.slice(0, at) + (signature[at] === 'A' ? 'B' : 'A') + signature.slice(at + 1);
  try {
    const checks = await verifySignatures(data, flipped, [aliceInfo]);
    assert.ok(checks.every((c) => !c.valid));
  } catch (error) {
    assert.is((error as { code?: string }).code, 'ESEAL_MALFORMED');
  }
});

/** Offsets of the MPI bit counts in a v4 EdDSA signature packet with a one-octet new-format length. */
function mpiBitCounts(packet: Uint8Array): number[] {
  const u16 = (at: number) => (packet[at]! << 8) | packet[at + 1]!;
  let at = 2 + 4; // header and length, then version, type, algorithm, hash
  at += 2 + u16(at); // hashed subpackets
  at += 2 + u16(at); // unhashed subpackets
  at += 2; // left 16 bits of the hash
  const r = at;
  const s = r + 2 + Math.ceil(u16(r) / 8);
  return [r, r + 1, s, s + 1];
}

test('garbage signatures: ESEAL_MALFORMED naming the source', async () => {
  await rejects(
    () => verifySignatures(data, 'not a signature', [aliceInfo], 'x.tgz.asc'),
    'ESEAL_MALFORMED',
    /^x\.tgz\.asc: unreadable OpenPGP signature/,
  );
  await rejects(
    () => verifySignatures(data, '-----BEGIN PGP SIGNATURE-----\n\n!!!!\n-----END PGP SIGNATURE-----\n', [aliceInfo]),
    'ESEAL_MALFORMED',
  );
  await rejects(() => verifySignatures(data, alice.publicKey, [aliceInfo]), 'ESEAL_MALFORMED');
});

test('a signature block with a broken footer is ESEAL_MALFORMED, as sqv refuses it (found by scripts/fuzz.mjs)', async () => {
  // As the fuzzer left a genuine signature: the checksum line run into a broken END line,
  // then the body again. OpenPGP.js's unarmor decodes that line as base64, skips the bytes
  // as a packet it does not know and reads the genuine packet twice; sqv says "Invalid
  // ASCII Armor footer". sealpack reads a signature block only in plain armor.
  const body = [
    'wrsEABYKAG0FgmsJScEJEF5jEt/YhObLRRQAAAAAABwAIHNhbHRAbm90YXRp',
    'b25zLm9wZW5wZ3Bqcy5vcmeu4CXA31abqg6s1p2wUMsCNO8tLkZLzsBwRVWu',
    'BwOnzBYhBD5T9dCdWnd1l9MCDF5jEt/YhObLAAB8DAEAoA5cVurYs5oF0z6f',
    'J6QgVSaQt/2wSbDFEi9ZhTloonwA/jA6VETfVlS/wE+YPDYqs2lu21oetPxJ',
    'NlZiS8pOz7gB',
  ];
  const broken = [
    '-----BEGIN PGP SIGNATURE-----',
    '',
    ...body,
    '=w75aE-----',
    '',
    ...body,
    '=w75a',
    '-----END PGP SIGNATURE-----',
    '',
  ].join('\n');
  await rejects(
    () => verifySignatures(data, broken, [aliceInfo], 'x.asc'),
    'ESEAL_MALFORMED',
    /^x\.asc: unreadable armored signature/,
  );
  // Plain armor with a header line and CRLF line ends still verifies.
  const lines = (await (await readSigningKey(alice.privateKey)).sign(data)).trimEnd().split('\n');
  const withHeader = [lines[0], 'Comment: made by a test', ...lines.slice(1)].join('\r\n');
  const [check] = await verifySignatures(data, withHeader, [aliceInfo]);
  assert.is(check?.valid, true, check?.reason);
});

test('a key not given: primaryFingerprint undefined, valid false, reason names the key', async () => {
  const signature = await (await readSigningKey(alice.privateKey)).sign(data);
  const [check] = await verifySignatures(data, signature, [bobInfo]);
  assert.is(check?.primaryFingerprint, undefined);
  assert.is(check?.signingKeyFingerprint, undefined);
  assert.is(check?.valid, false);
  assert.is(check?.algorithm, 'ed25519');
  assert.is(check?.issuerFingerprint, alice.fingerprint);
  assert.match(check?.reason ?? '', new RegExp(`unknown key.*${alice.fingerprint}`));
  assert.equal(await verifySignatures(data, signature, []).then((c) => c.map((x) => x.valid)), [false]);
});

test('appendSignatures: two keys, order kept, exact duplicates dropped', async () => {
  const byAlice = await (await readSigningKey(alice.privateKey)).sign(data);
  const byBob = await (await readSigningKey(bob.privateKey)).sign(data);
  const both = await appendSignatures(byAlice, byBob);
  assert.is(both.match(/BEGIN PGP SIGNATURE/g)?.length, 1);
  const checks = await verifySignatures(data, both, [aliceInfo, bobInfo]);
  assert.equal(
    checks.map((c) => [c.index, c.primaryFingerprint, c.valid]),
    [
      [0, alice.fingerprint, true],
      [1, bob.fingerprint, true],
    ],
  );
  assert.is((await verifySignatures(data, await appendSignatures(both, byBob), [aliceInfo, bobInfo])).length, 2);
  assert.is((await verifySignatures(data, await appendSignatures(both, both), [aliceInfo, bobInfo])).length, 2);
  await rejects(() => appendSignatures(byAlice, 'junk'), 'ESEAL_MALFORMED');
});

test('readPublicKey: a private key is refused, garbage is malformed, one key per file', async () => {
  await rejects(
    () => readPublicKey(alice.privateKey, 'keys/alice.asc'),
    'ESEAL_CONFIG',
    /^keys\/alice\.asc: .*private key must never be pinned/,
  );
  await rejects(() => readPublicKey(`${bob.publicKey}\n${alice.privateKey}`), 'ESEAL_CONFIG', /private key/);
  await rejects(() => readPublicKey('hello'), 'ESEAL_MALFORMED');
  await rejects(() => readPublicKey(''), 'ESEAL_MALFORMED');
  const [a, b] = [alice.publicKey, bob.publicKey].map((k) =>
    Buffer.from(
      k
        .split('\n\n')[1]!
        .split('\n=')[0]!
        .replace(/\n|-----END.*/g, ''),
      'base64',
    ),
  );
  const two = `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${Buffer.concat([a!, b!]).toString('base64')}\n-----END PGP PUBLIC KEY BLOCK-----\n`;
  await rejects(() => readPublicKey(two), 'ESEAL_CONFIG', /exactly one public key, found 2/);
});

test('readSigningKey: public key, garbage, missing and wrong passphrase', async () => {
  await rejects(
    () => readSigningKey(alice.publicKey, undefined, 'k.asc'),
    'ESEAL_CONFIG',
    /^k\.asc: expected a private key, found the public key/,
  );
  await rejects(() => readSigningKey('garbage'), 'ESEAL_MALFORMED');
  const locked = await generateKey({ name: 'Locked', passphrase: 'correct horse' });
  await rejects(() => readSigningKey(locked.privateKey), 'ESEAL_CONFIG', /encrypted: expected a passphrase, found none/);
  await rejects(() => readSigningKey(locked.privateKey, 'wrong'), 'ESEAL_CONFIG', /wrong passphrase/);
  const signer = await readSigningKey(locked.privateKey, 'correct horse');
  const [check] = await verifySignatures(data, await signer.sign(data), [await readPublicKey(locked.publicKey)]);
  assert.is(check?.valid, true);
});

test('expiry: reported by readPublicKey; an expired key cannot sign', async () => {
  const date = new Date('2020-01-01T00:00:00Z');
  const expires = new Date('2021-01-01T00:00:00Z');
  const old = await generateKey({ name: 'Old', date, expires });
  const info = await readPublicKey(old.publicKey);
  assert.equal(info.created, date);
  assert.equal(info.expires, expires);
  await rejects(() => readSigningKey(old.privateKey), 'ESEAL_CONFIG', /expired on 2021-01-01/);
  await rejects(() => generateKey({ name: 'Never', date, expires: date }), 'ESEAL_CONFIG', /expiry after the creation time/);
  await rejects(() => generateKey({ name: ' ' }), 'ESEAL_CONFIG', /non-empty name/);
});

test('v6 key: generated with a GnuPG warning, verified by our verifier', async () => {
  const v6 = await generateKey({ name: 'Vera', email: 'vera@example.org', v6: true });
  assert.is(v6.warnings.length, 1);
  assert.match(v6.warnings[0]!, /GnuPG before 2\.5/);
  assert.match(v6.fingerprint, /^[0-9A-F]{64}$/);
  const info = await readPublicKey(v6.publicKey);
  assert.is(info.version, 6);
  assert.is(info.algorithm, 'ed25519');
  assert.is(info.keyId, v6.fingerprint.slice(0, 16));
  const signature = await (await readSigningKey(v6.privateKey)).sign(data);
  const [check] = await verifySignatures(data, signature, [aliceInfo, info]);
  assert.is(check?.valid, true, check?.reason);
  assert.is(check?.version, 6);
  assert.is(check?.issuerFingerprint, v6.fingerprint);
  assert.is(check?.primaryFingerprint, v6.fingerprint);
  assert.is((await verifySignatures(flip(data, 0), signature, [info]))[0]?.valid, false);
  // v4 and v6 signatures in one .asc.
  const mixed = await appendSignatures(await (await readSigningKey(alice.privateKey)).sign(data), signature);
  assert.equal(
    (await verifySignatures(data, mixed, [aliceInfo, info])).map((c) => [c.version, c.valid]),
    [
      [4, true],
      [6, true],
    ],
  );
});

test('non-document signatures (certification 0x13, direct-key 0x1F) are never valid', async () => {
  const certification = (await openpgp.readKey({ armoredKey: alice.publicKey })).users[0]!.selfCertifications[0]!;
  assert.is(certification.signatureType, 0x13);
  const [cert] = await verifySignatures(data, armorPackets(certification), [aliceInfo]);
  assert.is(cert?.valid, false);
  assert.is(cert?.primaryFingerprint, alice.fingerprint);
  assert.is(cert?.reason, 'signature type 0x13 is not a document signature');

  const v6 = await generateKey({ name: 'Vera', v6: true });
  const directKey = (await openpgp.readKey({ armoredKey: v6.publicKey })).directSignatures[0]!;
  assert.is(directKey.signatureType, 0x1f);
  const [direct] = await verifySignatures(data, armorPackets(directKey), [await readPublicKey(v6.publicKey)]);
  assert.is(direct?.valid, false);
  assert.is(direct?.reason, 'signature type 0x1f is not a document signature');
});

test('a signature packet without a creation time: ESEAL_MALFORMED, never dated 1970', async () => {
  // OpenPGP.js refuses such packets as it reads them; this makes it let one through, to
  // pin that sealpack would not stand in a date before every revocation and expiry.
  const signature = await (await readSigningKey(alice.privateKey)).sign(data);
  const read = openpgp.SignaturePacket.prototype.read;
  openpgp.SignaturePacket.prototype.read = function (this: RawSignaturePacket, ...args) {
    read.apply(this, args);
    this.created = null;
  };
  try {
    await rejects(
      () => verifySignatures(data, signature, [aliceInfo], 'm.asc'),
      'ESEAL_MALFORMED',
      /^m\.asc: .*no creation time/,
    );
  } finally {
    openpgp.SignaturePacket.prototype.read = read;
  }
  assert.is((await verifySignatures(data, signature, [aliceInfo]))[0]?.valid, true);
});

test('a KeyInfo that readPublicKey did not make is refused', async () => {
  const signature = await (await readSigningKey(alice.privateKey)).sign(data);
  await rejects(() => verifySignatures(data, signature, [{ ...aliceInfo }]), 'ESEAL_CONFIG', /not read by readPublicKey/);
});

test.run();
