// Key rotation with real keys and injected clocks: the hand-over a publisher makes
// (rotateKey), what a consumer pins from it (planKeyUpdate), and how signatures by the old key
// are judged before and after the hand-over.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  generateKey,
  keyFileCertifier,
  readKeyMaterial,
  readPrivateKey,
  readPublicKey,
  readSigningKey,
  rotateKey,
  verifySignatures,
  type RotatedKey,
} from '@sealpack/openpgp';
import { judgeSignatures, loadTrust, planKeyUpdate, type Trust } from '@sealpack/trust';
import { cli } from '../helpers/cli.js';
import { cleanTempDirs, rejects, tempDir } from '../helpers/index.js';
import { Gpg } from '../helpers/gpg.js';

const test = suite('trust: key rotation');
const T0 = new Date('2026-01-01T00:00:00Z'); // the old key is made
const BEFORE = new Date('2026-03-01T00:00:00Z'); // a release signed before the hand-over
const HANDOVER = new Date('2026-06-01T12:00:00.400Z');
const AFTER = new Date('2026-07-01T00:00:00Z'); // the old key signs after it: must fail
const NOW = new Date('2026-08-01T00:00:00Z');
const DATA = new TextEncoder().encode('{"format":"sealpack/manifest@1"}');

const ctx = {} as {
  old: Awaited<ReturnType<typeof generateKey>>;
  stranger: Awaited<ReturnType<typeof generateKey>>;
  rotated: RotatedKey;
};

test.before(async () => {
  const [old, stranger] = await Promise.all([
    generateKey({ name: 'release', email: 'release@example.com', date: T0 }),
    generateKey({ name: 'mallory', email: 'release@example.com', date: T0 }),
  ]);
  const rotated = await rotateKey({
    from: await keyFileCertifier(await readPrivateKey(old.privateKey, undefined)),
    key: { name: 'release-2027', email: 'release@example.com' },
    date: HANDOVER,
  });
  Object.assign(ctx, { old, stranger, rotated });
});
test.after(cleanTempDirs);

async function consumer(
  files: Record<string, string> = {},
  config: object = { trust: [{ packages: '@acme/*', keys: ['release'] }] },
) {
  const dir = await tempDir('sealpack-rotation-');
  await writeFile(join(dir, '.sealpackrc.json'), JSON.stringify(config, null, 2));
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(dir, '.sealpack', 'keys'), { recursive: true });
  await writeFile(join(dir, '.sealpack', 'keys', 'release.asc'), ctx.old.publicKey);
  for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text);
  return dir;
}

async function update(dir: string, texts: Record<string, string | Uint8Array>, now = NOW) {
  const trust = await loadTrust({ cwd: dir });
  const inputs = await Promise.all(
    Object.entries(texts).map(async ([name, data]) => {
      const file = join(dir, name);
      await writeFile(file, data);
      return { file, data };
    }),
  );
  const plan = await planKeyUpdate(trust, inputs, { now });
  for (const write of plan.writes) await writeFile(write.file, write.text);
  return plan;
}

async function judgeAt(trust: Trust, armored: string) {
  const checks = await verifySignatures(
    DATA,
    armored,
    trust.keys.map((k) => k.key),
  );
  return judgeSignatures({ trust, name: '@acme/widget', version: '1.0.0', checks, artifact: 'x', at: NOW, now: NOW });
}

test('rotateKey: the successor carries a certification by the old key; the revocation is superseded, at the next whole second', async () => {
  const oldInfo = await readPublicKey(ctx.old.publicKey);
  const material = await readKeyMaterial(`${ctx.rotated.publicKey}\n${ctx.rotated.revocation}`, [oldInfo]);
  assert.is(material.keys.length, 1);
  const [certification] = material.keys[0]!.certifications;
  assert.equal(
    [certification!.valid, certification!.certifier, certification!.created.toISOString()],
    [true, oldInfo.fingerprint, '2026-06-01T12:00:00.000Z'],
  );
  assert.equal(material.revocations, [
    {
      fingerprint: oldInfo.fingerprint,
      revocation: {
        reason: 'superseded',
        date: new Date('2026-06-01T12:00:01Z'),
        comment: `superseded by ${ctx.rotated.fingerprint}`,
      },
    },
  ]);
});

