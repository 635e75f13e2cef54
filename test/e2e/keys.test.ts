// Key lifecycle and separation of duties against a real Verdaccio with the real CLI, npm and
// gpg: a rotation a consumer follows with `keys update`, a key nobody certified refused, earlier
// releases re-signed with the new key, approvals that travel through the registry, and an
// approver who is also the signer refused.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTarball } from '@sealpack/manifest';
import { generateKey, readSignatureIssuers, readSigningKey } from '@sealpack/openpgp';
import { signRegistrySeal } from '@sealpack/sign';
import { cleanTempDirs, tempDir, type RunResult } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { exec, noStack, PASS, sealpack, setUp, writeTree, type Setup } from './publish-helpers.js';

const test = suite('e2e: key lifecycle and approvals');
const ctx = {} as {
  registry: Registry;
  setup: Setup;
  alice: { key: string; publicKey: string; fingerprint: string };
  bob: { publicKey: string };
};

test.before(async () => {
  [ctx.registry, ctx.setup] = await Promise.all([startRegistry(), setUp()]);
  const [alice, bob] = await Promise.all([
    generateKey({ name: 'alice', email: 'alice@example.com', passphrase: PASS }),
    generateKey({ name: 'bob', email: 'bob@example.com', passphrase: PASS }),
  ]);
  const key = join(ctx.setup.home, 'alice.key.asc');
  await writeFile(key, alice.privateKey);
  ctx.alice = { key, publicKey: alice.publicKey, fingerprint: alice.fingerprint };
  ctx.bob = { publicKey: bob.publicKey };
});
test.after(async () => {
  await ctx.registry?.stop();
  await cleanTempDirs();
});

const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...ctx.setup.env, ...extra });

async function makePackage(name: string): Promise<string> {
  const dir = await tempDir('sealpack-pkg-');
  await writeTree(dir, {
    'package.json': { name, version: '1.0.0', main: 'index.js' },
    'index.js': `module.exports = ${JSON.stringify(name)};\n`,
  });
  await ctx.registry.writeNpmrc(dir);
  return dir;
}

/** The build job: `sealpack pack` into its own folder; returns the sealed tarball. */
async function pack(name: string, key: string): Promise<string> {
  const dir = await makePackage(name);
  const out = await tempDir('sealpack-out-');
  const r = sealpack(['pack', '--out', out, '--key', key], dir, env());
  assert.is(r.status, 0, r.stdout + r.stderr);
  return join(out, `${name}-1.0.0.tgz`);
}

/** The release job: pins the release key (its own trust) and publishes the tarball byte for byte. */
async function publish(tarball: string, key: string, pinned: Record<string, string> = {}): Promise<void> {
  const dir = await tempDir('sealpack-release-');
  await writeTree(dir, { '.sealpack/keys/release.asc': ctx.setup.publicKey, ...pinned });
  await ctx.registry.writeNpmrc(dir);
  const r = sealpack(['publish', tarball, '--key', key], dir, env());
  assert.is(r.status, 0, r.stdout + r.stderr);
}

async function consumer(dependencies: Record<string, string>, files: Record<string, string | object>): Promise<string> {
  const dir = await tempDir('sealpack-consumer-');
  await writeTree(dir, { 'package.json': { name: 'consumer', version: '1.0.0', private: true, dependencies }, ...files });
  await ctx.registry.writeNpmrc(dir);
  const installed = exec('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], dir, env());
  assert.is(installed.status, 0, installed.stdout + installed.stderr);
  return dir;
}

type Verdict = { ok: boolean; findings: { code: string; severity: string; package?: string; message: string }[] };
const verdictOf = (r: RunResult) => JSON.parse(r.stdout) as Verdict;
const errors = (r: RunResult) =>
  verdictOf(r)
    .findings.filter((f) => f.severity === 'error')
    .map((f) => `${f.code} ${f.package}`)
    .sort();

/** Every file of the consumer's pinned trust, for "untouched" checks. */
async function pinnedState(dir: string): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  for (const name of await readdir(join(dir, '.sealpack', 'keys'))) {
    state[`keys/${name}`] = await readFile(join(dir, '.sealpack', 'keys', name), 'utf8');
  }
  for (const name of ['.sealpackrc.json', '.sealpack/revocations.json']) {
    state[name] = await readFile(join(dir, name), 'utf8').catch(() => '(none)');
  }
  return state;
}

