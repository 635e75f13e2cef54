// The seal end to end through the real CLI: keygen, sign, verify, against real GnuPG and
// Sequoia, and one real input for every ESEAL_* code the tarball verifier can produce.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { create as createTar } from 'tar';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanTempDirs, run, runCli, tempDir, type RunResult } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { Gpg } from '../helpers/gpg.js';

const test = suite('e2e: keygen, sign, verify');
const PASS = 'correct horse battery staple';

interface Ctx {
  dir: string;
  keys: string;
  gpg: Gpg;
  alicePub: string;
  bobPub: string;
}
const ctx = {} as Ctx;

const gpgs: Gpg[] = [];
const newGpg = async () => {
  const gpg = await Gpg.create();
  gpgs.push(gpg);
  return gpg;
};

const noStack = (r: RunResult) => assert.not.match(r.stdout + r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');

/** A fresh folder holding `name-version.tgz`, optionally sealed by alice. */
async function tarball(name = 'pkg', version = '1.0.0', options: { sign?: boolean; files?: Record<string, string> } = {}) {
  const dir = await tempDir('sealpack-tgz-');
  const path = join(dir, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
  await makeTarball(path, packageFiles(name, version, { 'lib/util.js': 'exports.x = 1;\n', ...options.files }));
  if (options.sign !== false) {
    const signed = runCli(['sign', path, '--key', join(ctx.keys, 'alice.key.asc')], { env: { SEALPACK_PASSPHRASE: PASS } });
    assert.is(signed.status, 0, signed.stdout + signed.stderr);
  }
  return path;
}

/** A consumer repository pinning `keys`, with an optional policy and revocation list. */
async function consumer(keys: Record<string, string>, config?: object, revocations?: object[]) {
  const dir = await tempDir('sealpack-consumer-');
  await mkdir(join(dir, '.sealpack', 'keys'), { recursive: true });
  for (const [name, armored] of Object.entries(keys)) await writeFile(join(dir, '.sealpack', 'keys', `${name}.asc`), armored);
  if (config) await writeFile(join(dir, '.sealpackrc.json'), JSON.stringify(config));
  if (revocations) await writeFile(join(dir, '.sealpack', 'revocations.json'), JSON.stringify(revocations));
  return dir;
}

function verify(cwd: string, ...args: string[]) {
  const result = runCli(['verify', '--json', ...args], { cwd });
  noStack(result);
  let codes: string[] = [];
  let errors: string[] = [];
  let warnings: string[] = [];
  try {
    const verdict = JSON.parse(result.stdout) as { findings: { code: string; severity: string }[] };
    codes = verdict.findings.map((f) => f.code);
    errors = verdict.findings.filter((f) => f.severity === 'error').map((f) => f.code);
    warnings = verdict.findings.filter((f) => f.severity === 'warning').map((f) => f.code);
  } catch {
    /* not JSON: usage and config errors print on stderr */
  }
  return { ...result, codes, errors, warnings };
}

/** gpg --verify on files, judged by its status lines (GOODSIG and VALIDSIG), never its exit code. */
function verifiesFiles(gpg: Gpg, signature: string, data: string): boolean {
  const status = gpg.run(['--status-fd', '1', '--verify', signature, data], { allowFailure: true }).stdout;
  return /^\[GNUPG:\] GOODSIG /m.test(status) && /^\[GNUPG:\] VALIDSIG /m.test(status);
}

/** Replaces a tarball's manifest signature with one gpg makes (as `uid`, with extra gpg args). */
function gpgSignManifest(tgz: string, uid: string, extra: string[] = []) {
  const r = ctx.gpg.run([
    ...extra,
    '--local-user',
    uid,
    '--yes',
    '--armor',
    '--output',
    `${tgz}.manifest.json.asc`,
    '--detach-sign',
    `${tgz}.manifest.json`,
  ]);
  assert.is(r.status, 0, r.stdout + r.stderr);
}

test.before(async () => {
  ctx.dir = await tempDir();
  ctx.keys = join(ctx.dir, 'keys');
  const made = runCli(['keygen', '--name', 'alice', '--email', 'alice@example.com', '--out', ctx.keys], {
    env: { SEALPACK_PASSPHRASE: PASS },
  });
  assert.is(made.status, 0, made.stdout + made.stderr);
  const bob = runCli(['keygen', '--name', 'bob', '--out', ctx.keys, '--expires', 'never'], { env: { SEALPACK_PASSPHRASE: '' } });
  assert.is(bob.status, 0, bob.stdout + bob.stderr);
  ctx.alicePub = await readFile(join(ctx.keys, 'alice.pub.asc'), 'utf8');
  ctx.bobPub = await readFile(join(ctx.keys, 'bob.pub.asc'), 'utf8');
  ctx.gpg = await newGpg();
  assert.is(ctx.gpg.run(['--import', join(ctx.keys, 'alice.pub.asc'), join(ctx.keys, 'bob.pub.asc')]).status, 0);
});
test.after(async () => {
  for (const gpg of gpgs) gpg.stop();
  await cleanTempDirs();
});

test('keygen writes a private and a public key; the private one is encrypted with SEALPACK_PASSPHRASE', async () => {
  assert.ok(existsSync(join(ctx.keys, 'alice.key.asc')));
  assert.match(ctx.alicePub, /BEGIN PGP PUBLIC KEY BLOCK/);
  const path = await tarball('pkg', '1.0.0', { sign: false });
  const noPass = runCli(['sign', path, '--key', join(ctx.keys, 'alice.key.asc')], { env: { SEALPACK_PASSPHRASE: '' } });
  assert.is(noPass.status, 2);
  assert.match(noPass.stdout, /ESEAL_CONFIG/);
  assert.match(noPass.stdout, /hint:/);
  noStack(noPass);
  const wrong = runCli(['sign', path, '--key', join(ctx.keys, 'alice.key.asc')], { env: { SEALPACK_PASSPHRASE: 'wrong' } });
  assert.is(wrong.status, 2);
  assert.match(wrong.stdout, /ESEAL_CONFIG/);
  assert.not.ok(existsSync(`${path}.manifest.json`), 'a failed sign writes nothing');
});

test('the signing key can come from SEALPACK_KEY; keygen --v6 warns that GnuPG before 2.5 cannot check it', async () => {
  const path = await tarball('pkg', '1.2.0', { sign: false });
  const env = { SEALPACK_KEY: await readFile(join(ctx.keys, 'bob.key.asc'), 'utf8') };
  assert.is(runCli(['sign', path], { env }).status, 0);
  assert.is(verify(await consumer({ bob: ctx.bobPub }), path).status, 0);
  const none = runCli(['sign', path], { env: { SEALPACK_KEY: '' } });
  assert.is(none.status, 2);
  assert.match(none.stdout, /ESEAL_CONFIG.*SEALPACK_KEY/);

  const dir = await tempDir();
  const v6 = runCli(['keygen', '--name', 'six', '--v6', '--out', dir], { env: { SEALPACK_PASSPHRASE: '' } });
  assert.is(v6.status, 0, v6.stdout + v6.stderr);
  assert.match(v6.stderr, /GnuPG/);
  const v6Path = await tarball('pkg', '1.3.0', { sign: false });
  assert.is(runCli(['sign', v6Path, '--key', join(dir, 'six.key.asc')]).status, 0);
  assert.is(verify(await consumer({ six: await readFile(join(dir, 'six.pub.asc'), 'utf8') }), v6Path).status, 0);
});

test('sign writes the three detached files; verify passes against the pinned key', async () => {
  const path = await tarball();
  for (const suffix of ['.asc', '.manifest.json', '.manifest.json.asc']) assert.ok(existsSync(path + suffix), suffix);
  const manifest = JSON.parse(await readFile(`${path}.manifest.json`, 'utf8'));
  assert.is(manifest.format, 'sealpack/manifest@1');
  assert.equal(
    manifest.files.map((f: { path: string }) => f.path),
    ['index.js', 'lib/util.js', 'package.json'],
  );
  const home = await consumer({ alice: ctx.alicePub });
  const result = verify(home, path);
  assert.is(result.status, 0, result.stderr + result.stdout);
  assert.equal(result.errors, []);
  const human = runCli(['verify', path], { cwd: home });
  assert.is(human.status, 0);
  assert.match(human.stdout, /ok\s+pkg@1\.0\.0 signed by alice/);
});

test('GnuPG and Sequoia verify both detached signatures made by sealpack (Ed25519 and RSA-3072)', async () => {
  const path = await tarball();
  assert.ok(verifiesFiles(ctx.gpg, `${path}.asc`, path), 'gpg accepts X.tgz.asc');
  assert.ok(verifiesFiles(ctx.gpg, `${path}.manifest.json.asc`, `${path}.manifest.json`), 'gpg accepts the manifest signature');
  // A flipped byte must make gpg refuse too, or the check above proves nothing.
  const bad = join(ctx.dir, 'flipped.tgz');
  const bytes = await readFile(path);
  bytes[10] ^= 1;
  await writeFile(bad, bytes);
  assert.not.ok(verifiesFiles(ctx.gpg, `${path}.asc`, bad));

  const rsaDir = await tempDir();
  const made = runCli(['keygen', '--name', 'rsa', '--algo', 'rsa3072', '--out', rsaDir], { env: { SEALPACK_PASSPHRASE: '' } });
  assert.is(made.status, 0, made.stdout + made.stderr);
  const rsaPath = await tarball('pkg', '2.0.0', { sign: false });
  assert.is(runCli(['sign', rsaPath, '--key', join(rsaDir, 'rsa.key.asc')]).status, 0);
  assert.is(ctx.gpg.run(['--import', join(rsaDir, 'rsa.pub.asc')]).status, 0);
  assert.ok(verifiesFiles(ctx.gpg, `${rsaPath}.asc`, rsaPath));
  assert.ok(verifiesFiles(ctx.gpg, `${rsaPath}.manifest.json.asc`, `${rsaPath}.manifest.json`));
  const home = await consumer({ rsa: await readFile(join(rsaDir, 'rsa.pub.asc'), 'utf8') });
  assert.is(verify(home, rsaPath).status, 0);

  const sqv = run('sqv', ['--version']);
  if (sqv.status === null) {
    console.log('  (sqv not installed: Sequoia interop not checked here; CI installs it)');
    return;
  }
  const sqvCheck = (keyring: string, sig: string, data: string) => run('sqv', ['--keyring', keyring, sig, data]).status;
  assert.is(sqvCheck(join(ctx.keys, 'alice.pub.asc'), `${path}.asc`, path), 0);
  assert.is(sqvCheck(join(ctx.keys, 'alice.pub.asc'), `${path}.manifest.json.asc`, `${path}.manifest.json`), 0);
  assert.is(sqvCheck(join(rsaDir, 'rsa.pub.asc'), `${rsaPath}.asc`, rsaPath), 0);
  assert.is.not(sqvCheck(join(ctx.keys, 'alice.pub.asc'), `${path}.asc`, bad), 0);
});

test('signing again with another key appends a signature; a threshold of two distinct keys passes', async () => {
  const path = await tarball();
  const manifestBefore = await readFile(`${path}.manifest.json`);
  assert.is(runCli(['sign', path, '--key', join(ctx.keys, 'bob.key.asc')]).status, 0);
  assert.equal(await readFile(`${path}.manifest.json`), manifestBefore, 'manifest bytes kept');
  const armored = await readFile(`${path}.manifest.json.asc`, 'utf8');
  assert.is(armored.match(/BEGIN PGP SIGNATURE/g)?.length, 1, 'one armored block');
  const status = ctx.gpg.run(['--status-fd', '1', '--verify', `${path}.manifest.json.asc`, `${path}.manifest.json`]).stdout;
  assert.is(status.match(/GOODSIG/g)?.length, 2, 'gpg sees two good signatures');
  const home = await consumer({ alice: ctx.alicePub, bob: ctx.bobPub }, { channels: { production: { threshold: 2 } } });
  const result = verify(home, path);
  assert.is(result.status, 0, result.stdout);
  const single = await tarball('pkg', '1.0.1');
  const short = verify(home, single);
  assert.is(short.status, 1);
  assert.ok(short.errors.includes('ESEAL_THRESHOLD'), short.stdout);
});

test('a key made by gpg (signing subkey) signs through sealpack and its signature counts for the primary', async () => {
  const gpg = await newGpg();
  assert.is(gpg.run(['--quick-gen-key', 'Carol <carol@example.com>', 'ed25519', 'cert', 'never']).status, 0);
  const fpr = gpg.fingerprints('carol@example.com')[0]!;
  assert.is(gpg.run(['--quick-add-key', fpr, 'ed25519', 'sign', 'never']).status, 0);
  const pub = gpg.run(['--armor', '--export', fpr]).stdout;
  const secret = join(ctx.dir, 'carol.key.asc');
  await writeFile(secret, gpg.run(['--armor', '--export-secret-keys', fpr]).stdout);
  const path = await tarball('pkg', '3.0.0', { sign: false });
  const signed = runCli(['sign', path, '--key', secret]);
  assert.is(signed.status, 0, signed.stdout + signed.stderr);
  const home = await consumer({ carol: pub });
  const result = verify(home, path);
  assert.is(result.status, 0, result.stdout);
  const verdict = JSON.parse(result.stdout);
  assert.is(verdict.subjects[0].signers[0].fingerprint, fpr);
  assert.ok(verifiesFiles(gpg, `${path}.manifest.json.asc`, `${path}.manifest.json`));
  // gpg's own signature over the manifest verifies through sealpack too.
  const gpgSig = gpg.run(['--yes', '--armor', '--output', `${path}.manifest.json.asc`, '--detach-sign', `${path}.manifest.json`]);
  assert.is(gpgSig.status, 0, gpgSig.stdout + gpgSig.stderr);
  assert.is(verify(home, path).status, 0);
});

test('gpg revocation certificates in the pinned key: compromised is hard, superseded is soft', async () => {
  for (const reason of ['compromised', 'superseded'] as const) {
    const gpg = await newGpg();
    assert.is(gpg.run(['--quick-gen-key', `Dan ${reason} <dan@example.com>`, 'ed25519', 'sign', 'never']).status, 0);
    const fpr = gpg.fingerprints('dan@example.com')[0]!;
    const secret = join(ctx.dir, `dan-${reason}.key.asc`);
    await writeFile(secret, gpg.run(['--armor', '--export-secret-keys', fpr]).stdout);
    const before = await tarball('pkg', '4.0.0', { sign: false });
    assert.is(runCli(['sign', before, '--key', secret]).status, 0);
    await new Promise((r) => setTimeout(r, 1100)); // signature times are in whole seconds
    gpg.revoke(fpr, reason, 'revoked in a test');
    await new Promise((r) => setTimeout(r, 1100));
    const after = await tarball('pkg', '4.0.1', { sign: false });
    assert.is(runCli(['sign', after, '--key', secret]).status, 0, 'the secret exported before the revocation still signs');
    const home = await consumer({ dan: gpg.run(['--armor', '--export', fpr]).stdout });
    const early = verify(home, before);
    const late = verify(home, after);
    assert.ok(late.errors.includes('ESEAL_KEY_REVOKED'), `${reason}: after: ${late.stdout}`);
    assert.is(late.status, 1);
    if (reason === 'compromised') {
      assert.is(early.status, 1, 'hard: every signature fails');
      assert.ok(early.errors.includes('ESEAL_KEY_REVOKED'));
      assert.match(early.stdout, /compromised/);
    } else {
      assert.is(early.status, 0, `soft: a signature before the revocation stays valid: ${early.stdout}`);
    }
  }
});

test('the revocation list: compromised fails whatever the date; superseded only after its date', async () => {
  const path = await tarball();
  const verdict = JSON.parse(verify(await consumer({ alice: ctx.alicePub }), path).stdout);
  const alice = verdict.subjects[0].signers[0].fingerprint as string;
  const future = '2999-01-01T00:00:00Z';
  const hard = verify(
    await consumer({ alice: ctx.alicePub }, undefined, [{ fingerprint: alice, reason: 'compromised', date: future }]),
    path,
  );
  assert.is(hard.status, 1);
  assert.ok(hard.errors.includes('ESEAL_KEY_REVOKED'));
  const softLater = verify(
    await consumer({ alice: ctx.alicePub }, undefined, [{ fingerprint: alice, reason: 'superseded', date: future }]),
    path,
  );
  assert.is(softLater.status, 0, softLater.stdout);
  const softEarlier = verify(
    await consumer({ alice: ctx.alicePub }, undefined, [
      { fingerprint: alice.toLowerCase(), reason: 'retired', date: '2020-01-01T00:00:00Z' },
    ]),
    path,
  );
  assert.is(softEarlier.status, 1);
  assert.ok(softEarlier.errors.includes('ESEAL_KEY_REVOKED'));
});

test('expiry is judged at signature time: made after expiry fails, made before passes with a warning', async () => {
  const gpg = await newGpg();
  const t0 = ['--faked-system-time', '20200101T000000!'];
  assert.is(gpg.run([...t0, '--quick-gen-key', 'Erin <erin@example.com>', 'ed25519', 'sign', '1d']).status, 0);
  const fpr = gpg.fingerprints('erin@example.com')[0]!;
  const pinned = gpg.run(['--armor', '--export', fpr]).stdout;
  const home = await consumer({ erin: pinned });

  const inTime = await tarball('pkg', '5.0.0');
  const signedInTime = gpg.run([
    '--faked-system-time',
    '20200101T120000!',
    '--local-user',
    fpr,
    '--yes',
    '--armor',
    '--output',
    `${inTime}.manifest.json.asc`,
    '--detach-sign',
    `${inTime}.manifest.json`,
  ]);
  assert.is(signedInTime.status, 0, signedInTime.stdout + signedInTime.stderr);
  // Only the manifest is re-signed by erin: alice's X.tgz.asc would be an unknown key's.
  await rm(`${inTime}.asc`);
  const ok = verify(home, inTime);
  assert.is(ok.status, 0, ok.stdout);
  assert.ok(ok.warnings.includes('ESEAL_KEY_EXPIRED'), ok.stdout);
  // As of a moment when the key was still valid, there is nothing to warn about.
  const then = verify(home, inTime, '--at', '2020-01-01T18:00:00Z');
  assert.is(then.status, 0, then.stdout);
  assert.equal(then.warnings, []);

  // gpg will not sign with an expired key, so extend it first: the consumer still pins the
  // old copy, which says the key expired on 2020-01-02.
  assert.is(gpg.run(['--faked-system-time', '20200101T130000!', '--quick-set-expire', fpr, '0']).status, 0);
  const late = await tarball('pkg', '5.0.1');
  const signedLate = gpg.run([
    '--faked-system-time',
    '20200105T000000!',
    '--local-user',
    fpr,
    '--yes',
    '--armor',
    '--output',
    `${late}.manifest.json.asc`,
    '--detach-sign',
    `${late}.manifest.json`,
  ]);
  assert.is(signedLate.status, 0, signedLate.stdout + signedLate.stderr);
  const expired = verify(home, late);
  assert.is(expired.status, 1);
  assert.ok(expired.errors.includes('ESEAL_KEY_EXPIRED'), expired.stdout);
});

test('weak algorithms are refused: RSA-2048 and SHA-1', async () => {
  const gpg = ctx.gpg;
  assert.is(gpg.run(['--quick-gen-key', 'Weak RSA <weak@example.com>', 'rsa2048', 'sign', 'never']).status, 0);
  const rsa = await tarball('pkg', '6.0.0');
  gpgSignManifest(rsa, 'weak@example.com');
  const home = await consumer({ alice: ctx.alicePub, weak: gpg.run(['--armor', '--export', 'weak@example.com']).stdout });
  const small = verify(home, rsa);
  assert.is(small.status, 1);
  assert.ok(small.errors.includes('ESEAL_WEAK_ALGORITHM'), small.stdout);
  assert.match(small.stdout, /2048/);

  const sha1 = await tarball('pkg', '6.0.1');
  assert.is(gpg.run(['--quick-gen-key', 'Sha <sha@example.com>', 'rsa3072', 'sign', 'never']).status, 0);
  gpgSignManifest(sha1, 'sha@example.com', ['--digest-algo', 'SHA1']);
  const home2 = await consumer({ sha: gpg.run(['--armor', '--export', 'sha@example.com']).stdout });
  const weakHash = verify(home2, sha1);
  assert.is(weakHash.status, 1);
  assert.ok(weakHash.errors.includes('ESEAL_WEAK_ALGORITHM'), weakHash.stdout);
  assert.match(weakHash.stdout, /sha1/i);
});

test('tampering: a flipped byte in the tarball, the manifest or the signature fails', async () => {
  const home = await consumer({ alice: ctx.alicePub });
  const flip = async (file: string, at: (b: Buffer) => number) => {
    const bytes = await readFile(file);
    bytes[at(bytes)] ^= 1;
    await writeFile(file, bytes);
  };
  const tgz = await tarball();
  await flip(tgz, (b) => b.length - 5);
  const tarballFlip = verify(home, tgz);
  assert.is(tarballFlip.status, 1);
  assert.ok(tarballFlip.errors.includes('ESEAL_INTEGRITY'), tarballFlip.stdout);

  const manifest = await tarball();
  // One base64 character of a file digest: still a well-formed manifest, only the signature can tell.
  const text = await readFile(`${manifest}.manifest.json`, 'utf8');
  const at = text.indexOf('"integrity": "sha512-') + 25;
  await writeFile(`${manifest}.manifest.json`, text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1));
  const manifestFlip = verify(home, manifest);
  assert.is(manifestFlip.status, 1);
  assert.ok(manifestFlip.errors.includes('ESEAL_BAD_SIGNATURE'), manifestFlip.stdout);

  const signature = await tarball();
  const armored = await readFile(`${signature}.manifest.json.asc`, 'utf8');
  const lines = armored.split('\n');
  const body = lines.findIndex((l) => l === '') + 2; // a line inside the base64 body
  lines[body] = lines[body]!.slice(0, 10) + (lines[body]![10] === 'A' ? 'B' : 'A') + lines[body]!.slice(11);
  await writeFile(`${signature}.manifest.json.asc`, lines.join('\n'));
  const sigFlip = verify(home, signature);
  assert.is(sigFlip.status, 1);
  assert.ok(
    sigFlip.errors.some((c) => c === 'ESEAL_BAD_SIGNATURE' || c === 'ESEAL_MALFORMED'),
    sigFlip.stdout,
  );
});

test('X.tgz.asc is checked where it exists: garbage is ESEAL_MALFORMED, a signature over other bytes ESEAL_BAD_SIGNATURE', async () => {
  const home = await consumer({ alice: ctx.alicePub });
  const garbage = await tarball();
  await writeFile(`${garbage}.asc`, 'not a signature\n');
  const gone = verify(home, garbage);
  assert.equal([gone.status, gone.errors], [1, ['ESEAL_MALFORMED']], gone.stdout);
  const swapped = await tarball();
  const other = await tarball('pkg', '1.0.0', { files: { 'lib/util.js': 'exports.x = 2;\n' } });
  await copyFile(`${other}.asc`, `${swapped}.asc`);
  const wrong = verify(home, swapped);
  assert.equal([wrong.status, wrong.errors], [1, ['ESEAL_BAD_SIGNATURE']], wrong.stdout);
  // Without X.tgz.asc the manifest seal alone decides, as before.
  const none = await tarball();
  await writeFile(`${none}.asc`, '');
  assert.is(verify(home, none).status, 1, 'an empty .asc is not a signature');
});

test('a binary manifest signature (gpg --detach-sign without -a) is read', async () => {
  const gpg = await newGpg();
  const fpr = gpg.generate('Gus <gus@example.org>', 'ed25519', 'sign');
  const home = await consumer({ gus: gpg.exportPublic(fpr) });
  const tgz = await tarball();
  await writeFile(`${tgz}.manifest.json.asc`, await gpg.signBinary(fpr, await readFile(`${tgz}.manifest.json`)));
  const result = verify(home, tgz);
  // X.tgz.asc is still alice's: not pinned here, a warning.
  assert.equal([result.status, result.errors, result.warnings], [0, [], ['ESEAL_UNKNOWN_KEY']], result.stdout);
});

test('unknown key, key scope, identity, unsigned and malformed tarballs fail with their codes', async () => {
  const path = await tarball('@acme/widget', '1.0.0');
  const unknown = verify(await consumer({ bob: ctx.bobPub }), path);
  assert.is(unknown.status, 1);
  assert.ok(unknown.errors.includes('ESEAL_UNKNOWN_KEY'), unknown.stdout);

  const scoped = await consumer({ alice: ctx.alicePub, bob: ctx.bobPub }, { trust: [{ packages: '@acme/*', keys: ['bob'] }] });
  const scope = verify(scoped, path);
  assert.is(scope.status, 1);
  assert.ok(scope.errors.includes('ESEAL_KEY_SCOPE'), scope.stdout);

  const other = await tarball('pkg', '9.9.9');
  const swapped = await tarball('pkg', '1.0.0', { sign: false });
  await copyFile(`${other}.manifest.json`, `${swapped}.manifest.json`);
  await copyFile(`${other}.manifest.json.asc`, `${swapped}.manifest.json.asc`);
  const identity = verify(await consumer({ alice: ctx.alicePub }), swapped);
  assert.is(identity.status, 1);
  assert.ok(identity.errors.includes('ESEAL_IDENTITY'), identity.stdout);

  const bare = await tarball('pkg', '1.0.0', { sign: false });
  const unsigned = verify(await consumer({ alice: ctx.alicePub }), bare);
  assert.is(unsigned.status, 1);
  assert.ok(unsigned.errors.includes('ESEAL_UNSIGNED'));

  const garbage = join(ctx.dir, 'garbage.tgz');
  await writeFile(garbage, 'this is not a tarball');
  const malformed = verify(await consumer({ alice: ctx.alicePub }), garbage);
  assert.is(malformed.status, 1);
  assert.ok(malformed.errors.includes('ESEAL_MALFORMED'), malformed.stdout);
});

test('a tarball renamed to another version fails: a genuine old seal is no downgrade pass', async () => {
  const path = await tarball('pkg', '1.0.0');
  const renamed = path.replace('pkg-1.0.0.tgz', 'pkg-2.0.0.tgz');
  for (const suffix of ['', '.asc', '.manifest.json', '.manifest.json.asc']) await copyFile(path + suffix, renamed + suffix);
  const result = verify(await consumer({ alice: ctx.alicePub }), renamed);
  assert.is(result.status, 1);
  assert.ok(result.errors.includes('ESEAL_IDENTITY'), result.stdout);
});

test('verify refuses a tarball with a symlink or a path traversal entry, even next to a genuine seal', async () => {
  const home = await consumer({ alice: ctx.alicePub });
  const genuine = await tarball('pkg', '1.0.0');
  const src = await tempDir();
  await mkdir(join(src, 'package'));
  await writeFile(join(src, 'package', 'package.json'), JSON.stringify({ name: 'pkg', version: '1.0.0' }));
  await symlink('/etc/passwd', join(src, 'package', 'index.js'));
  const linked = join(await tempDir(), 'pkg-1.0.0.tgz');
  await createTar({ gzip: true, file: linked, cwd: src, portable: true }, ['package/package.json', 'package/index.js']);
  const traversal = join(await tempDir(), 'pkg-1.0.0.tgz');
  await makeTarball(traversal, { 'package/package.json': '{"name":"pkg","version":"1.0.0"}', '../../escape.js': 'pwned' }, '.');
  for (const evil of [linked, traversal]) {
    for (const suffix of ['.manifest.json', '.manifest.json.asc']) await copyFile(genuine + suffix, evil + suffix);
    const result = verify(home, evil);
    assert.is(result.status, 1, result.stdout);
    assert.ok(result.errors.includes('ESEAL_MALFORMED'), result.stdout);
  }
});

test('sign refuses a tarball with a path traversal entry, and nothing is written', async () => {
  const dir = await tempDir();
  const evil = join(dir, 'evil-1.0.0.tgz');
  await makeTarball(evil, { 'package/package.json': '{"name":"evil","version":"1.0.0"}', '../../escape.js': 'pwned' }, '.');
  const signed = runCli(['sign', evil, '--key', join(ctx.keys, 'bob.key.asc')]);
  assert.is(signed.status, 2, signed.stdout + signed.stderr);
  assert.match(signed.stdout, /ESEAL_MALFORMED/);
  noStack(signed);
  assert.not.ok(existsSync(`${evil}.manifest.json`));
});

test('bad input exits 2 with ESEAL_CONFIG: bad policy, private key in keyring, missing file, usage', async () => {
  const path = await tarball();
  const badPolicy = await consumer(
    { alice: ctx.alicePub },
    { unsigned: 'sometimes', trust: [{ packages: '*', keys: ['alice'], threshold: 0 }] },
  );
  const policy = runCli(['verify', path], { cwd: badPolicy });
  assert.is(policy.status, 2);
  assert.match(policy.stdout, /ESEAL_CONFIG/);
  assert.match(policy.stdout, /unsigned/);
  assert.match(policy.stdout, /threshold/);
  noStack(policy);

  const privateRing = await consumer({ alice: await readFile(join(ctx.keys, 'alice.key.asc'), 'utf8') });
  const priv = runCli(['verify', path], { cwd: privateRing });
  assert.is(priv.status, 2);
  assert.match(priv.stdout, /ESEAL_CONFIG/);
  assert.match(priv.stdout, /private/i);

  const home = await consumer({ alice: ctx.alicePub });
  const missing = runCli(['verify', join(home, 'nope.tgz')], { cwd: home });
  assert.is(missing.status, 2);
  assert.match(missing.stdout, /ESEAL_CONFIG/);
  noStack(missing);

  assert.is(runCli(['verify'], { cwd: home }).status, 2);
  assert.is(runCli(['verify', path, '--bogus'], { cwd: home }).status, 2);
  assert.is(runCli(['frobnicate'], { cwd: home }).status, 2);
  assert.is(runCli(['verify', path, '--at', 'yesterday'], { cwd: home }).status, 2);
  assert.is(runCli(['verify', path, '--at', '1'], { cwd: home }).status, 2, 'not an ISO date');
  const future = runCli(['verify', path, '--at', '2999-01-01'], { cwd: home });
  assert.is(future.status, 2, 'a future --at would make future-dated signatures look current');
  assert.match(future.stdout, /ESEAL_CONFIG/);

  const again = runCli(['keygen', '--name', 'alice', '--out', ctx.keys], { env: { SEALPACK_PASSPHRASE: PASS } });
  assert.is(again.status, 2, 'keygen never replaces a key');
  assert.match(again.stdout, /exists/);
  assert.is(await readFile(join(ctx.keys, 'alice.pub.asc'), 'utf8'), ctx.alicePub);
});

test('verdicts are deterministic: the same inputs give the same JSON, in the same order', async () => {
  const home = await consumer({ bob: ctx.bobPub });
  const a = await tarball('a', '1.0.0');
  const b = await tarball('b', '1.0.0', { sign: false });
  const first = verify(home, b, a);
  const second = verify(home, a, b);
  assert.is(first.status, 1);
  assert.is(first.stdout, second.stdout);
});

test.run();