test('a consumer follows the rotation: signatures by the old key before the hand-over verify, later ones fail; the new key signs', async () => {
  const dir = await consumer();
  const oldSigner = await readSigningKey(ctx.old.privateKey);
  const newSigner = await readSigningKey(ctx.rotated.privateKey);
  const [before, after, successor] = await Promise.all([
    oldSigner.sign(DATA, BEFORE),
    oldSigner.sign(DATA, AFTER),
    newSigner.sign(DATA, AFTER),
  ]);

  const plan = await update(dir, {
    'release-2027.pub.asc': ctx.rotated.publicKey,
    'release.revocation.asc': ctx.rotated.revocation,
  });
  assert.equal(
    plan.keys.map((k) => [k.name, k.certifiedBy.map((c) => c.name)]),
    [['release-2027', ['release']]],
  );
  assert.equal(plan.rules, [{ path: 'trust[0].keys', added: 'release-2027', beside: ['release'] }]);
  assert.equal(JSON.parse(await readFile(join(dir, '.sealpack', 'revocations.json'), 'utf8')), [
    {
      fingerprint: ctx.rotated.oldFingerprint,
      reason: 'superseded',
      date: '2026-06-01T12:00:01Z',
      comment: `superseded by ${ctx.rotated.fingerprint}`,
    },
  ]);
  const trust = await loadTrust({ cwd: dir });
  assert.equal(trust.policy.trust[0]!.keys, ['release', 'release-2027']);

  assert.is((await judgeAt(trust, before)).passed, true, 'made before the hand-over');
  const late = await judgeAt(trust, after);
  assert.is(late.passed, false, 'made after the hand-over');
  assert.equal(
    late.findings.map((f) => f.code),
    ['ESEAL_KEY_REVOKED', 'ESEAL_THRESHOLD'],
  );
  assert.equal(
    (await judgeAt(trust, successor)).signers.map((s) => s.keyName),
    ['release-2027'],
  );
});

test('refused with the keyring untouched: a key no pinned key certified, a forged certification, a hard-revoked certifier, too few certifiers', async () => {
  const untouched = async (dir: string) => ({
    keys: (await readdir(join(dir, '.sealpack', 'keys'))).sort(),
    config: await readFile(join(dir, '.sealpackrc.json'), 'utf8'),
    revocations: await readFile(join(dir, '.sealpack', 'revocations.json'), 'utf8').catch(() => null),
  });
  const refused = async (dir: string, texts: Record<string, string>, code: string) => {
    const state = await untouched(dir);
    await rejects(() => update(dir, texts), code);
    assert.equal(await untouched(dir), state);
  };

  await refused(await consumer(), { 'mallory.pub.asc': ctx.stranger.publicKey }, 'ESEAL_UNKNOWN_KEY');
  // The stranger certifies its own successor: not a pinned key's word.
  const self = await rotateKey({
    from: await keyFileCertifier(await readPrivateKey(ctx.stranger.privateKey, undefined)),
    key: { name: 'evil' },
    date: HANDOVER,
  });
  await refused(await consumer(), { 'evil.pub.asc': self.publicKey }, 'ESEAL_UNKNOWN_KEY');
  // A compromised certifier's word counts for nothing, whatever the date.
  const compromised = JSON.stringify([{ fingerprint: ctx.rotated.oldFingerprint, reason: 'compromised', date: '2026-09-01' }]);
  await refused(
    await consumer({ '.sealpack/revocations.json': compromised }),
    { 'release-2027.pub.asc': ctx.rotated.publicKey },
    'ESEAL_KEY_REVOKED',
  );
  // rotation.threshold 2: one certifier is not enough.
  const two = await consumer({}, { trust: [{ packages: '@acme/*', keys: ['release'] }], rotation: { threshold: 2 } });
  await refused(two, { 'release-2027.pub.asc': ctx.rotated.publicKey }, 'ESEAL_THRESHOLD');
  // A revocation certificate of a key nobody pinned is not recorded.
  await refused(await consumer(), { 'evil.revocation.asc': self.revocation }, 'ESEAL_UNKNOWN_KEY');
  // A private key is never taken.
  await refused(await consumer(), { 'release-2027.key.asc': ctx.rotated.privateKey }, 'ESEAL_CONFIG');
});

