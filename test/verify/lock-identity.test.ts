// Installed versions must be the ones the lockfile pins: a validly sealed impostor (ms 2.1.3
// where the lockfile pins 2.0.0) is ESEAL_IDENTITY, for npm's, pnpm's and yarn's lockfiles.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyInstalled } from '@sealpack/verify';
import { cleanTempDirs } from '../helpers/index.js';
import { installPackage, link, makeConsumer, makeKey, trustOf, type TestKey } from './sealed.js';

const test = suite('installed versions against the lockfile');
let alice: TestKey;
const ALL = { trust: [{ packages: '**', keys: ['alice'] }] };

test.before(async () => {
  alice = await makeKey('alice');
});
test.after(cleanTempDirs);

const errors = (verdict: { findings: { code: string; severity: string; package?: string; message: string }[] }) =>
  verdict.findings.filter((f) => f.severity === 'error').map((f) => `${f.package} ${f.code}`);

const packageLock = (packages: Record<string, string>) =>
  JSON.stringify({
    name: 'consumer',
    lockfileVersion: 3,
    packages: {
      '': { name: 'consumer' },
      ...Object.fromEntries(Object.entries(packages).map(([path, version]) => [path, { version, integrity: 'sha512-x' }])),
    },
  });

async function npmTree(installedMs: string) {
  const root = await makeConsumer([alice], ALL);
  await installPackage(join(root, 'node_modules', 'ms'), 'ms', installedMs, { signer: alice.signer });
  await installPackage(join(root, 'node_modules', 'a', 'node_modules', 'ms'), 'ms', '2.1.3', { signer: alice.signer });
  await installPackage(join(root, 'node_modules', 'a'), 'a', '1.0.0', { signer: alice.signer });
  const lock = packageLock({ 'node_modules/ms': '2.0.0', 'node_modules/a': '1.0.0', 'node_modules/a/node_modules/ms': '2.1.3' });
  await writeFile(join(root, 'package-lock.json'), lock);
  return root;
}

test('npm: the version at each path is the one package-lock.json pins there', async () => {
  const honest = await npmTree('2.0.0');
  assert.ok((await verifyInstalled(honest, { trust: await trustOf(honest) })).ok);
  const swapped = await npmTree('2.1.3');
  const verdict = await verifyInstalled(swapped, { trust: await trustOf(swapped) });
  assert.equal(errors(verdict), ['ms ESEAL_IDENTITY']);
  assert.match(
    verdict.findings[0]!.message,
    /^ms@2\.1\.3: node_modules\/ms is not the version package-lock\.json pins: expected 2\.0\.0, found 2\.1\.3/,
  );
});

test('npm: the hidden lockfile counts too, and a package the lockfile does not list is refused', async () => {
  const root = await npmTree('2.0.0');
  await writeFile(join(root, 'node_modules', '.package-lock.json'), packageLock({ 'node_modules/ms': '1.0.0' }));
  await installPackage(join(root, 'node_modules', 'stowaway'), 'stowaway', '1.0.0', { signer: alice.signer });
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(errors(verdict).sort(), ['a ESEAL_IDENTITY', 'ms ESEAL_IDENTITY', 'ms ESEAL_IDENTITY', 'stowaway ESEAL_IDENTITY']);
  assert.ok(
    verdict.findings.some((f) => /node_modules\/\.package-lock\.json pins: expected 1\.0\.0, found 2\.0\.0/.test(f.message)),
  );
  assert.ok(
    verdict.findings.some((f) => /node_modules\/stowaway is installed but package-lock\.json does not list it/.test(f.message)),
  );
});

test('pnpm: the store folder and the lockfile must both name the installed version', async () => {
  const root = await makeConsumer([alice], ALL);
  const store = join(root, 'node_modules', '.pnpm');
  await mkdir(store, { recursive: true });
  await writeFile(join(root, 'node_modules', '.modules.yaml'), 'layoutVersion: 5\n');
  await writeFile(
    join(root, 'pnpm-lock.yaml'),
    ["lockfileVersion: '9.0'", 'packages:', '  ms@2.0.0:', '    resolution: {integrity: sha512-x}', ''].join('\n'),
  );
  const real = join(store, 'ms@2.0.0', 'node_modules', 'ms');
  await installPackage(real, 'ms', '2.0.0', { signer: alice.signer });
  await link(real, join(root, 'node_modules', 'ms'));
  assert.ok((await verifyInstalled(root, { trust: await trustOf(root) })).ok);
  // The sealed 2.1.3 copied over the store folder of 2.0.0.
  await installPackage(real, 'ms', '2.1.3', { signer: alice.signer });
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(errors(verdict), ['ms ESEAL_IDENTITY']);
  assert.match(verdict.findings[0]!.message, /pnpm-lock\.yaml pins: expected 2\.0\.0, found 2\.1\.3/);
});

