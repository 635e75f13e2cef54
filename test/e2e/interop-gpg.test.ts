// Interop with real GnuPG 2.2 (gpg, gpgv): sealpack's signatures must check with
// `gpg --verify X.tgz.asc X.tgz`, and gpg's keys, signatures and revocations must read here.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  appendSignatures,
  generateKey,
  readPublicKey,
  readSigningKey,
  verifySignatures,
  type GeneratedKey,
} from '@sealpack/openpgp';
import { cleanTempDirs, rejects } from '../helpers/index.js';
import { Gpg, goodSigs, validSig } from '../helpers/gpg.js';

const test = suite('e2e: interop with GnuPG');

const data = new TextEncoder().encode('{"format":"sealpack/manifest@1","name":"@acme/widget"}\n'.repeat(90));

let gpg: Gpg;
let ours: GeneratedKey;
let oursRsa: GeneratedKey;

test.before(async () => {
  gpg = await Gpg.create();
  // RSA key generation takes about a second: once per suite.
  [ours, oursRsa] = await Promise.all([
    generateKey({ name: 'Sealpack Ed', email: 'ed@example.org' }),
    generateKey({ name: 'Sealpack RSA', email: 'rsa@example.org', algorithm: 'rsa3072' }),
  ]);
});

test.after(async () => {
  gpg.stop();
  await cleanTempDirs();
});

async function signWith(key: GeneratedKey): Promise<string> {
  return (await readSigningKey(key.privateKey)).sign(data);
}

test('our Ed25519 v4 signature checks with gpgv and gpg --verify', async () => {
  const signature = await signWith(ours);
  const status = await gpg.gpgv(ours.publicKey, signature, data);
  assert.match(status, /\[GNUPG:\] GOODSIG /);
  assert.equal(validSig(status), { fingerprint: ours.fingerprint, primary: ours.fingerprint });

  gpg.importKey(ours.publicKey);
  const verified = await gpg.verify(signature, data);
  assert.is(goodSigs(verified), 1, verified);
  assert.is(validSig(verified)?.fingerprint, ours.fingerprint);
  assert.not.match(await gpg.verify(signature, data.slice(1)), /GOODSIG/);
});

test('our RSA-3072 signature checks with gpg --verify and gpgv', async () => {
  const info = await readPublicKey(oursRsa.publicKey);
  assert.is(info.algorithm, 'rsa');
  assert.is(info.bits, 3072);
  const signature = await signWith(oursRsa);
  assert.equal(validSig(await gpg.gpgv(oursRsa.publicKey, signature, data))?.fingerprint, oursRsa.fingerprint);
  gpg.importKey(oursRsa.publicKey);
  const status = await gpg.verify(signature, data);
  assert.is(goodSigs(status), 1, status);
  const [check] = await verifySignatures(data, signature, [info]);
  assert.is(check?.valid, true);
  assert.is(check?.bits, 3072);
});

test('gpg Ed25519 key: read, sealpack signs (gpg checks), gpg signs (sealpack checks)', async () => {
  const fpr = gpg.generate('Gail <gail@example.org>', 'ed25519', 'sign');
  const info = await readPublicKey(gpg.exportPublic(fpr), 'gail.asc');
  assert.is(info.fingerprint, fpr);
  assert.is(info.algorithm, 'ed25519');
  assert.equal(info.userIds, ['Gail <gail@example.org>']);
  assert.equal(info.subkeys, []);

  const signer = await readSigningKey(gpg.exportSecret(fpr));
  assert.is(signer.fingerprint, fpr);
  const ourSignature = await signer.sign(data);
  assert.is(validSig(await gpg.verify(ourSignature, data))?.fingerprint, fpr);

  const gpgSignature = await gpg.signDetached(fpr, data);
  const [check] = await verifySignatures(data, gpgSignature, [await readPublicKey(ours.publicKey), info]);
  assert.is(check?.valid, true, check?.reason);
  assert.is(check?.primaryFingerprint, fpr);
  assert.is(check?.signingKeyFingerprint, fpr);
  assert.is(check?.algorithm, 'ed25519');
  assert.ok(['sha256', 'sha512'].includes(check!.hash), check?.hash);
  // Not among the keys given: unknown, never valid.
  const [unknown] = await verifySignatures(data, gpgSignature, [await readPublicKey(ours.publicKey)]);
  assert.is(unknown?.primaryFingerprint, undefined);
  assert.is(unknown?.valid, false);
  assert.is(unknown?.issuerFingerprint, fpr);

  // A text-mode signature (0x01) is checked with line endings made CRLF, so it would also
  // cover the manifest rewritten with CRLF: never valid, over the exact bytes or not.
  const text = await gpg.signDetached(fpr, data, ['--textmode']);
  const crlf = new TextEncoder().encode(new TextDecoder().decode(data).replaceAll('\n', '\r\n'));
  for (const bytes of [data, crlf]) {
    const [textCheck] = await verifySignatures(bytes, text, [info]);
    assert.is(textCheck?.valid, false);
    assert.is(textCheck?.primaryFingerprint, fpr);
    assert.is(textCheck?.reason, 'text-mode signature: sealpack requires a binary signature over the exact bytes');
  }
  // Nor does a binary signature cover the CRLF rewrite.
  assert.is((await verifySignatures(crlf, gpgSignature, [info]))[0]?.valid, false);
});