test("the old key's own hard revocation inside its key block (gpg --export after the revocation) is recorded, and its certification no longer pins anything", async () => {
  const gpg = await Gpg.create();
  try {
    gpg.importKey(ctx.old.privateKey);
    const old = ctx.rotated.oldFingerprint;
    gpg.revoke(old, 'compromised', 'stolen');
    const revoked = gpg.exportPublic(old);
    const dir = await consumer();
    // With the successor: the certification by a compromised key counts for nothing.
    await rejects(
      () => update(dir, { 'release.asc': revoked, 'release-2027.pub.asc': ctx.rotated.publicKey }),
      'ESEAL_KEY_REVOKED',
    );
    assert.equal(await readdir(join(dir, '.sealpack', 'keys')), ['release.asc']);
    // Alone: the revocation is recorded.
    const plan = await update(dir, { 'release.asc': revoked });
    assert.equal(
      plan.revocations.map((r) => [r.entry.fingerprint, r.entry.reason]),
      [[old, 'compromised']],
    );
  } finally {
    gpg.stop();
  }
});

test('a certification its certifier revoked (gpg --quick-revoke-sig) does not pin the key', async () => {
  const gpg = await Gpg.create();
  try {
    gpg.importKey(ctx.old.privateKey);
    gpg.importKey(ctx.rotated.publicKey);
    gpg.run(['--quick-revoke-sig', ctx.rotated.fingerprint, ctx.rotated.oldFingerprint]);
    const withdrawn = gpg.exportPublic(ctx.rotated.fingerprint);
    const dir = await consumer();
    await rejects(() => update(dir, { 'release-2027.pub.asc': withdrawn }), 'ESEAL_UNKNOWN_KEY');
    assert.equal(await readdir(join(dir, '.sealpack', 'keys')), ['release.asc']);
  } finally {
    gpg.stop();
  }
});

test('keys update pins a binary successor (gpg --export, no -a) certified by a pinned key, as NAME.gpg byte for byte', async () => {
  const gpg = await Gpg.create();
  try {
    gpg.importKey(ctx.old.privateKey);
    const successor = gpg.generate('release-2027 <release@example.com>', 'ed25519', 'sign', '2y');
    gpg.run(['--default-key', ctx.rotated.oldFingerprint, '--quick-sign-key', successor]);
    const binary = await gpg.exportBinary(successor);
    const cwd = await consumer();
    await writeFile(join(cwd, 'release-2027.gpg'), binary);
    const updated = await cli(['keys', 'update', 'release-2027.gpg'], { cwd });
    assert.is(updated.status, 0, updated.stderr);
    assert.equal(await readdir(join(cwd, '.sealpack', 'keys')), ['release-2027.gpg', 'release.asc']);
    assert.equal(new Uint8Array(await readFile(join(cwd, '.sealpack', 'keys', 'release-2027.gpg'))), binary);
    const trust = await loadTrust({ cwd });
    assert.equal(
      trust.keys.map((k) => [k.name, k.key.fingerprint]),
      [
        ['release', ctx.rotated.oldFingerprint],
        ['release-2027', successor],
      ],
    );
    assert.equal(trust.policy.trust[0]!.keys, ['release', 'release-2027']);

    // The old key's compromised revocation appended to the binary file (`cat NEW.gpg OLD-rev.gpg`)
    // sits after the new key's packets: it is read as the old key's revocation, never dropped.
    const revocation = await gpg.revocationCertificate(ctx.rotated.oldFingerprint, 'compromised', 'stolen');
    const armored = join(gpg.home, 'old.rev.asc');
    await writeFile(armored, revocation);
    gpg.run(['--output', `${armored}.gpg`, '--dearmor', armored]);
    const appended = Buffer.concat([binary, await readFile(`${armored}.gpg`)]);
    const fresh = await consumer();
    await rejects(() => update(fresh, { 'release-2027.gpg': appended }, new Date()), 'ESEAL_KEY_REVOKED');
    assert.equal(await readdir(join(fresh, '.sealpack', 'keys')), ['release.asc']);
  } finally {
    gpg.stop();
  }
});

