// `sealpack init` and `sealpack doctor` on a maintainer's repository (no registry needed).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKey } from '@sealpack/openpgp';
import { cleanTempDirs, tempDir } from '../helpers/index.js';
import { noStack, sealpack, setUp, writeTree, type Setup } from './publish-helpers.js';

const test = suite('e2e: sealpack init and doctor');
const ctx = {} as { setup: Setup };
test.before(async () => {
  ctx.setup = await setUp();
});
test.after(cleanTempDirs);

async function workspace(): Promise<string> {
  const root = await tempDir('sealpack-init-');
  return writeTree(root, {
    'package.json': { name: 'root', private: true, workspaces: ['packages/*'] },
    'packages/a/package.json': { name: '@w/a', version: '1.0.0' },
    'packages/b/package.json': { name: '@w/b', version: '1.0.0', scripts: { prepublishOnly: 'npm test' } },
    'packages/private/package.json': { name: '@w/private', version: '1.0.0', private: true },
  });
}

test('init: keyring folder, revocation list, config skeleton, the guard in every publishable package; idempotent', async () => {
  const root = await workspace();
  const first = sealpack(['init'], root, ctx.setup.env);
  assert.is(first.status, 0, first.stdout + first.stderr);
  assert.ok(existsSync(join(root, '.sealpack', 'keys')));
  assert.is(await readFile(join(root, '.sealpack', 'revocations.json'), 'utf8'), '[]\n');
  assert.ok(existsSync(join(root, 'sealpack.config.json')));
  const read = async (p: string) => JSON.parse(await readFile(join(root, 'packages', p, 'package.json'), 'utf8'));
  assert.is((await read('a')).scripts.prepublishOnly, 'sealpack guard');
  assert.is((await read('b')).scripts.prepublishOnly, 'sealpack guard && npm test');
  assert.is((await read('private')).scripts, undefined);
  const before = await readFile(join(root, 'packages', 'b', 'package.json'), 'utf8');
  const second = sealpack(['init'], root, ctx.setup.env);
  assert.is(second.status, 0, second.stdout + second.stderr);
  assert.not.match(second.stdout, /added|created/);
  assert.is(await readFile(join(root, 'packages', 'b', 'package.json'), 'utf8'), before);
});

test('init: a package whose "scripts" npm cannot read is refused before anything is written (exit 2)', async () => {
  const root = await workspace();
  await writeTree(root, { 'packages/c/package.json': { name: '@w/c', version: '1.0.0', scripts: 'npm test' } });
  const before = await readFile(join(root, 'packages', 'a', 'package.json'), 'utf8');
  const result = sealpack(['init'], root, ctx.setup.env);
  assert.is(result.status, 2, result.stdout + result.stderr);
  assert.match(result.stdout, /error ESEAL_CONFIG: .*packages\/c\/package\.json: expected "scripts" to be an object/);
  assert.ok(noStack(result), result.stdout + result.stderr);
  assert.not.ok(existsSync(join(root, '.sealpack')), 'no keyring folder');
  assert.not.ok(existsSync(join(root, 'sealpack.config.json')), 'no config');
  assert.is(await readFile(join(root, 'packages', 'a', 'package.json'), 'utf8'), before, 'no guard added');
});

test('doctor: names a package without the guard, a missing key; exits 1', async () => {
  const root = await workspace();
  const env = { ...ctx.setup.env };
  const result = sealpack(['doctor', '--offline'], root, env);
  assert.is(result.status, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /problem: @w\/a: no "prepublishOnly": "sealpack guard"/);
  assert.match(result.stdout, /problem: @w\/b: no "prepublishOnly"/);
  assert.not.match(result.stdout + result.stderr, /@w\/private/);
  assert.match(result.stdout, /problem: signing key: .*no signing key/);
});

test('doctor: a key that expires within --days, and the wrong passphrase, are problems; a clean repo exits 0', async () => {
  const root = await workspace();
  assert.is(sealpack(['init'], root, ctx.setup.env).status, 0);
  const soon = await generateKey({ name: 'soon', email: 'soon@example.com', expires: new Date(Date.now() + 10 * 86_400_000) });
  const soonFile = join(root, 'soon.key.asc');
  await writeFile(soonFile, soon.privateKey);
  const expiring = sealpack(['doctor', '--offline', '--key', soonFile], root, ctx.setup.env);
  assert.is(expiring.status, 1, expiring.stdout + expiring.stderr);
  assert.match(expiring.stdout, /expires within 30 days/);
  assert.is(sealpack(['doctor', '--offline', '--key', soonFile, '--days', '5'], root, ctx.setup.env).status, 0);

  const wrong = sealpack(['doctor', '--offline', '--key', ctx.setup.key], root, {
    ...ctx.setup.env,
    SEALPACK_PASSPHRASE: 'nope',
  });
  assert.is(wrong.status, 1);
  assert.match(wrong.stdout, /problem: signing key: .*wrong passphrase/);

  await writeTree(root, { '.sealpack/keys/release.asc': ctx.setup.publicKey });
  const clean = sealpack(['doctor', '--offline', '--key', ctx.setup.key], root, ctx.setup.env);
  assert.is(clean.status, 0, clean.stdout + clean.stderr);
  assert.match(clean.stdout, /sealpack doctor: ok \(2 publishable packages\)/);
  assert.match(clean.stdout, /note: .*`npm publish X\.tgz` runs no lifecycle scripts, so no guard can stop it/);
});

test('doctor --days: not a whole number of days is a usage error (exit 2), not a stack trace', async () => {
  const root = await workspace();
  for (const days of ['abc', '1.5', '1e9']) {
    const result = sealpack(['doctor', '--offline', '--key', ctx.setup.key, '--days', days], root, ctx.setup.env);
    assert.is(result.status, 2, `--days ${days}: ${result.stdout + result.stderr}`);
    assert.match(result.stdout, /error ESEAL_CONFIG: --days: expected a whole number of days/);
    assert.ok(noStack(result), result.stdout + result.stderr);
  }
});

test('doctor: an unreadable keyring is a problem', async () => {
  const root = await workspace();
  assert.is(sealpack(['init'], root, ctx.setup.env).status, 0);
  await writeTree(root, { '.sealpack/keys/broken.asc': 'not a key\n' });
  const result = sealpack(['doctor', '--offline', '--key', ctx.setup.key], root, ctx.setup.env);
  assert.is(result.status, 1);
  assert.match(result.stdout, /problem: keyring and policy: /);
});

test.run();