test('rotation: the old key certifies its successor (gpg shows it); a consumer pins it with keys update and follows; earlier releases keep verifying and are re-signed', async () => {
  const keys = await tempDir('sealpack-keys-');
  // Before the hand-over: one release published, one kept as a sealed tarball for re-signing.
  await publish(await pack('rot-before', ctx.setup.key), ctx.setup.key);
  const archived = await pack('rot-archived', ctx.setup.key);

  const rotated = sealpack(['keys', 'rotate', '--from', ctx.setup.key, '--name', 'release-2027', '--out', keys], keys, env());
  assert.is(rotated.status, 0, rotated.stdout + rotated.stderr);
  assert.ok(noStack(rotated));
  assert.equal((await readdir(keys)).sort(), ['release-2027.key.asc', 'release-2027.pub.asc', 'release.revocation.asc']);
  const newKey = join(keys, 'release-2027.key.asc');

  // gpg checks the certification and takes the revocation: the hand-over is plain OpenPGP.
  const gnupg = await tempDir('sealpack-gnupg-');
  const gpgEnv = env({ GNUPGHOME: gnupg });
  await writeFile(join(keys, 'release.pub.asc'), ctx.setup.publicKey);
  const imported = exec(
    'gpg',
    ['--batch', '--import', join(keys, 'release.pub.asc'), join(keys, 'release-2027.pub.asc')],
    keys,
    gpgEnv,
  );
  assert.is(imported.status, 0, imported.stdout + imported.stderr);
  const sigs = exec('gpg', ['--batch', '--check-sigs', '--with-colons'], keys, gpgEnv);
  assert.is(sigs.status, 0, sigs.stdout + sigs.stderr);
  const releaseKeyId = ctx.setup.fingerprint.slice(-16);
  assert.ok(
    sigs.stdout.split('\n').some((line) => line.startsWith('sig:!:') && line.includes(releaseKeyId) && line.includes(':10x:')),
    `expected a good 0x10 certification by ${releaseKeyId}:\n${sigs.stdout}`,
  );
  const revoked = exec('gpg', ['--batch', '--import', join(keys, 'release.revocation.asc')], keys, gpgEnv);
  assert.is(revoked.status, 0, revoked.stdout + revoked.stderr);
  assert.match(exec('gpg', ['--batch', '--list-keys', ctx.setup.fingerprint], keys, gpgEnv).stdout, /revoked/);

  // After the hand-over, releases are signed with the new key.
  await publish(await pack('rot-after', newKey), newKey, {
    '.sealpack/keys/release-2027.asc': await readFile(join(keys, 'release-2027.pub.asc'), 'utf8'),
  });

  const dir = await consumer(
    { 'rot-before': '1.0.0', 'rot-after': '1.0.0' },
    {
      '.sealpack/keys/release.asc': ctx.setup.publicKey,
      '.sealpackrc.json': { trust: [{ packages: 'rot-*', keys: ['release'] }] },
    },
  );
  const consumerEnv = env({ SEALPACK_CACHE_DIR: join(dir, '.cache') });
  const stale = sealpack(['verify-lockfile', '--json'], dir, consumerEnv);
  assert.is(stale.status, 1, stale.stdout);
  assert.equal(errors(stale), ['ESEAL_THRESHOLD rot-after', 'ESEAL_UNKNOWN_KEY rot-after']);

  // A key nobody pinned certified is refused, and nothing changes.
  const before = await pinnedState(dir);
  const stranger = await generateKey({ name: 'release-2027', email: 'release@example.com' });
  await writeFile(join(keys, 'stranger.pub.asc'), stranger.publicKey);
  const refused = sealpack(['keys', 'update', join(keys, 'stranger.pub.asc'), '--name', 'release-2027'], dir, consumerEnv);
  assert.is(refused.status, 1, refused.stdout + refused.stderr);
  assert.match(refused.stdout, /error ESEAL_UNKNOWN_KEY: .*not certified by enough pinned keys/);
  assert.ok(noStack(refused));
  assert.equal(await pinnedState(dir), before);

  const dryRun = sealpack(
    ['keys', 'update', join(keys, 'release-2027.pub.asc'), join(keys, 'release.revocation.asc'), '--dry-run'],
    dir,
    consumerEnv,
  );
  assert.is(dryRun.status, 0, dryRun.stdout + dryRun.stderr);
  assert.equal(await pinnedState(dir), before);

  const updated = sealpack(
    ['keys', 'update', join(keys, 'release-2027.pub.asc'), join(keys, 'release.revocation.asc')],
    dir,
    consumerEnv,
  );
  assert.is(updated.status, 0, updated.stdout + updated.stderr);
  // What the reviewer of the consumer's pull request reads.
  for (const line of [
    '+++ .sealpack/keys/release-2027.asc (new pinned key "release-2027")',
    `+ certified by release (${ctx.setup.fingerprint})`,
    '+++ .sealpack/revocations.json',
    `"fingerprint":"${ctx.setup.fingerprint}","reason":"superseded"`,
    'release: signatures made before',
    '~ trust[0].keys: + "release-2027" (beside release)',
  ]) {
    assert.ok(updated.stdout.includes(line), `missing ${JSON.stringify(line)} in:\n${updated.stdout}`);
  }
  const following = sealpack(['verify-lockfile', '--json'], dir, consumerEnv);
  assert.is(following.status, 0, following.stdout);
  const installed = sealpack(['verify-installed', '--json'], dir, consumerEnv);
  assert.is(installed.status, 0, installed.stdout);

  const listed = sealpack(['keys', 'list', '--json', '--days', '30'], dir, consumerEnv);
  assert.is(listed.status, 0, listed.stdout + listed.stderr);
  const list = JSON.parse(listed.stdout) as {
    keys: { name: string; revoked: { reason: string }[]; certifiedBy: { name: string }[]; signs: { packages: string[] }[] }[];
    expiring: string[];
  };
  const byName = Object.fromEntries(list.keys.map((k) => [k.name, k]));
  assert.equal(
    byName.release!.revoked.map((r) => r.reason),
    ['superseded'],
  );
  assert.equal(
    byName['release-2027']!.certifiedBy.map((c) => c.name),
    ['release'],
  );
  assert.equal(byName['release-2027']!.signs, [{ rule: 'trust[0]', packages: ['rot-*'] }]);
  assert.equal(list.expiring, []);

  // Earlier releases get the new key's signature, so the old key can be retired entirely.
  const unsealed = join(keys, 'plain-1.0.0.tgz');
  await writeFile(unsealed, await readFile(archived));
  const noSeal = sealpack(['keys', 'resign', unsealed, '--key', newKey], keys, env());
  assert.is(noSeal.status, 1, noSeal.stdout + noSeal.stderr);
  assert.match(noSeal.stdout, /ESEAL_UNSIGNED/);
  assert.is(existsSync(`${unsealed}.asc`), false);
  const resigned = sealpack(['keys', 'resign', archived, '--key', newKey], keys, env());
  assert.is(resigned.status, 0, resigned.stdout + resigned.stderr);
  const issuers = await readSignatureIssuers(await readFile(`${archived}.manifest.json.asc`, 'utf8'));
  assert.is(issuers.length, 2);
  const retired = await tempDir('sealpack-retired-');
  await writeTree(retired, {
    '.sealpack/keys/release-2027.asc': await readFile(join(keys, 'release-2027.pub.asc'), 'utf8'),
    '.sealpackrc.json': { trust: [{ packages: 'rot-*', keys: ['release-2027'] }] },
  });
  const verified = sealpack(['verify', archived, '--json'], retired, env());
  assert.is(verified.status, 0, verified.stdout);
});