test("keys update refuses a ':'-guarded block (as gpg writes revocation certificates) as the keyring does: ESEAL_MALFORMED, nothing written", async () => {
  const guarded = ctx.rotated.revocation.replace('-----BEGIN PGP', ':-----BEGIN PGP');
  const cwd = await consumer();
  await writeFile(join(cwd, 'release.revocation.asc'), guarded);
  const updated = await cli(['keys', 'update', 'release.revocation.asc'], { cwd });
  assert.is(updated.status, 2);
  assert.match(updated.stderr + updated.stdout, /ESEAL_MALFORMED.*guarded by a leading ':'/);
  assert.equal(await readdir(join(cwd, '.sealpack')), ['keys']);
  // The same block appended to a pinned key file: the keyring refuses it the same way.
  await writeFile(join(cwd, '.sealpack', 'keys', 'release.asc'), `${ctx.old.publicKey}\n${guarded}`);
  await rejects(() => loadTrust({ cwd }), 'ESEAL_CONFIG', /guarded by a leading ':'/);
});

test("a certification's own expiry is judged at the injected clock, not the machine's", async () => {
  const gpg = await Gpg.create();
  try {
    gpg.importKey(ctx.old.privateKey);
    const at = (date: Date) => [`--faked-system-time`, `${date.toISOString().replace(/[-:]|\.\d+Z$/g, '')}!`];
    const successor = gpg.generate('release-2027 <release@example.com>', 'ed25519', 'sign', '2y', at(HANDOVER));
    // Valid for one day from the hand-over: long past by the machine's clock.
    gpg.run([
      ...at(HANDOVER),
      '--default-cert-expire',
      '1d',
      '--default-key',
      ctx.rotated.oldFingerprint,
      '--quick-sign-key',
      successor,
    ]);
    const published = { 'release-2027.pub.asc': gpg.exportPublic(successor) };
    const plan = await update(await consumer(), published, new Date(HANDOVER.getTime() + 3_600_000));
    assert.equal(
      plan.keys.map((k) => k.key.fingerprint),
      [successor],
    );
    const dir = await consumer();
    const late = await rejects(() => update(dir, published, new Date(HANDOVER.getTime() + 2 * 86_400_000)), 'ESEAL_UNKNOWN_KEY');
    assert.match(String((late as { details?: string[] }).details), /the certification has expired/);
  } finally {
    gpg.stop();
  }
});

test("a certification counts only inside its certifier's primary lifetime: not dated before it was made, not after it expired", async () => {
  const refusal = async (dir: string, texts: Record<string, string>) => {
    const error = await rejects(() => update(dir, texts), 'ESEAL_UNKNOWN_KEY');
    return String((error as { details?: string[] }).details);
  };
  // Backdated: certified (and revoked) a year before the old key was made.
  const backdated = await rotateKey({
    from: await keyFileCertifier(await readPrivateKey(ctx.old.privateKey, undefined)),
    key: { name: 'release-2027', email: 'release@example.com' },
    date: new Date('2025-01-01T00:00:00Z'),
  });
  assert.match(
    await refusal(await consumer(), { 'release-2027.pub.asc': backdated.publicKey }),
    /dated before the certifier was created or bound/,
  );
  // Certified after the certifier expired.
  const expiring = await generateKey({ name: 'release', date: T0, expires: new Date('2026-02-01T00:00:00Z') });
  const late = await rotateKey({
    from: await keyFileCertifier(await readPrivateKey(expiring.privateKey, undefined)),
    key: { name: 'release-2027' },
    date: HANDOVER,
  });
  const pinnedExpiring = await consumer({ '.sealpack/keys/release.asc': expiring.publicKey });
  assert.match(await refusal(pinnedExpiring, { 'release-2027.pub.asc': late.publicKey }), /made after the certifier expired/);
});

