// Key files and signatures as gpg 2.2 and Sequoia sq 0.27 write them, pinned the way users
// pin them, judged as gpg, gpgv and sqv judge them (issue 7 items 1–7; issue 13 item 11).
// Every key is made here, at test time, by the tool users make it with.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Finding } from '@sealpack/diagnostics';
import { appendSignatures, generateKey, readSigningKey, verifySignatures, type GeneratedKey } from '@sealpack/openpgp';
import { judgeSignatures, loadTrust, type Trust } from '@sealpack/trust';
import { cleanTempDirs, rejects, run, tempDir } from '../helpers/index.js';
import { Gpg } from '../helpers/gpg.js';

const test = suite('e2e: key files and signatures from gpg and sq');

const data = new TextEncoder().encode('{"format":"sealpack/manifest@1","name":"@acme/widget"}\n');

let gpg: Gpg;
let ours: GeneratedKey;
let sqDir: string;

test.before(async () => {
  gpg = await Gpg.create();
  ours = await generateKey({ name: 'Ours', email: 'ours@example.org' });
  sqDir = await tempDir('sealpack-sq-');
});

test.after(async () => {
  gpg.stop();
  await cleanTempDirs();
});

/** A consumer project pinning `keys` (file name → contents), every pinned NAME trusted for every package. */
async function project(keys: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await tempDir('sealpack-interop-keys-');
  await mkdir(join(dir, '.sealpack', 'keys'), { recursive: true });
  for (const [file, contents] of Object.entries(keys)) await writeFile(join(dir, '.sealpack', 'keys', file), contents);
  const names = [...new Set(Object.keys(keys).map((file) => file.replace(/\.(asc|gpg|pgp)$/, '')))];
  await writeFile(join(dir, '.sealpackrc.json'), JSON.stringify({ trust: [{ packages: ['**'], keys: names }] }));
  return dir;
}

const codes = (findings: Finding[]) => findings.map((f) => `${f.severity}:${f.code}`);

async function judge(trust: Trust, signature: string | Uint8Array, at = new Date()) {
  const checks = await verifySignatures(
    data,
    signature,
    trust.keys.map((k) => k.key),
    'w.tgz.manifest.json.asc',
  );
  return judgeSignatures({ trust, name: '@acme/widget', version: '1.0.0', checks, artifact: 'w.tgz', at });
}

async function judgeIn(dir: string, signature: string | Uint8Array, at?: Date) {
  return judge(await loadTrust({ cwd: dir }), signature, at);
}

/** Runs sq in a folder of its own; fails the test when sq is missing or fails. */
function sq(args: string[], input?: string): string {
  const result = run('sq', args, { cwd: sqDir, ...(input === undefined ? {} : { input }) });
  assert.is(result.status, 0, `sq ${args.join(' ')}\n${result.stderr}`);
  return result.stdout;
}

test('gpg --gen-revoke appended to the key file (cat key.asc rev.asc): compromised refuses every signature', async () => {
  const fpr = gpg.generate('Cora <cora@example.org>', 'ed25519', 'sign');
  const signature = await gpg.signDetached(fpr, data);
  const key = gpg.exportPublic(fpr);
  assert.is((await judgeIn(await project({ 'cora.asc': key }), signature)).passed, true, 'before the revocation');
  const revoked = key + (await gpg.revocationCertificate(fpr, 'compromised', 'laptop stolen'));
  const result = await judgeIn(await project({ 'cora.asc': revoked }), signature);
  assert.equal(codes(result.findings), ['error:ESEAL_KEY_REVOKED', 'error:ESEAL_THRESHOLD']);
  const noReason = key + (await gpg.revocationCertificate(fpr, 'unspecified'));
  assert.ok(
    codes((await judgeIn(await project({ 'cora.asc': noReason }), signature)).findings).includes('error:ESEAL_KEY_REVOKED'),
  );
});