test('gpg RSA-2048 key: bits reported, valid; a SHA-1 signature is valid with hash sha1', async () => {
  const fpr = gpg.generate('Rita <rita@example.org>', 'rsa2048', 'sign');
  const info = await readPublicKey(gpg.exportPublic(fpr));
  assert.is(info.algorithm, 'rsa');
  assert.is(info.bits, 2048);
  const [check] = await verifySignatures(data, await gpg.signDetached(fpr, data), [info]);
  assert.is(check?.valid, true, check?.reason);
  assert.is(check?.bits, 2048);
  assert.ok(['sha256', 'sha512'].includes(check!.hash), check?.hash);

  // OpenPGP.js refuses SHA-1 message signatures by default: sealpack must see them to report them.
  const sha1 = await gpg.signDetached(fpr, data, ['--digest-algo', 'SHA1']);
  const [weak] = await verifySignatures(data, sha1, [info]);
  assert.is(weak?.valid, true, weak?.reason);
  assert.is(weak?.hash, 'sha1');
  assert.is((await verifySignatures(data.slice(1), sha1, [info]))[0]?.valid, false);

  // And sealpack still signs with it (policy decides about 2048 bits, on the verify side).
  const signer = await readSigningKey(gpg.exportSecret(fpr));
  assert.is(goodSigs(await gpg.verify(await signer.sign(data), data)), 1);
});

test('gpg key whose signing key is a subkey: signatures count for the primary', async () => {
  const primary = gpg.generate('Sam <sam@example.org>', 'ed25519', 'cert');
  gpg.run(['--quick-add-key', primary, 'ed25519', 'sign', '0']);
  gpg.run(['--quick-add-key', primary, 'cv25519', 'encr', '0']);
  const [, signing, encryption] = gpg.fingerprints(primary);
  const info = await readPublicKey(gpg.exportPublic(primary));
  assert.equal(
    info.subkeys.map((s) => [s.fingerprint, s.algorithm, s.canSign]),
    [
      [signing, 'ed25519', true],
      [encryption, 'ecdh', false],
    ],
  );

  const gpgSignature = await gpg.signDetached(primary, data);
  const [check] = await verifySignatures(data, gpgSignature, [info]);
  assert.is(check?.valid, true, check?.reason);
  assert.is(check?.primaryFingerprint, primary);
  assert.is(check?.signingKeyFingerprint, signing);
  assert.is(check?.issuerFingerprint, signing);

  const signer = await readSigningKey(gpg.exportSecret(primary));
  assert.is(signer.fingerprint, primary);
  const ourSignature = await signer.sign(data);
  assert.equal(validSig(await gpg.verify(ourSignature, data)), { fingerprint: signing!, primary });
  const [ourCheck] = await verifySignatures(data, ourSignature, [info]);
  assert.is(ourCheck?.signingKeyFingerprint, signing);
  assert.is(ourCheck?.primaryFingerprint, primary);

  // Revoking the signing subkey: reported on the subkey and on its signatures, which stay
  // cryptographically valid (policy decides by reason and date).
  gpg.revokeSubkey(primary, 1, 'superseded', 'rotated to a new subkey');
  const revoked = await readPublicKey(gpg.exportPublic(primary));
  assert.equal(revoked.revocations, []);
  assert.equal(
    revoked.subkeys[0]?.revocations.map((r) => [r.reason, r.comment]),
    [['superseded', 'rotated to a new subkey']],
  );
  const [after] = await verifySignatures(data, gpgSignature, [revoked]);
  assert.is(after?.valid, true);
  assert.equal(
    after?.keyRevocations.map((r) => r.reason),
    ['superseded'],
  );
  await rejects(() => readSigningKey(gpg.exportSecret(primary)), 'ESEAL_CONFIG', /cannot sign now/);
});

