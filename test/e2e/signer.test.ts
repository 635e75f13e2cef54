// Signing back-ends through the real CLI: `--signer gpg[:KEYID]` (real gpg and its agent in a
// throwaway GNUPGHOME) and `--signer exec:COMMAND` (the reference adapter of plugins/gpg, and
// commands that return what no signer may: each refused before anything is written).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanTempDirs, ROOT, run, runCli, tempDir, type RunResult } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { Gpg, goodSigs } from '../helpers/gpg.js';
import { sealpack, setUp, writeTree } from './publish-helpers.js';

const test = suite('e2e: signing back-ends (gpg, exec)');

const ADAPTER = join(ROOT, 'plugins', 'gpg', 'bin', 'sealpack-gpg-signer');

interface Ctx {
  release: Gpg;
  other: Gpg;
  /** A key made ten days ago, so gpg can date a signature days back with it. */
  old: Gpg;
  oldKeyFile: string;
  /** The release key with a revocation certificate appended (`cat`), which gpg never saw. */
  revokedKeyFile: string;
  fingerprint: string;
  publicKeyFile: string;
  publicKey: string;
}
const ctx = {} as Ctx;

test.before(async () => {
  [ctx.release, ctx.other, ctx.old] = await Promise.all([Gpg.create(), Gpg.create(), Gpg.create()]);
  ctx.fingerprint = ctx.release.generate('Release <release@example.org>', 'ed25519', 'sign');
  ctx.other.generate('Other <other@example.org>', 'ed25519', 'sign');
  const old = ctx.old.generate('Old <old@example.org>', 'ed25519', 'sign', '0', ['--faked-system-time', `${daysAgo(10)}!`]);
  ctx.publicKey = ctx.release.exportPublic(ctx.fingerprint);
  const keys = await tempDir('sealpack-signer-key-');
  ctx.publicKeyFile = join(keys, 'release.pub.asc');
  await writeFile(ctx.publicKeyFile, ctx.publicKey);
  ctx.revokedKeyFile = join(keys, 'revoked.pub.asc');
  const certificate = join(keys, 'release.rev.asc');
  ctx.release.run(['--command-fd', '0', '--output', certificate, '--gen-revoke', ctx.fingerprint], {
    batch: false,
    input: 'y\n1\n\ny\n',
  });
  await writeFile(ctx.revokedKeyFile, ctx.publicKey + (await readFile(certificate, 'utf8')));
  ctx.oldKeyFile = join(keys, 'old.pub.asc');
  await writeFile(ctx.oldKeyFile, ctx.old.exportPublic(old));
});
test.after(async () => {
  for (const gpg of [ctx.release, ctx.other, ctx.old]) gpg.stop();
  await cleanTempDirs();
});

/** The CLI with the release key's GNUPGHOME and no SEALPACK_* from the runner. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^sealpack_/i.test(name)) clean[name] = value;
  const result = runCli(args, { env: { ...clean, GNUPGHOME: ctx.release.home, ...env } });
  assert.not.match(result.stdout + result.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  return result;
}

/** Seconds since the epoch, `days` ago: for gpg --faked-system-time. */
const daysAgo = (days: number): number => Math.floor(Date.now() / 1000) - days * 86_400;

async function tarball(version = '1.0.0'): Promise<string> {
  const dir = await tempDir('sealpack-signer-tgz-');
  return makeTarball(join(dir, `pkg-${version}.tgz`), packageFiles('pkg', version));
}

/** What lies beside the tarball, as name → bytes. */
async function around(path: string): Promise<Record<string, string>> {
  const dir = join(path, '..');
  const files: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) files[name] = (await readFile(join(dir, name))).toString('base64');
  return files;
}

async function consumerVerifies(path: string): Promise<RunResult> {
  const dir = await tempDir('sealpack-signer-consumer-');
  await writeTree(dir, { '.sealpack/keys/release.asc': ctx.publicKey });
  return runCli(['verify', '--json', path], { cwd: dir });
}

async function assertGpgvAccepts(path: string) {
  for (const [signature, data] of [
    [`${path}.asc`, path],
    [`${path}.manifest.json.asc`, `${path}.manifest.json`],
  ] as const) {
    const status = await ctx.other.gpgv(ctx.publicKey, await readFile(signature, 'utf8'), await readFile(data));
    assert.match(status, /\[GNUPG:\] GOODSIG /, `gpgv ${signature}`);
  }
}