test('rotation with the old key in gpg (--signer gpg): gpg certifies and revokes, a consumer follows; an exec: signer is refused', async () => {
  const gnupg = await tempDir('sealpack-gnupg-');
  const gpgEnv = env({ GNUPGHOME: gnupg });
  const made = exec(
    'gpg',
    ['--batch', '--passphrase', '', '--quick-gen-key', 'token-key <token@example.com>', 'ed25519', 'sign', '1y'],
    gnupg,
    gpgEnv,
  );
  assert.is(made.status, 0, made.stdout + made.stderr);
  const exported = exec('gpg', ['--batch', '--armor', '--export', 'token@example.com'], gnupg, gpgEnv);
  const out = await tempDir('sealpack-keys-');
  // A release the old key signs before the hand-over.
  const before = await makeTarball(join(out, 'tok-1.0.0.tgz'), packageFiles('tok', '1.0.0'));
  const signedBefore = sealpack(['sign', before, '--signer', 'gpg'], out, gpgEnv);
  assert.is(signedBefore.status, 0, signedBefore.stdout + signedBefore.stderr);
  const rotated = sealpack(['keys', 'rotate', '--signer', 'gpg', '--name', 'token-2027', '--out', out], out, gpgEnv);
  assert.is(rotated.status, 0, rotated.stdout + rotated.stderr);
  assert.equal((await readdir(out)).filter((f) => f.startsWith('token')).sort(), [
    'token-2027.key.asc',
    'token-2027.pub.asc',
    'token-key.revocation.asc',
  ]);

  const dir = await tempDir('sealpack-consumer-');
  await writeTree(dir, {
    '.sealpack/keys/token-key.asc': exported.stdout,
    '.sealpackrc.json': { trust: [{ packages: 'tok', keys: ['token-key'] }] },
  });
  const updated = sealpack(
    ['keys', 'update', join(out, 'token-2027.pub.asc'), join(out, 'token-key.revocation.asc')],
    dir,
    env(),
  );
  assert.is(updated.status, 0, updated.stdout + updated.stderr);
  assert.match(updated.stdout, /\+ certified by token-key/);
  assert.match(await readFile(join(dir, '.sealpack', 'revocations.json'), 'utf8'), /"reason": "superseded"/);

  // The old key signs again after the hand-over (gpg's clock two minutes on, within the
  // allowed skew, so the signature is dated after the revocation): that one fails, the
  // earlier one keeps verifying.
  const after = await makeTarball(join(out, 'tok-1.0.1.tgz'), packageFiles('tok', '1.0.1'));
  const later = new Date(Date.now() + 120_000).toISOString().slice(0, 19).replace(/[-:]/g, '');
  await writeFile(join(gnupg, 'gpg.conf'), `faked-system-time ${later}\n`);
  const signedAfter = sealpack(['sign', after, '--signer', 'gpg'], out, gpgEnv);
  assert.is(signedAfter.status, 0, signedAfter.stdout + signedAfter.stderr);
  const late = sealpack(['verify', after, '--json'], dir, env());
  assert.is(late.status, 1, late.stdout);
  assert.ok(errors(late).includes('ESEAL_KEY_REVOKED tok'), late.stdout);
  const early = sealpack(['verify', before, '--json'], dir, env());
  assert.is(early.status, 0, early.stdout);

  const refused = sealpack(['keys', 'rotate', '--signer', 'exec:cat', '--name', 'x', '--out', out], out, env());
  assert.is(refused.status, 2, refused.stdout + refused.stderr);
  assert.match(refused.stdout, /error ESEAL_CONFIG: keys rotate: .*exec: signer makes document signatures only/);
});

