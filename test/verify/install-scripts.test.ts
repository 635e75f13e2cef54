// What install scripts may do to an installed package, per package (policy `installScripts`):
// esbuild's postinstall rewrites its bin, a node-gyp build adds build/; nothing else, nobody else.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyInstalled } from '@sealpack/verify';
import { cleanTempDirs, rejects } from '../helpers/index.js';
import { installPackage, makeConsumer, makeKey, trustOf, type TestKey } from './sealed.js';

const test = suite('installScripts');
let alice: TestKey;
const ALL = { trust: [{ packages: '**', keys: ['alice'] }] };
const POLICY = {
  ...ALL,
  installScripts: { esbuild: { changes: ['bin/esbuild'] }, 'unix-*': { adds: ['build/**'] } },
};

test.before(async () => {
  alice = await makeKey('alice');
});
test.after(cleanTempDirs);

const errors = (verdict: { findings: { code: string; severity: string; package?: string; file?: string }[] }) =>
  verdict.findings
    .filter((f) => f.severity === 'error')
    .map((f) => `${f.package} ${f.code} ${f.file}`)
    .sort();

/** An esbuild-like package (postinstall replaces bin/esbuild) and a node-gyp-like one (adds build/), both after their scripts ran. */
async function builtTree(config: Record<string, unknown>) {
  const root = await makeConsumer([alice], config);
  const nm = join(root, 'node_modules');
  const files = { 'bin/esbuild': '#!/usr/bin/env node\nrequire("../install.js")\n', 'install.js': '' };
  await installPackage(join(nm, 'esbuild'), 'esbuild', '0.25.0', { signer: alice.signer, files });
  await writeFile(join(nm, 'esbuild', 'bin', 'esbuild'), '\x7fELF native binary');
  await installPackage(join(nm, 'unix-dgram'), 'unix-dgram', '2.0.6', { signer: alice.signer, files: { 'binding.gyp': '{}' } });
  await mkdir(join(nm, 'unix-dgram', 'build', 'Release'), { recursive: true });
  await writeFile(join(nm, 'unix-dgram', 'build', 'Release', 'unix_dgram.node'), 'addon');
  return { root, nm, files };
}

test('with no allowance, the rewritten bin and the build output fail', async () => {
  const { root } = await builtTree(ALL);
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(errors(verdict), [
    'esbuild ESEAL_INTEGRITY bin/esbuild',
    'unix-dgram ESEAL_EXTRA_FILE build/Release/unix_dgram.node',
  ]);
});

test('each package may do what its entry allows, and the honest tree passes', async () => {
  const { root } = await builtTree(POLICY);
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.ok(verdict.ok, JSON.stringify(verdict.findings));
});

test('a change outside the allowance, or the same change in another package, still fails', async () => {
  const { root, nm } = await builtTree(POLICY);
  await writeFile(join(nm, 'esbuild', 'install.js'), 'evil()');
  await writeFile(join(nm, 'esbuild', 'build.js'), 'evil()');
  await installPackage(join(nm, 'other'), 'other', '1.0.0', { signer: alice.signer, files: { 'bin/esbuild': 'x' } });
  await writeFile(join(nm, 'other', 'bin', 'esbuild'), 'changed');
  await mkdir(join(nm, 'other', 'build'));
  await writeFile(join(nm, 'other', 'build', 'x.node'), 'added');
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(errors(verdict), [
    'esbuild ESEAL_EXTRA_FILE build.js',
    'esbuild ESEAL_INTEGRITY install.js',
    'other ESEAL_EXTRA_FILE build/x.node',
    'other ESEAL_INTEGRITY bin/esbuild',
  ]);
  // A sealed file may be changed, never removed.
  const { root: again, nm: nm2 } = await builtTree(POLICY);
  await writeFile(join(nm2, 'esbuild', 'bin', 'esbuild'), '');
  assert.ok((await verifyInstalled(again, { trust: await trustOf(again) })).ok);
});

test('extraFiles stays the alias of adds for every package', async () => {
  const { root } = await builtTree({ ...ALL, extraFiles: ['build/**'], installScripts: { esbuild: { changes: ['bin/*'] } } });
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.ok(verdict.ok, JSON.stringify(verdict.findings));
});

test('an invalid installScripts entry is ESEAL_CONFIG naming its path', async () => {
  const root = await makeConsumer([alice], { installScripts: { esbuild: { change: ['bin/esbuild'] } } });
  await rejects(() => trustOf(root), 'ESEAL_CONFIG', /installScripts/);
  const bad = await makeConsumer([alice], { installScripts: { esbuild: { adds: 'build/**' } } });
  await rejects(() => trustOf(bad), 'ESEAL_CONFIG', /installScripts\.esbuild\.adds/);
});

test('bins npm links inside a bundled dependency pass; a link to anything the seal does not list fails', async () => {
  const root = await makeConsumer([alice], ALL);
  const dir = join(root, 'node_modules', 'npm-like');
  await installPackage(dir, 'npm-like', '10.0.0', {
    signer: alice.signer,
    files: {
      'node_modules/bundled/package.json': '{"name":"bundled","version":"1.0.0","bin":{"b":"cli.js"}}',
      'node_modules/bundled/cli.js': '#!/usr/bin/env node\n',
      'node_modules/inner/package.json': '{"name":"inner","version":"1.0.0"}',
    },
  });
  // npm links the bundled dependencies' bins where they would resolve from: nested .bin folders.
  await mkdir(join(dir, 'node_modules', '.bin'));
  await symlink('../bundled/cli.js', join(dir, 'node_modules', '.bin', 'b'));
  await mkdir(join(dir, 'node_modules', 'inner', 'node_modules', '.bin'), { recursive: true });
  await symlink('../../../bundled/cli.js', join(dir, 'node_modules', 'inner', 'node_modules', '.bin', 'b'));
  let verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.ok(verdict.ok, JSON.stringify(verdict.findings));
  await symlink('/bin/sh', join(dir, 'node_modules', '.bin', 'sh'));
  await writeFile(join(dir, 'node_modules', '.bin', 'c'), '#!/bin/sh\nevil\n');
  verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  // Judged as every .bin entry is, once each, under its own path.
  assert.equal(errors(verdict), [
    'node_modules/npm-like/node_modules/.bin/c ESEAL_EXTRA_FILE node_modules/npm-like/node_modules/.bin/c',
    'node_modules/npm-like/node_modules/.bin/sh ESEAL_EXTRA_FILE node_modules/npm-like/node_modules/.bin/sh',
  ]);
});

test.run();
