// Every input sealpack reads has a size and time bound (issue 13): a FIFO in place of any file it
// reads is a coded error naming the path, never a hang; a file larger than promised is not read through.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyInstalled } from '@sealpack/verify';
import { cleanTempDirs, runCli } from '../helpers/index.js';
import { installPackage, makeConsumer, makeKey, trustOf, type TestKey } from './sealed.js';

const test = suite('input bounds');
let alice: TestKey;
// A FIFO blocks the thread that opens it: the CLI runs in a child with a generous bound.
const HANG = 120_000;
const ACME = { trust: [{ packages: '@acme/*', keys: ['alice'] }] };

test.before(async () => {
  alice = await makeKey('alice');
});
test.after(cleanTempDirs);

const LOCK = JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'consumer', version: '1.0.0' } } });

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

test('an installed file far larger than its manifest says is ESEAL_INTEGRITY without being read through', async () => {
  const root = await makeConsumer([alice], ACME);
  const dir = join(root, 'node_modules', '@acme', 'big');
  await installPackage(dir, '@acme/big', '1.0.0', { signer: alice.signer, files: { 'lib/x.js': 'x' } });
  await writeFile(join(dir, 'lib', 'x.js'), Buffer.alloc(20 << 20, 0x41));
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(
    verdict.findings.map((f) => `${f.code} ${f.file} ${f.found}`),
    ['ESEAL_INTEGRITY lib/x.js (not read: larger than the manifest says)'],
  );
  assert.match(verdict.findings[0]!.message, /20971520 bytes/);
});

test.run();