test('--signer gpg signs through gpg-agent (the one secret key); sealpack verify, gpg and gpgv accept the seal', async () => {
  const path = await tarball();
  const signed = cli(['sign', path, '--signer', 'gpg']);
  assert.is(signed.status, 0, signed.stdout + signed.stderr);
  assert.match(signed.stderr, new RegExp(`signed by ${ctx.fingerprint}`));
  const verified = await consumerVerifies(path);
  assert.is(verified.status, 0, verified.stdout + verified.stderr);
  await assertGpgvAccepts(path);
  assert.is(goodSigs(await ctx.release.verify(await readFile(`${path}.asc`, 'utf8'), await readFile(path))), 1);
  // A binary document signature (0x00) with SHA-512 (digest algo 10), as forced.
  const packets = ctx.release.run(['--list-packets', `${path}.manifest.json.asc`]).stdout;
  assert.match(packets, /sigclass 0x00/);
  assert.match(packets, /digest algo 10,/);
});

test('seal --signer exec: the reference adapter seals a tarball as it is; verify and gpgv accept it', async () => {
  const path = await tarball('1.3.0');
  const sealed = cli(['seal', path, '--signer', `exec:${ADAPTER}`, '--signer-key', ctx.publicKeyFile]);
  assert.is(sealed.status, 0, sealed.stdout + sealed.stderr);
  const verified = await consumerVerifies(path);
  assert.is(verified.status, 0, verified.stdout + verified.stderr);
  await assertGpgvAccepts(path);
});

test('SEALPACK_SIGNER=gpg:KEYID signs with that key and wins over SEALPACK_KEY; --key wins over SEALPACK_SIGNER', async () => {
  const path = await tarball('1.1.0');
  const signed = cli(['sign', path], { SEALPACK_SIGNER: `gpg:${ctx.fingerprint}`, SEALPACK_KEY: 'not a key' });
  assert.is(signed.status, 0, signed.stdout + signed.stderr);
  assert.is((await consumerVerifies(path)).status, 0);

  const keyFile = join(await tempDir('sealpack-signer-secret-'), 'release.key.asc');
  await writeFile(keyFile, ctx.release.exportSecret(ctx.fingerprint));
  const other = await tarball('1.2.0');
  const byFile = cli(['sign', other, '--key', keyFile], { SEALPACK_SIGNER: 'exec:exit 7' });
  assert.is(byFile.status, 0, byFile.stdout + byFile.stderr);
  assert.is((await consumerVerifies(other)).status, 0);

  const both = cli(['sign', other, '--key', keyFile, '--signer', 'gpg']);
  assert.is(both.status, 2);
  assert.match(both.stdout, /ESEAL_CONFIG: expected one of --signer and --key, found both/);
  const unknown = cli(['sign', other, '--signer', 'kms']);
  assert.is(unknown.status, 2);
  assert.match(unknown.stdout, /ESEAL_CONFIG: --signer: expected gpg, gpg:KEYID or exec:COMMAND/);
  const noGpg = cli(['sign', other, '--signer', 'gpg'], { PATH: '/nonexistent' });
  assert.is(noGpg.status, 2);
  assert.match(noGpg.stdout, /ESEAL_CONFIG: gpg: cannot run gpg .*\(ENOENT\)/);
  const missing = cli(['sign', other, '--signer', 'gpg:nobody@example.org']);
  assert.is(missing.status, 2);
  assert.match(missing.stdout, /ESEAL_CONFIG: gpg: /);
});