test('approvals: pack in one job, approve in another, publish in a third; consumers see them through the registry; an approver who signed is refused', async () => {
  // Build job (release key only).
  const approved = await pack('appr-one', ctx.setup.key);
  const unapproved = await pack('appr-none', ctx.setup.key);
  const selfApproved = await pack('appr-self', ctx.setup.key);

  // Approval job (alice's key only, never the release key).
  const approval = sealpack(['approve', approved, '--key', ctx.alice.key], await tempDir(), env());
  assert.is(approval.status, 0, approval.stdout + approval.stderr);
  assert.ok(existsSync(`${approved}.registry.json`) && existsSync(`${approved}.registry.json.asc`));
  const registrySeal = await readFile(`${approved}.registry.json.asc`, 'utf8');
  // The release key cannot approve its own release: refused, nothing written.
  const own = sealpack(['approve', approved, '--key', ctx.setup.key], await tempDir(), env());
  assert.is(own.status, 1, own.stdout + own.stderr);
  assert.match(own.stdout, /error ESEAL_APPROVAL: .*signed this release/);
  assert.is(await readFile(`${approved}.registry.json.asc`, 'utf8'), registrySeal);
  // A self-approval made behind the command's back (a hand-made approval signature) still reaches
  // the registry; consumers refuse it.
  const bytes = await readFile(selfApproved);
  const contents = await readTarball(bytes, selfApproved);
  await signRegistrySeal(
    selfApproved,
    { name: 'appr-self', version: '1.0.0', tarball: contents.tarball },
    { signer: await readSigningKey(await readFile(ctx.setup.key, 'utf8'), PASS), approval: true },
  );

  // Release job (release key): publish carries every signature of the registry seal.
  for (const tarball of [approved, unapproved, selfApproved]) await publish(tarball, ctx.setup.key);
  const doc = await ctx.registry.fetchJson('/appr-one', true);
  const signature = doc.body.versions['1.0.0'].dist.sealpack.signature as string;
  const kinds = (await readSignatureIssuers(signature)).map((i) => [i.issuerFingerprint, i.approval]);
  assert.equal(kinds, [
    [ctx.alice.fingerprint, true],
    [ctx.setup.fingerprint, false],
  ]);

  const dir = await consumer(
    { 'appr-one': '1.0.0', 'appr-none': '1.0.0', 'appr-self': '1.0.0' },
    {
      '.sealpack/keys/release.asc': ctx.setup.publicKey,
      '.sealpack/keys/alice.asc': ctx.alice.publicKey,
      '.sealpack/keys/bob.asc': ctx.bob.publicKey,
      '.sealpackrc.json': {
        trust: [{ packages: 'appr-*', keys: ['release'], approvers: ['alice', 'bob', 'release'], approvals: 1 }],
      },
    },
  );
  const consumerEnv = env({ SEALPACK_CACHE_DIR: join(dir, '.cache') });
  const lockfile = sealpack(['verify-lockfile', '--json'], dir, consumerEnv);
  assert.is(lockfile.status, 1, lockfile.stdout);
  assert.equal(errors(lockfile), ['ESEAL_APPROVAL appr-none', 'ESEAL_APPROVAL appr-self', 'ESEAL_APPROVAL appr-self']);
  assert.ok(
    verdictOf(lockfile).findings.some(
      (f) => f.package === 'appr-self' && /approves a release the same key signed/.test(f.message),
    ),
  );

  // The installed tree: approvals come from the registry seals verify-lockfile cached.
  const installed = sealpack(['verify-installed', '--json'], dir, consumerEnv);
  assert.is(installed.status, 1, installed.stdout);
  assert.equal(errors(installed), ['ESEAL_APPROVAL appr-none', 'ESEAL_APPROVAL appr-self', 'ESEAL_APPROVAL appr-self']);
  // Without a known registry seal, no approval: appr-one fails too.
  const cold = sealpack(['verify-installed', '--json'], dir, env({ SEALPACK_CACHE_DIR: join(dir, '.empty-cache') }));
  assert.ok(errors(cold).includes('ESEAL_APPROVAL appr-one'), cold.stdout);
});

test.run();