test('gpg --gen-revoke superseded, appended: soft, by signature time', async () => {
  const fpr = gpg.generate('Sue <sue@example.org>', 'ed25519', 'sign', '0', ['--faked-system-time', '20250101T000000!']);
  const early = await gpg.signDetached(fpr, data, ['--faked-system-time', '20250201T000000!']);
  const late = await gpg.signDetached(fpr, data);
  const dir = await project({
    'sue.asc': gpg.exportPublic(fpr) + (await gpg.revocationCertificate(fpr, 'superseded', 'new key')),
  });
  assert.is((await judgeIn(dir, early)).passed, true, 'made before the revocation');
  const after = await judgeIn(dir, late, new Date(Date.now() + 60_000));
  assert.equal(codes(after.findings), ['error:ESEAL_KEY_REVOKED', 'error:ESEAL_THRESHOLD']);
});

test('sq revoke certificate, appended: compromised is hard, retired is soft', async () => {
  const made = ['--creation-time', '20250101'];
  sq(['key', 'generate', '--userid', 'Seq <seq@example.org>', '--cannot-encrypt', ...made, '--export', 'seq.key']);
  const cert = sq(['key', 'extract-cert', 'seq.key']);
  await writeFile(join(sqDir, 'data'), data);
  const signature = sq(['sign', '--detached', '--time', '20250201', '--signer-key', 'seq.key', 'data']);
  assert.is((await judgeIn(await project({ 'seq.asc': cert }), signature)).passed, true);
  const compromised = sq(['revoke', 'certificate', '--certificate', 'seq.key', 'compromised', 'leaked']);
  const hard = await judgeIn(await project({ 'seq.asc': cert + compromised }), signature);
  assert.equal(codes(hard.findings), ['error:ESEAL_KEY_REVOKED', 'error:ESEAL_THRESHOLD']);
  const retired = sq(['revoke', 'certificate', '--certificate', 'seq.key', 'retired', 'gone']);
  assert.is((await judgeIn(await project({ 'seq.asc': cert + retired }), signature)).passed, true, 'signed before');
});

test('binary key files as gpg and sq write them (NAME.gpg, NAME.pgp) are pinned', async () => {
  const fpr = gpg.generate('Bina <bina@example.org>', 'ed25519', 'sign');
  sq(['key', 'generate', '--userid', 'Bin <bin@example.org>', '--cannot-encrypt', '--export', 'bin.key']);
  await writeFile(join(sqDir, 'data'), data);
  const sqSignature = sq(['sign', '--detached', '--signer-key', 'bin.key', 'data']);
  run('sq', ['key', 'extract-cert', '--binary', '--output', join(sqDir, 'bin.pgp'), 'bin.key'], { cwd: sqDir });
  const dir = await project({ 'bina.gpg': await gpg.exportBinary(fpr), 'bin.pgp': await readFile(join(sqDir, 'bin.pgp')) });
  const trust = await loadTrust({ cwd: dir });
  assert.equal(
    trust.keys.map((k) => k.name),
    ['bin', 'bina'],
  );
  assert.is((await judge(trust, await gpg.signDetached(fpr, data))).signers[0]?.keyName, 'bina');
  assert.is((await judge(trust, sqSignature)).signers[0]?.keyName, 'bin');
});

test("gpg's own revocation certificate (openpgp-revocs.d, guarded by a leading ':') appended: refused, not skipped", async () => {
  const fpr = gpg.generate('Guard <guard@example.org>', 'ed25519', 'sign');
  const guarded = await readFile(join(gpg.home, 'openpgp-revocs.d', `${fpr}.rev`), 'utf8');
  const dir = await project({ 'guard.asc': gpg.exportPublic(fpr) + guarded });
  await rejects(() => loadTrust({ cwd: dir }), 'ESEAL_CONFIG', /guard\.asc: .*leading ':'/);
});

test('several certificates in one file all count under its NAME', async () => {
  const first = gpg.generate('Team One <one@example.org>', 'ed25519', 'sign');
  const second = gpg.generate('Team Two <two@example.org>', 'rsa3072', 'sign');
  const dir = await project({ 'team.asc': gpg.exportPublic(first) + gpg.exportPublic(second) });
  const trust = await loadTrust({ cwd: dir });
  assert.equal(
    trust.keys.map((k) => [k.name, k.key.fingerprint]),
    [
      ['team', first],
      ['team', second],
    ],
  );
  for (const fpr of [first, second]) {
    const result = await judge(trust, await gpg.signDetached(fpr, data));
    assert.equal([result.passed, result.signers[0]?.fingerprint], [true, fpr]);
  }
  // One export holding both (gpg --export A B) reads the same.
  const both = gpg.run(['--armor', '--export', first, second]).stdout;
  assert.is((await loadTrust({ cwd: await project({ 'team.asc': both }) })).keys.length, 2);
});