test('--signer gpg with the layout of a smartcard: primary key offline (sec#), a signing subkey; verify counts it for the primary', async () => {
  const gpg = await Gpg.create();
  try {
    const primary = gpg.generate('Card <card@example.org>', 'ed25519', 'cert');
    gpg.run(['--quick-add-key', primary, 'ed25519', 'sign', '0']);
    const subkeys = gpg.run(['--armor', '--export-secret-subkeys', primary]).stdout;
    gpg.run(['--yes', '--delete-secret-keys', primary]);
    gpg.importKey(subkeys);
    assert.match(gpg.run(['--with-colons', '--list-secret-keys']).stdout, /^sec:.*:#:/m, 'the primary is a stub');
    const path = await tarball();
    const signed = cli(['sign', path, '--signer', 'gpg'], { GNUPGHOME: gpg.home });
    assert.is(signed.status, 0, signed.stdout + signed.stderr);
    const dir = await writeTree(await tempDir('sealpack-signer-consumer-'), {
      '.sealpack/keys/card.asc': gpg.exportPublic(primary),
    });
    const verified = runCli(['verify', path], { cwd: dir });
    assert.is(verified.status, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, new RegExp(`signed by card \\(${primary}\\)`));
  } finally {
    gpg.stop();
  }
});

test('--signer gpg refuses to guess among several secret keys', async () => {
  const gpg = await Gpg.create();
  try {
    gpg.generate('One <one@example.org>', 'ed25519', 'sign');
    gpg.generate('Two <two@example.org>', 'ed25519', 'sign');
    const path = await tarball();
    const result = cli(['sign', path, '--signer', 'gpg'], { GNUPGHOME: gpg.home });
    assert.is(result.status, 2);
    assert.match(result.stdout, /expected one secret key that can sign, found [0-9A-F]{40}, [0-9A-F]{40}: choose one/);
    assert.equal(Object.keys(await around(path)), ['pkg-1.0.0.tgz']);
  } finally {
    gpg.stop();
  }
});

test('exec: the reference adapter (plugins/gpg) signs; verify and gpgv accept it', async () => {
  const path = await tarball();
  const signed = cli(['sign', path, '--signer', `exec:${ADAPTER}`, '--signer-key', ctx.publicKeyFile]);
  assert.is(signed.status, 0, signed.stdout + signed.stderr);
  assert.is((await consumerVerifies(path)).status, 0);
  await assertGpgvAccepts(path);
  // SEALPACK_SIGNER_KEY names the key as --signer-key does.
  const again = await tarball('1.0.1');
  const byEnv = cli(['sign', again], { SEALPACK_SIGNER: `exec:${ADAPTER}`, SEALPACK_SIGNER_KEY: ctx.publicKeyFile });
  assert.is(byEnv.status, 0, byEnv.stdout + byEnv.stderr);
  assert.is((await consumerVerifies(again)).status, 0);
});

const gpgAs = (home: string, extra = '') => `gpg --homedir '${home}' --batch --armor ${extra} --detach-sign`;

// Each command breaks the protocol one way. Expected: exit code, error code, message; the
// signer's public key is the release key unless a fifth entry names another file.
const refusals: [string, () => string, number, string, RegExp, (() => string)?][] = [
  ['prints garbage', () => 'cat >/dev/null; echo garbage', 1, 'ESEAL_BAD_SIGNATURE', /expected an armored OpenPGP signature/],
  ['prints nothing', () => 'cat >/dev/null', 1, 'ESEAL_BAD_SIGNATURE', /found nothing/],
  [
    'signs with another key',
    () => gpgAs(ctx.other.home),
    1,
    'ESEAL_BAD_SIGNATURE',
    /expected a signature by [0-9A-F]{40}, found one by/,
  ],
  [
    'signs other bytes',
    () => `cat >/dev/null; echo other | ${gpgAs(ctx.release.home)}`,
    1,
    'ESEAL_BAD_SIGNATURE',
    /does not verify over the bytes given/,
  ],
  [
    'prints two signatures',
    () => `f=$(mktemp); cat > "$f"; ${gpgAs(ctx.release.home)} --output - "$f"; ${gpgAs(ctx.release.home)} --output - "$f"`,
    1,
    'ESEAL_BAD_SIGNATURE',
    /expected one armored signature on stdout, found more after it/,
  ],
  [
    'returns a signature dated tomorrow',
    () => gpgAs(ctx.release.home, `--faked-system-time ${daysAgo(-1)}!`),
    1,
    'ESEAL_BAD_SIGNATURE',
    /expected a signature made now .* found one dated .*check the signer's clock/,
  ],
  ['signs in text mode', () => gpgAs(ctx.release.home, '--textmode'), 1, 'ESEAL_BAD_SIGNATURE', /text-mode signature/],
  ['signs with SHA-1', () => gpgAs(ctx.release.home, '--digest-algo SHA1'), 1, 'ESEAL_WEAK_ALGORITHM', /found sha1/],
  [
    'returns a signature already expired',
    () => gpgAs(ctx.old.home, `--faked-system-time ${daysAgo(3)}! --default-sig-expire 1d`),
    1,
    'ESEAL_SIGNATURE_EXPIRED',
    /the signature expired on/,
    () => ctx.oldKeyFile,
  ],
  [
    'returns a signature dated days ago',
    () => gpgAs(ctx.old.home, `--faked-system-time ${daysAgo(3)}!`),
    1,
    'ESEAL_BAD_SIGNATURE',
    /expected a signature made now .* found one dated .*check the signer's clock/,
    () => ctx.oldKeyFile,
  ],
  [
    'exits non-zero',
    () => 'cat >/dev/null; echo "kms: access denied" >&2; exit 3',
    2,
    'ESEAL_CONFIG',
    /exited with status 3: kms: access denied/,
  ],
  ['cannot be found', () => 'sealpack-no-such-signer', 2, 'ESEAL_CONFIG', /exited with status 127/],
  ['hangs (bounded by SEALPACK_SIGNER_TIMEOUT)', () => 'sleep 600', 2, 'ESEAL_CONFIG', /did not finish within 1 s/],
];

for (const [what, command, status, code, message, keyFile] of refusals) {
  test(`exec: a command that ${what} is refused (${code}); nothing is written`, async () => {
    const path = await tarball();
    const key = keyFile?.() ?? ctx.publicKeyFile;
    const result = cli(['sign', path, '--signer', `exec:${command()}`, '--signer-key', key], {
      SEALPACK_SIGNER_TIMEOUT: '1',
    });
    assert.is(result.status, status, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`error ${code}: exec:`));
    assert.match(result.stdout, message);
    assert.match(result.stdout, /nothing was written/);
    assert.equal(Object.keys(await around(path)), ['pkg-1.0.0.tgz']);
  });
}