test("a certifier's revoked signing subkey does not matter (certifications are made by primaries); its primary's soft revocation does, by date", async () => {
  const gpg = await Gpg.create();
  try {
    const at = (date: string) => ['--faked-system-time', `${date}!`];
    const certifier = gpg.generate('release <release@example.com>', 'ed25519', 'cert', '0', at('20260101T000000'));
    gpg.run([...at('20260101T000100'), '--quick-add-key', certifier, 'ed25519', 'sign']);
    const signing = gpg.fingerprints(certifier)[1]!;
    const successor = (userId: string, date: string): string => {
      const fingerprint = gpg.generate(userId, 'ed25519', 'sign', '2y', at(date));
      gpg.run([...at(date), '--default-key', certifier, '--quick-sign-key', fingerprint]);
      return fingerprint;
    };
    const before = successor('release-2027 <release@example.com>', '20260301T000000');
    // The primary retires itself on 1 April (the certificate is made then, imported later).
    const retired = await gpg.revocationCertificate(certifier, 'retired', 'moved on', at('20260401T000000'));
    const after = successor('release-2028 <release@example.com>', '20260501T000000');
    // The signing subkey is revoked as compromised, in the key file and in the revocation list.
    gpg.revokeSubkey(certifier, 1, 'compromised', 'token lost');
    const subkeyRevoked = gpg.exportPublic(certifier);
    const list = JSON.stringify([{ fingerprint: signing, reason: 'compromised', date: '2026-02-01T00:00:00Z' }]);
    const pinned = (extra = '') =>
      consumer({ '.sealpack/keys/release.asc': `${subkeyRevoked}${extra}`, '.sealpack/revocations.json': list });

    const trust = await loadTrust({ cwd: await pinned() });
    assert.ok(trust.revocations.some((r) => r.fingerprint === signing && r.reason === 'compromised' && r.source === 'key'));
    const plan = await update(await pinned(), { 'release-2027.pub.asc': gpg.exportPublic(before) });
    assert.equal(
      plan.keys.map((k) => [k.key.fingerprint, k.certifiedBy.map((c) => c.fingerprint)]),
      [[before, [certifier]]],
    );
    // Retired on 1 April: its certification of 1 March still counts, that of 1 May does not.
    const both = await pinned(`\n${retired}`);
    assert.equal((await update(both, { 'release-2027.pub.asc': gpg.exportPublic(before) })).keys.length, 1);
    const error = await rejects(() => update(both, { 'release-2028.pub.asc': gpg.exportPublic(after) }), 'ESEAL_UNKNOWN_KEY');
    assert.match(String((error as { details?: string[] }).details), /made after the certifier was revoked \(retired\)/);
  } finally {
    gpg.stop();
  }
});

test('a name whose key file holds no usable key is taken: refused, nothing written', async () => {
  const gpg = await Gpg.create();
  try {
    gpg.importKey(ctx.old.publicKey);
    const exported = await gpg.exportBinary(ctx.rotated.oldFingerprint);
    // The primary key packet alone (one-byte length): no user ID, no self-signature to use.
    const unusable = exported.subarray(0, 2 + exported[1]!);
    const dir = await consumer({ '.sealpack/keys/release-2027.gpg': unusable });
    assert.match((await loadTrust({ cwd: dir })).warnings.join('\n'), /release-2027\.gpg/);
    await rejects(() => update(dir, { 'release-2027.pub.asc': ctx.rotated.publicKey }), 'ESEAL_CONFIG', /release-2027 is taken/);
    assert.equal(await readdir(join(dir, '.sealpack', 'keys')), ['release-2027.gpg', 'release.asc']);
    assert.equal(
      await readFile(join(dir, '.sealpackrc.json'), 'utf8'),
      JSON.stringify({ trust: [{ packages: '@acme/*', keys: ['release'] }] }, null, 2),
    );
  } finally {
    gpg.stop();
  }
});

test.run();