test('secret key material in any block, under any header, is ESEAL_CONFIG', async () => {
  const fpr = gpg.generate('Sec <sec@example.org>', 'ed25519', 'sign');
  const secret = gpg.exportSecret(fpr);
  const disguised = secret.replaceAll('PRIVATE KEY BLOCK', 'PUBLIC KEY BLOCK');
  const dir = await project({ 'sec.asc': ours.publicKey + disguised });
  await rejects(() => loadTrust({ cwd: dir }), 'ESEAL_CONFIG', /private key/);
  const file = join(gpg.home, 'secret.gpg');
  gpg.run(['--yes', '--output', file, '--export-secret-keys', fpr]);
  const binary = await project({ 'sec.gpg': await readFile(file) });
  await rejects(() => loadTrust({ cwd: binary }), 'ESEAL_CONFIG', /private key/);
});

test('gpg brainpool and secp256k1 keys verify; a key sealpack cannot use is a warning naming its file, others verify', async () => {
  const brainpool = gpg.generate('Brain <brain@example.org>', 'brainpoolP256r1', 'sign');
  const koblitz = gpg.generate('Kob <kob@example.org>', 'secp256k1', 'sign');
  const good = gpg.generate('Good <good@example.org>', 'ed25519', 'sign');
  // A certificate whose only self-signature is damaged: nothing binds its user ID or flags.
  const broken = gpg.generate('Broken <broken@example.org>', 'ed25519', 'sign');
  const damaged = await gpg.exportBinary(broken);
  damaged[damaged.length - 3] ^= 0x01;
  const dir = await project({
    'brain.asc': gpg.exportPublic(brainpool),
    'kob.asc': gpg.exportPublic(koblitz),
    'good.asc': gpg.exportPublic(good),
    'broken.gpg': damaged,
  });
  const trust = await loadTrust({ cwd: dir });
  assert.match(trust.warnings.join('\n'), /broken\.gpg: key [0-9A-F]{40} cannot be used and is skipped/);
  assert.equal(trust.keys.map((k) => k.name).sort(), ['brain', 'good', 'kob']);
  for (const [fpr, name] of [
    [brainpool, 'brain'],
    [koblitz, 'kob'],
    [good, 'good'],
  ] as const) {
    const result = await judge(trust, await gpg.signDetached(fpr, data));
    assert.equal([result.passed, result.signers[0]?.keyName], [true, name], codes(result.findings).join());
  }
});

test('signature lifetime: past its expiration (gpg --default-sig-expire), or dated before its key: ESEAL_SIGNATURE_EXPIRED', async () => {
  const fpr = gpg.generate('Life <life@example.org>', 'ed25519', 'sign', '0', ['--faked-system-time', '20250601T000000!']);
  const dir = await project({ 'life.asc': gpg.exportPublic(fpr) });
  const expiring = await gpg.signDetached(fpr, data, ['--faked-system-time', '20250701T000000!', '--default-sig-expire', '1d']);
  assert.match(await gpg.verify(expiring, data), /\[GNUPG:\] EXPSIG /, 'gpg: EXPSIG');
  const expired = await judgeIn(dir, expiring);
  assert.equal(codes(expired.findings), ['error:ESEAL_SIGNATURE_EXPIRED', 'error:ESEAL_THRESHOLD']);
  assert.is((await judgeIn(dir, expiring, new Date('2025-07-01T12:00:00Z'))).passed, true, 'before it expired');

  const backdated = await gpg.signDetached(fpr, data, ['--faked-system-time', '20250101T000000!', '--ignore-time-conflict']);
  assert.match(await gpg.gpgv(gpg.exportPublic(fpr), backdated, data), /^(?![\s\S]*GOODSIG)/, 'gpgv: time conflict');
  const before = await judgeIn(dir, backdated);
  assert.equal(codes(before.findings), ['error:ESEAL_SIGNATURE_EXPIRED', 'error:ESEAL_THRESHOLD']);
  assert.match(before.findings[0]!.message, /dated before its key was created/);

  // A day ahead of the verification time (a signer's clock set forward): refused too.
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().replace(/[-:]/g, '').slice(0, 15);
  const ahead = await gpg.signDetached(fpr, data, ['--faked-system-time', `${tomorrow}!`]);
  const future = await judgeIn(dir, ahead);
  assert.equal(codes(future.findings), ['error:ESEAL_SIGNATURE_EXPIRED', 'error:ESEAL_THRESHOLD']);
  assert.match(future.findings[0]!.message, /dated in the future/);
});