test('exec: a refused co-signature leaves the existing seal byte for byte', async () => {
  const path = await tarball();
  assert.is(cli(['sign', path, '--signer', 'gpg']).status, 0);
  const before = await around(path);
  const result = cli(['sign', path, '--signer', `exec:${gpgAs(ctx.other.home)}`, '--signer-key', ctx.publicKeyFile]);
  assert.is(result.status, 1);
  assert.equal(await around(path), before);
});

test('exec: without the signer public key (--signer-key, SEALPACK_SIGNER_KEY) nothing runs', async () => {
  const path = await tarball();
  const marker = join(path, '..', 'ran');
  const result = cli(['sign', path, '--signer', `exec:touch '${marker}'`]);
  assert.is(result.status, 2);
  assert.match(result.stdout, /ESEAL_CONFIG: --signer: exec:COMMAND needs the signer's public key/);
  assert.equal(Object.keys(await around(path)), ['pkg-1.0.0.tgz']);
  const secret = join(await tempDir('sealpack-signer-secret-'), 'k.asc');
  await writeFile(secret, ctx.release.exportSecret(ctx.fingerprint));
  const privateKey = cli(['sign', path, '--signer', `exec:${ADAPTER}`, '--signer-key', secret]);
  assert.is(privateKey.status, 2);
  assert.match(privateKey.stdout, /ESEAL_CONFIG: .*expected a public key, found a private key/);
});

test("the README's co-signing: sq sign --detached --append onto a seal made with --signer gpg meets a threshold of two", async () => {
  assert.is(run('sq', ['--version']).status, 0, 'sq (Sequoia) must be installed: CI installs it from Debian');
  const path = await tarball();
  assert.is(cli(['sign', path, '--signer', 'gpg']).status, 0);
  const dir = await tempDir('sealpack-signer-sq-');
  const [alice, alicePub] = [join(dir, 'alice.pgp'), join(dir, 'alice.pub.asc')];
  for (const args of [
    ['key', 'generate', '--userid', 'Alice <alice@example.org>', '--export', alice],
    ['key', 'extract-cert', '--output', alicePub, alice],
    ['sign', '--detached', '--append', '--signer-key', alice, '-o', `${path}.manifest.json.asc`, `${path}.manifest.json`],
  ]) {
    const result = run('sq', args);
    assert.is(result.status, 0, `sq ${args.join(' ')}: ${result.stderr}`);
  }
  const consumer = await writeTree(await tempDir('sealpack-signer-consumer-'), {
    '.sealpack/keys/release.asc': ctx.publicKey,
    '.sealpack/keys/alice.asc': await readFile(alicePub, 'utf8'),
    '.sealpackrc.json': { trust: [{ packages: '**', keys: ['release', 'alice'], threshold: 2 }] },
  });
  const both = runCli(['verify', path], { cwd: consumer });
  assert.is(both.status, 0, both.stdout + both.stderr);
  assert.match(both.stdout, /signed by alice \([0-9A-F]{40}\), release/);
});

test('approve --signer gpg and through the reference adapter: approvals that count for the approver', async () => {
  const otherFingerprint = ctx.other.fingerprints('other@example.org')[0]!;
  const otherPublic = ctx.other.exportPublic(otherFingerprint);
  const otherKeyFile = join(await tempDir('sealpack-signer-approver-'), 'other.pub.asc');
  await writeFile(otherKeyFile, otherPublic);
  const consumer = await writeTree(await tempDir('sealpack-signer-consumer-'), {
    '.sealpack/keys/release.asc': ctx.publicKey,
    '.sealpack/keys/other.asc': otherPublic,
    '.sealpackrc.json': { trust: [{ packages: '**', keys: ['release'], approvers: ['other'], approvals: 1 }] },
  });
  for (const [version, signer] of [
    ['1.0.0', ['--signer', 'gpg']],
    ['1.0.1', ['--signer', `exec:${ADAPTER}`, '--signer-key', otherKeyFile]],
  ] as const) {
    const path = await tarball(version);
    assert.is(cli(['sign', path, '--signer', 'gpg']).status, 0);
    const unapproved = runCli(['verify', path], { cwd: consumer });
    assert.is(unapproved.status, 1, unapproved.stdout + unapproved.stderr);
    assert.match(unapproved.stdout, /ESEAL_APPROVAL/);
    const approved = cli(['approve', path, ...signer], { GNUPGHOME: ctx.other.home });
    assert.is(approved.status, 0, approved.stdout + approved.stderr);
    const verified = runCli(['verify', path], { cwd: consumer });
    assert.is(verified.status, 0, verified.stdout + verified.stderr);
  }
});

test('doctor --signer gpg judges the key gpg holds by its expiry, without asking gpg to sign', async () => {
  const dir = await writeTree(await tempDir('sealpack-signer-doctor-'), {
    'package.json': { name: 'doctored', version: '1.0.0', private: true },
  });
  const doctor = (env: NodeJS.ProcessEnv) =>
    runCli(['doctor', dir, '--signer', 'gpg', '--days', '30'], { env: { ...env, SEALPACK_SIGNER_TIMEOUT: '1' } });
  const fine = doctor({ GNUPGHOME: ctx.release.home });
  assert.is(fine.status, 0, fine.stdout + fine.stderr);
  const soon = await Gpg.create();
  try {
    soon.generate('Soon <soon@example.org>', 'ed25519', 'sign', '10d');
    const expiring = doctor({ GNUPGHOME: soon.home });
    assert.is(expiring.status, 1, expiring.stdout + expiring.stderr);
    assert.match(expiring.stdout, /problem: signing key [0-9A-F]{40}: cannot sign on .*expires within 30 days/);
  } finally {
    soon.stop();
  }
});

test('pack and publish --dry-run sign through --signer gpg', async () => {
  const setup = await setUp();
  const env = { ...setup.env, GNUPGHOME: ctx.release.home, SEALPACK_PASSPHRASE: '' };
  const dir = await writeTree(await tempDir('sealpack-signer-pkg-'), {
    'package.json': { name: 'gpg-packed', version: '1.0.0', main: 'index.js' },
    'index.js': 'module.exports = 1;\n',
  });
  const out = await tempDir('sealpack-signer-out-');
  const packed = sealpack(['pack', '--out', out, '--signer', `gpg:${ctx.fingerprint}`], dir, env);
  assert.is(packed.status, 0, packed.stdout + packed.stderr);
  const tgz = join(out, 'gpg-packed-1.0.0.tgz');
  assert.is((await consumerVerifies(tgz)).status, 0);
  await assertGpgvAccepts(tgz);
  const dry = sealpack(['publish', '--dry-run', '--registry', 'http://127.0.0.1:9/'], dir, {
    ...env,
    SEALPACK_SIGNER: 'gpg',
  });
  assert.is(dry.status, 0, dry.stdout + dry.stderr);
  assert.match(dry.stderr + dry.stdout, /dry run/);
});

test.run();