test('expired gpg key: a signature made while it was valid is valid, with keyExpires', async () => {
  const then = ['--faked-system-time', '20200101T000000!'];
  const fpr = gpg.generate('Olga <olga@example.org>', 'ed25519', 'sign', 'seconds=31536000', then);
  const info = await readPublicKey(gpg.exportPublic(fpr));
  assert.equal(info.created, new Date('2020-01-01T00:00:00Z'));
  assert.equal(info.expires, new Date('2020-12-31T00:00:00Z'));
  const signature = await gpg.signDetached(fpr, data, ['--faked-system-time', '20200601T000000!']);
  const [check] = await verifySignatures(data, signature, [info]);
  assert.is(check?.valid, true, check?.reason);
  assert.equal(check?.created, new Date('2020-06-01T00:00:00Z'));
  assert.equal(check?.keyExpires, info.expires);
  await rejects(() => readSigningKey(gpg.exportSecret(fpr)), 'ESEAL_CONFIG', /expired on 2020-12-31/);
});

test('gpg revocation certificates: reason, date and comment; earlier signatures stay valid', async () => {
  const cases = [
    { user: 'Cora <cora@example.org>', reason: 'compromised', comment: 'laptop stolen' },
    { user: 'Sue <sue@example.org>', reason: 'superseded', comment: 'replaced by a new key' },
    { user: 'Rex <rex@example.org>', reason: 'retired', comment: 'left the project' },
    { user: 'Nora <nora@example.org>', reason: 'unspecified', comment: '' },
  ] as const;
  for (const { user, reason, comment } of cases) {
    const fpr = gpg.generate(user, 'ed25519', 'sign');
    const signature = await gpg.signDetached(fpr, data);
    const before = Date.now();
    gpg.revoke(fpr, reason, comment);
    const info = await readPublicKey(gpg.exportPublic(fpr), `${reason}.asc`);
    assert.is(info.revocations.length, 1, user);
    const [revocation] = info.revocations;
    assert.is(revocation?.reason, reason);
    assert.is(revocation?.comment, comment || undefined);
    assert.ok(Math.abs(revocation!.date.getTime() - before) < 60_000, `${revocation?.date.toISOString()}`);
    const [check] = await verifySignatures(data, signature, [info]);
    assert.is(check?.valid, true, check?.reason);
    assert.equal(check?.keyRevocations, info.revocations);
    await rejects(() => readSigningKey(gpg.exportSecret(fpr)), 'ESEAL_CONFIG', /revoked/);
  }
});

test("an appended .asc (ours, then gpg's) checks with gpg and with sealpack, in order", async () => {
  const fpr = gpg.generate('Tess <tess@example.org>', 'ed25519', 'sign');
  const both = await appendSignatures(await signWith(ours), await gpg.signDetached(fpr, data));
  const status = await gpg.verify(both, data);
  assert.is(goodSigs(status), 2, status);
  const checks = await verifySignatures(data, both, [
    await readPublicKey(gpg.exportPublic(fpr)),
    await readPublicKey(ours.publicKey),
  ]);
  assert.equal(
    checks.map((c) => [c.index, c.primaryFingerprint, c.valid]),
    [
      [0, ours.fingerprint, true],
      [1, fpr, true],
    ],
  );
});

test.run();