test('Ed25519 with SHA-1 or SHA-224 is ESEAL_WEAK_ALGORITHM, not a bad signature; a forged one is still bad', async () => {
  const fpr = gpg.generate('Weak <weak@example.org>', 'ed25519', 'sign');
  const dir = await project({ 'weak.asc': gpg.exportPublic(fpr) });
  for (const hash of ['SHA1', 'SHA224']) {
    const signature = await gpg.signBinary(fpr, data, ['--digest-algo', hash]);
    const result = await judgeIn(dir, signature);
    assert.equal(codes(result.findings), ['error:ESEAL_THRESHOLD', 'error:ESEAL_WEAK_ALGORITHM'], hash);
    const forged = signature.slice();
    forged[forged.length - 5] ^= 0x01; // inside s: the digest prefix still matches
    assert.ok(codes((await judgeIn(dir, forged)).findings).includes('error:ESEAL_BAD_SIGNATURE'), `${hash} forged`);
  }
});

test('binary detached signatures (gpg --detach-sign without -a) are read', async () => {
  const fpr = gpg.generate('Bare <bare@example.org>', 'ed25519', 'sign');
  const dir = await project({ 'bare.asc': gpg.exportPublic(fpr) });
  const result = await judgeIn(dir, await gpg.signBinary(fpr, data));
  assert.equal([result.passed, result.signers[0]?.fingerprint], [true, fpr]);
  const tampered = await judgeIn(dir, await gpg.signBinary(fpr, data.slice(1)));
  assert.ok(codes(tampered.findings).includes('error:ESEAL_BAD_SIGNATURE'));
});

test('a second armored block in an .asc is judged too: a bad or revoked signature in it fails', async () => {
  const fpr = gpg.generate('Blocks <blocks@example.org>', 'ed25519', 'sign');
  const other = gpg.generate('Other <other@example.org>', 'ed25519', 'sign');
  const good = await gpg.signDetached(fpr, data);
  const dir = await project({
    'blocks.asc': gpg.exportPublic(fpr),
    'other.asc': gpg.exportPublic(other) + (await gpg.revocationCertificate(other, 'compromised')),
  });
  assert.is((await judgeIn(dir, good)).passed, true);
  const bad = await judgeIn(dir, good + (await gpg.signDetached(fpr, data.slice(1))));
  assert.equal([bad.passed, codes(bad.findings)], [false, ['error:ESEAL_BAD_SIGNATURE']]);
  const revoked = await judgeIn(dir, good + (await gpg.signDetached(other, data)));
  assert.equal([revoked.passed, codes(revoked.findings)], [false, ['error:ESEAL_KEY_REVOKED']]);
});

test('20,000 copies of one signature: refused unchecked (ESEAL_MALFORMED); a few copies count once', async () => {
  const signer = await readSigningKey(ours.privateKey);
  const one = await signer.sign(data);
  const dir = await project({ 'ours.asc': ours.publicKey });
  const twice = await appendSignatures(one, one);
  const result = await judgeIn(dir, one + twice);
  assert.equal([result.passed, result.findings], [true, []]);
  const block = one.match(/\n\n([\s\S]*?)\n(=|-----END)/)![1]!.replace(/\n/g, '');
  const copies = Buffer.from(block, 'base64');
  const flood = Buffer.concat(Array.from({ length: 20_000 }, () => copies));
  const trust = await loadTrust({ cwd: dir });
  await rejects(() => judge(trust, flood), 'ESEAL_MALFORMED', /more than 64 signature packets/);
  await rejects(() => judge(trust, one.repeat(100)), 'ESEAL_MALFORMED', /more than 64 signature packets/);
});

test.run();