test('pnpm: a tarball-URL dependency is held to the version its lockfile entry records, in its store folder (peer suffix, hashed long name)', async () => {
  const url = 'https://example.org/downloads/tiny-1.0.0.tgz';
  const long = `https://example.org/${'x'.repeat(120)}/big-1.0.0.tgz`;
  const root = await makeConsumer([alice], ALL);
  const store = join(root, 'node_modules', '.pnpm');
  await writeFile(
    join(root, 'pnpm-lock.yaml'),
    [
      "lockfileVersion: '9.0'",
      'packages:',
      `  tiny@${url}:`,
      `    resolution: {integrity: sha512-x, tarball: ${url}}`,
      '    version: 1.0.0',
      `  big@${long}:`,
      `    resolution: {integrity: sha512-x, tarball: ${long}}`,
      '    version: 3.0.0',
      '',
    ].join('\n'),
  );
  const tiny = join(store, 'tiny@https+++example.org+downloads+tiny-1.0.0.tgz_peer@1.0.0', 'node_modules', 'tiny');
  const folder = `big@${long}`.replace(/[/:]/g, '+');
  const big = join(store, `${folder.slice(0, 87)}_0123456789abcdef0123456789abcdef`, 'node_modules', 'big');
  await installPackage(tiny, 'tiny', '1.0.0', { signer: alice.signer });
  await installPackage(big, 'big', '3.0.0', { signer: alice.signer });
  await writeFile(join(root, 'node_modules', '.modules.yaml'), 'layoutVersion: 5\n');
  await link(tiny, join(root, 'node_modules', 'tiny'));
  await link(big, join(root, 'node_modules', 'big'));
  const honest = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(errors(honest), []);
  // Another version in the tarball's place: not what the lockfile recorded.
  await installPackage(tiny, 'tiny', '1.0.1', { signer: alice.signer });
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(errors(verdict), ['tiny ESEAL_IDENTITY']);
  assert.match(verdict.findings[0]!.message, /pnpm-lock\.yaml pins: expected 1\.0\.0, found 1\.0\.1/);
});

test('yarn.lock: the installed version must be one it locks for that name', async () => {
  const root = await makeConsumer([alice], ALL);
  await writeFile(
    join(root, 'yarn.lock'),
    ['# yarn lockfile v1', '', '', 'ms@^2.0.0, ms@2.0.0:', '  version "2.0.0"', '  integrity sha512-x', ''].join('\n'),
  );
  await installPackage(join(root, 'node_modules', 'ms'), 'ms', '2.0.0', { signer: alice.signer });
  assert.ok((await verifyInstalled(root, { trust: await trustOf(root) })).ok);
  await mkdir(join(root, 'node_modules', 'ms'), { recursive: true });
  await installPackage(join(root, 'node_modules', 'ms'), 'ms', '2.1.3', { signer: alice.signer });
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(errors(verdict), ['ms ESEAL_IDENTITY']);
});

test('a package.json without a version or a name is still judged against the lockfile', async () => {
  // Sealed, but its package.json lost its version: malformed, and not the version the lockfile pins.
  const root = await makeConsumer([alice], ALL);
  await installPackage(join(root, 'node_modules', 'ms'), 'ms', '2.0.0', {
    signer: alice.signer,
    files: { 'package.json': JSON.stringify({ name: 'ms', main: 'index.js' }) },
  });
  await writeFile(join(root, 'package-lock.json'), packageLock({ 'node_modules/ms': '2.0.0' }));
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(errors(verdict), ['ms ESEAL_IDENTITY', 'ms ESEAL_MALFORMED']);
  const identity = verdict.findings.find((f) => f.code === 'ESEAL_IDENTITY')!;
  assert.match(
    identity.message,
    /^ms@no version: node_modules\/ms is not the version package-lock\.json pins: expected 2\.0\.0, found no version/,
  );
  // Unsealed and uncovered, with the locked version but no name: the lockfile names one there.
  const loose = await makeConsumer([alice], { trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'allow' });
  await installPackage(join(loose, 'node_modules', 'ms'), 'ms', '2.0.0', {
    files: { 'package.json': JSON.stringify({ version: '2.0.0', main: 'index.js' }) },
  });
  await writeFile(join(loose, 'package-lock.json'), packageLock({ 'node_modules/ms': '2.0.0' }));
  const nameless = await verifyInstalled(loose, { trust: await trustOf(loose) });
  assert.equal(errors(nameless), ['ms ESEAL_IDENTITY']);
  assert.match(
    nameless.findings[0]!.message,
    /^ms@2\.0\.0: node_modules\/ms names no package in its package\.json, where package-lock\.json pins ms: expected ms, found no name/,
  );
});

test('a package.json without a name is still judged against its folder names', async () => {
  // `left-pad` links to the covered `@acme/widget` folder, whose package.json names nothing.
  const root = await makeConsumer([alice], { trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'allow' });
  const widget = join(root, 'node_modules', '@acme', 'widget');
  await installPackage(widget, '@acme/widget', '1.0.0', {
    signer: alice.signer,
    files: { 'package.json': JSON.stringify({ version: '1.0.0', main: 'index.js' }) },
  });
  await link(widget, join(root, 'node_modules', 'left-pad'));
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(errors(verdict), ['@acme/widget ESEAL_IDENTITY', '@acme/widget ESEAL_MALFORMED']);
  const identity = verdict.findings.find((f) => f.code === 'ESEAL_IDENTITY')!;
  assert.match(
    identity.message,
    /^@acme\/widget@1\.0\.0: node_modules\/left-pad is installed under a name policy covers, but holds another package: expected @acme\/widget, found no name/,
  );
});

test.run();
