// Inputs that would hang or outlive a reader (issue 13): a FIFO where a file belongs blocks the
// thread that opens it, and a walk that fails must still stop the hash workers. Each case runs the
// built CLI in a child with a generous bound, so a regression fails here instead of hanging the
// test process; the unit suites check the same inputs' other findings in-process.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EMBEDDED_MANIFEST_PATH } from '@sealpack/manifest';
import { signTarball } from '@sealpack/sign';
import { cleanTempDirs, rejects, runCli, tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { installPackage, makeConsumer, makeKey, type TestKey } from '../verify/sealed.js';

const test = suite('e2e: FIFOs and loops where files belong: coded errors, never a hang');
let alice: TestKey;
const HANG = 120_000;
const ACME = { trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'warn' };
const LOCK = JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'consumer', version: '1.0.0' } } });

test.before(async () => {
  alice = await makeKey('alice');
});
test.after(cleanTempDirs);

for (const [what, place, command] of [
  ['the lockfile', 'package-lock.json', 'verify-lockfile'],
  ['the project .npmrc', '.npmrc', 'verify-lockfile'],
  ['the revocation list', '.sealpack/revocations.json', 'verify-lockfile'],
  ['a pinned key file', '.sealpack/keys/bob.asc', 'verify-lockfile'],
] as const) {
  test(`a FIFO as ${what}: ESEAL_CONFIG naming it, exit 2, no hang`, async () => {
    const root = await makeConsumer([alice], ACME);
    await writeFile(join(root, 'package-lock.json'), LOCK);
    await rm(join(root, place), { force: true });
    execFileSync('mkfifo', [join(root, place)]);
    const result = runCli([command, '--no-cache'], {
      cwd: root,
      timeout: HANG,
      env: { npm_config_registry: 'http://127.0.0.1:9/' },
    });
    assert.is(result.status, 2, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /ESEAL_CONFIG/);
    assert.ok(result.stdout.includes(place), result.stdout);
  });
}

test('a FIFO as the config file given with --config: ESEAL_CONFIG, not a regular file', async () => {
  const fifo = join(await tempDir('sealpack-config-'), 'sealpack.config.json');
  execFileSync('mkfifo', [fifo]);
  const result = runCli(['verify-installed', '--config', fifo], { timeout: HANG });
  assert.is(result.status, 2, result.stdout + result.stderr);
  assert.match(result.stdout, /ESEAL_CONFIG.*not a regular file/);
});

test('a FIFO in place of package.json or the embedded manifest: ESEAL_MALFORMED naming it, never a hang', async () => {
  const root = await makeConsumer([alice], ACME);
  const nm = join(root, 'node_modules');
  await installPackage(join(nm, '@acme', 'fifojson'), '@acme/fifojson', '1.0.0', { signer: alice.signer });
  await rm(join(nm, '@acme', 'fifojson', 'package.json'));
  execFileSync('mkfifo', [join(nm, '@acme', 'fifojson', 'package.json')]);
  await installPackage(join(nm, '@acme', 'fifoseal'), '@acme/fifoseal', '1.0.0');
  await mkdir(join(nm, '@acme', 'fifoseal', '.sealpack'));
  execFileSync('mkfifo', [join(nm, '@acme', 'fifoseal', EMBEDDED_MANIFEST_PATH)]);
  const result = runCli(['verify-installed', '--json'], { cwd: root, timeout: HANG });
  assert.is(result.status, 1, result.stdout + result.stderr);
  const verdict = JSON.parse(result.stdout) as { findings: { code: string; message: string }[] };
  assert.equal(
    verdict.findings.map((f) => f.code),
    ['ESEAL_MALFORMED', 'ESEAL_MALFORMED'],
  );
  assert.ok(verdict.findings.every((f) => /a FIFO/.test(f.message)));
});

test('an error while walking the tree ends the process: the hash workers are stopped', async () => {
  const root = await makeConsumer([alice], ACME);
  const nm = join(root, 'node_modules');
  for (let i = 0; i < 20; i++) await installPackage(join(nm, `@acme`, `p${i}`), `@acme/p${i}`, '1.0.0', { signer: alice.signer });
  // A link to itself: realpath fails with ELOOP while hashing is under way.
  await symlink('zz-loop', join(nm, 'zz-loop'));
  const result = runCli(['verify-installed'], { cwd: root, timeout: HANG });
  assert.is(result.status, 2, `status ${result.status} signal ${result.stdout} ${result.stderr}`);
  assert.match(result.stdout, /ELOOP/);
  assert.match(result.stdout, /zz-loop/);
});

test('a FIFO in place of X.tgz or X.tgz.manifest.json: a coded error naming it, never a hang', async () => {
  const root = await makeConsumer([alice], {});
  const good = await makeTarball(join(root, 'good-1.0.0.tgz'), packageFiles('good', '1.0.0'));
  await signTarball(good, { signer: alice.signer });
  execFileSync('mkfifo', [join(root, 'fifo-1.0.0.tgz')]);
  const tgz = await makeTarball(join(root, 'm-1.0.0.tgz'), packageFiles('m', '1.0.0'));
  execFileSync('mkfifo', [`${tgz}.manifest.json`]);
  const result = runCli(['verify', '--json', good, join(root, 'fifo-1.0.0.tgz'), tgz], { cwd: root, timeout: HANG });
  assert.is(result.status, 1, result.stdout + result.stderr);
  const verdict = JSON.parse(result.stdout) as { findings: { code: string; artifact: string; message: string }[] };
  assert.equal(
    verdict.findings.map((f) => `${f.code} ${f.artifact.slice(root.length + 1)}`),
    ['ESEAL_CONFIG fifo-1.0.0.tgz', 'ESEAL_MALFORMED m-1.0.0.tgz.manifest.json'],
  );
  assert.ok(verdict.findings.every((f) => /a FIFO/.test(f.message)));
  // The unreadable tarball alone: an input error, exit 2.
  const alone = runCli(['verify', join(root, 'fifo-1.0.0.tgz')], { cwd: root, timeout: HANG });
  assert.is(alone.status, 2, alone.stdout + alone.stderr);
  // sign refuses it too, and does not hang.
  await rejects(() => signTarball(join(root, 'fifo-1.0.0.tgz'), { signer: alice.signer }), 'ESEAL_CONFIG', /a FIFO/);
});

test.run();
