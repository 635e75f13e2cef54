import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyInstalled } from '@sealpack/verify';
import { buildManifest, hashBytes, serializeManifest } from '@sealpack/manifest';
import { cleanTempDirs, rejects } from '../helpers/index.js';
import { installPackage, link, makeConsumer, makeKey, trustOf, type TestKey } from './sealed.js';

const test = suite('verifyInstalled');
let alice: TestKey;
const ALL = { trust: [{ packages: '**', keys: ['alice'] }] };

test.before(async () => {
  alice = await makeKey('alice');
});
test.after(cleanTempDirs);

const codes = (verdict: { findings: { code: string; severity: string }[] }) =>
  verdict.findings.map((f) => `${f.severity} ${f.code}`);
const labels = (verdict: { subjects: { package?: string; version?: string }[] }) =>
  verdict.subjects.map((s) => `${s.package}@${s.version}`).sort();

test('npm layout: nested, scoped, workspace links; the root and workspace sources are not packages', async () => {
  const root = await makeConsumer([alice], ALL);
  const nm = join(root, 'node_modules');
  await installPackage(join(nm, 'a'), 'a', '1.0.0', { signer: alice.signer });
  await installPackage(join(nm, '@s', 'b'), '@s/b', '2.0.0', { signer: alice.signer });
  await installPackage(join(nm, 'a', 'node_modules', 'c'), 'c', '3.0.0', { signer: alice.signer });
  // A workspace package: a link to a folder outside node_modules, with its own node_modules.
  await installPackage(join(root, 'packages', 'ws'), 'ws', '0.0.0');
  await installPackage(join(root, 'packages', 'ws', 'node_modules', 'd'), 'd', '4.0.0', { signer: alice.signer });
  await link(join(root, 'packages', 'ws'), join(nm, 'ws'));
  await mkdir(join(nm, '.bin'), { recursive: true });
  await symlink('../a/index.js', join(nm, '.bin', 'a'));
  await writeFile(join(nm, '.package-lock.json'), '{}');
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(labels(verdict), ['@s/b@2.0.0', 'a@1.0.0', 'c@3.0.0', 'd@4.0.0']);
  assert.equal(codes(verdict), []);
  assert.ok(verdict.ok);
});

test('pnpm layout: the .pnpm virtual store, each real folder verified once however many links reach it', async () => {
  const root = await makeConsumer([alice], ALL);
  const store = join(root, 'node_modules', '.pnpm');
  const real = (id: string, name: string) => join(store, id, 'node_modules', name);
  await installPackage(real('a@1.0.0', 'a'), 'a', '1.0.0', { signer: alice.signer });
  await installPackage(real('@s+b@2.0.0', '@s/b'), '@s/b', '2.0.0', { signer: alice.signer });
  await link(real('@s+b@2.0.0', '@s/b'), join(store, 'a@1.0.0', 'node_modules', '@s', 'b'));
  await link(real('a@1.0.0', 'a'), join(root, 'node_modules', 'a'));
  // Hoisted into the hidden and the public node_modules too.
  await link(real('@s+b@2.0.0', '@s/b'), join(store, 'node_modules', '@s', 'b'));
  await link(real('@s+b@2.0.0', '@s/b'), join(root, 'node_modules', '@s', 'b'));
  await writeFile(join(root, 'node_modules', '.modules.yaml'), 'layoutVersion: 5\n');
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(labels(verdict), ['@s/b@2.0.0', 'a@1.0.0']);
  assert.ok(verdict.ok, JSON.stringify(verdict.findings));
});

test('one changed byte names the package, the file, and the expected and found digests', async () => {
  const root = await makeConsumer([alice], ALL);
  const dir = join(root, 'node_modules', 'a');
  const files = await installPackage(dir, 'a', '1.0.0', { signer: alice.signer, files: { 'lib/x.js': 'exports.x = 1;\n' } });
  await writeFile(join(dir, 'lib', 'x.js'), 'exports.x = 2;\n');
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.not.ok(verdict.ok);
  const [finding, ...rest] = verdict.findings;
  assert.equal(rest, []);
  assert.is(finding!.code, 'ESEAL_INTEGRITY');
  assert.is(finding!.package, 'a');
  assert.is(finding!.version, '1.0.0');
  assert.is(finding!.file, 'lib/x.js');
  assert.is(finding!.expected, hashBytes(Buffer.from(files['lib/x.js'] as string)).integrity);
  assert.is(finding!.found, hashBytes(Buffer.from('exports.x = 2;\n')).integrity);
  assert.match(finding!.message, /^a@1\.0\.0: lib\/x\.js differs/);
});

test('a missing file, an extra file, an extra file inside .sealpack/, a link where a file was', async () => {
  const root = await makeConsumer([alice], ALL);
  const dir = join(root, 'node_modules', 'a');
  await installPackage(dir, 'a', '1.0.0', { signer: alice.signer, files: { 'gone.js': '1', 'linked.js': '2' } });
  await rm(join(dir, 'gone.js'));
  await writeFile(join(dir, 'added.js'), 'evil()');
  await writeFile(join(dir, '.sealpack', 'hook.js'), 'evil()');
  await rm(join(dir, 'linked.js'));
  await symlink('/etc/passwd', join(dir, 'linked.js'));
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  const byCode = verdict.findings.map((f) => `${f.code} ${f.file}`).sort();
  assert.equal(byCode, [
    'ESEAL_EXTRA_FILE .sealpack/hook.js',
    'ESEAL_EXTRA_FILE added.js',
    'ESEAL_INTEGRITY linked.js',
    'ESEAL_MISSING_FILE gone.js',
  ]);
});

test('extraFiles allows build outputs; nested node_modules are other packages, bundled ones are checked', async () => {
  const root = await makeConsumer([alice], { ...ALL, extraFiles: ['build/**'] });
  const dir = join(root, 'node_modules', 'native');
  await installPackage(dir, 'native', '1.0.0', {
    signer: alice.signer,
    files: { 'node_modules/bundled/index.js': 'b', 'node_modules/bundled/package.json': '{"name":"bundled","version":"1.0.0"}' },
  });
  await mkdir(join(dir, 'build', 'Release'), { recursive: true });
  await writeFile(join(dir, 'build', 'Release', 'addon.node'), 'binary');
  // npm nests a dependency that could not be hoisted: another package, verified on its own.
  await installPackage(join(dir, 'node_modules', 'dep'), 'dep', '1.0.0', { signer: alice.signer });
  let verdict = await verifyInstalled(root, { trust: await trustOf(root), concurrency: 2 });
  // The bundled dependency has no seal of its own: its parent's seal covers its files.
  assert.equal(codes(verdict), [], JSON.stringify(verdict.findings));
  assert.equal(labels(verdict), ['dep@1.0.0', 'native@1.0.0']);
  await appendFile(join(dir, 'node_modules', 'bundled', 'index.js'), '!');
  await writeFile(join(dir, 'node_modules', 'bundled', 'extra.js'), '!');
  verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  const found = verdict.findings.filter((f) => f.severity === 'error').map((f) => `${f.package} ${f.code} ${f.file}`);
  assert.equal(found.sort(), [
    'native ESEAL_EXTRA_FILE node_modules/bundled/extra.js',
    'native ESEAL_INTEGRITY node_modules/bundled/index.js',
  ]);
});

test('unsigned: a covered package fails; uncovered ones give ONE warning with the count; deny fails each', async () => {
  const root = await makeConsumer([alice], { trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'warn' });
  const nm = join(root, 'node_modules');
  await installPackage(join(nm, '@acme', 'core'), '@acme/core', '1.0.0');
  for (const name of ['x', 'y', 'z']) await installPackage(join(nm, name), name, '1.0.0');
  let verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.not.ok(verdict.ok);
  // The summary names no artifact, so it sorts first.
  assert.equal(codes(verdict), ['warning ESEAL_UNSIGNED', 'error ESEAL_UNSIGNED']);
  const [warning, error] = verdict.findings;
  assert.is(error!.package, '@acme/core');
  assert.is(error!.rule, 'trust[0]');
  assert.match(warning!.message, /^3 installed packages have no seal/);
  assert.is(verdict.subjects.length, 1);

  await rm(join(nm, '@acme'), { recursive: true });
  verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.ok(verdict.ok);
  assert.equal(codes(verdict), ['warning ESEAL_UNSIGNED']);

  await writeFile(
    join(root, '.sealpackrc.json'),
    JSON.stringify({ trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'deny' }),
  );
  verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(codes(verdict), ['error ESEAL_UNSIGNED', 'error ESEAL_UNSIGNED', 'error ESEAL_UNSIGNED']);

  await writeFile(
    join(root, '.sealpackrc.json'),
    JSON.stringify({ trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'allow' }),
  );
  verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(codes(verdict), []);
});

test('a package is judged under the name it is installed as, not only the name its package.json claims', async () => {
  const root = await makeConsumer([alice], { trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'warn' });
  const nm = join(root, 'node_modules');
  // Unsealed, claiming an uncovered name, where require('@acme/widget') finds it.
  await installPackage(join(nm, '@acme', 'widget'), 'left-pad', '1.0.0');
  let verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.not.ok(verdict.ok);
  const found = verdict.findings.map((f) => `${f.severity} ${f.code} ${f.package}`).sort();
  assert.equal(found, ['error ESEAL_IDENTITY @acme/widget', 'error ESEAL_UNSIGNED @acme/widget']);

  // Sealed for left-pad by a trusted key, still not @acme/widget.
  await rm(join(nm, '@acme'), { recursive: true });
  await installPackage(join(nm, '@acme', 'widget'), 'left-pad', '1.0.0', { signer: alice.signer });
  verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(codes(verdict), ['error ESEAL_IDENTITY']);

  // An npm: alias under an uncovered name ("x": "npm:@acme/widget@1"): judged as @acme/widget.
  await rm(join(nm, '@acme'), { recursive: true });
  await installPackage(join(nm, 'x'), '@acme/widget', '1.0.0', { signer: alice.signer });
  verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.ok(verdict.ok, JSON.stringify(verdict.findings));
  assert.equal(codes(verdict), []);
  await rm(join(nm, 'x'), { recursive: true });
  await installPackage(join(nm, 'x'), '@acme/widget', '1.0.0');
  verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(codes(verdict), ['error ESEAL_UNSIGNED']);
});

test('pnpm: a link named for a covered package to an unsealed folder of another package fails', async () => {
  const root = await makeConsumer([alice], { trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'warn' });
  const store = join(root, 'node_modules', '.pnpm');
  const real = (id: string, name: string) => join(store, id, 'node_modules', name);
  await installPackage(real('left-pad@1.0.0', 'left-pad'), 'left-pad', '1.0.0');
  await installPackage(real('a@1.0.0', 'a'), 'a', '1.0.0');
  await link(real('left-pad@1.0.0', 'left-pad'), join(root, 'node_modules', 'left-pad'));
  // a's dependency @acme/widget resolves to left-pad's folder.
  await link(real('left-pad@1.0.0', 'left-pad'), join(store, 'a@1.0.0', 'node_modules', '@acme', 'widget'));
  await link(real('a@1.0.0', 'a'), join(root, 'node_modules', 'a'));
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.not.ok(verdict.ok);
  const found = verdict.findings
    .filter((f) => f.severity === 'error')
    .map((f) => `${f.code} ${f.package}`)
    .sort();
  assert.equal(found, ['ESEAL_IDENTITY @acme/widget', 'ESEAL_UNSIGNED @acme/widget']);
});

test('a seal signed by an unpinned key, and a seal for another package, fail', async () => {
  const root = await makeConsumer([alice], ALL);
  const mallory = await makeKey('mallory');
  await installPackage(join(root, 'node_modules', 'a'), 'a', '1.0.0', { signer: mallory.signer });
  // b carries a's seal (and a's files): a swapped seal.
  await installPackage(join(root, 'node_modules', 'b'), 'a', '1.0.0', { signer: alice.signer });
  const pkg = join(root, 'node_modules', 'b', 'package.json');
  await writeFile(pkg, JSON.stringify({ name: 'b', version: '1.0.0' }));
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  const found = verdict.findings.filter((f) => f.severity === 'error').map((f) => `${f.package} ${f.code}`);
  assert.ok(found.includes('a ESEAL_UNKNOWN_KEY'), found.join());
  assert.ok(found.includes('b ESEAL_IDENTITY'), found.join());
});

test('a dangling link and an empty folder are skipped; a folder without package.json is judged by its path name', async () => {
  const root = await makeConsumer([alice], { trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'warn' });
  const nm = join(root, 'node_modules');
  await mkdir(join(nm, 'empty'), { recursive: true });
  await symlink('../nowhere', join(nm, 'dangling'));
  await installPackage(join(nm, '@acme', 'a'), '@acme/a', '1.0.0', { signer: alice.signer });
  let verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(labels(verdict), ['@acme/a@1.0.0']);
  assert.equal(codes(verdict), []);
  // require('leftover') and require('@acme/ghost') load their index.js without any package.json.
  await mkdir(join(nm, 'leftover'), { recursive: true });
  await writeFile(join(nm, 'leftover', 'index.js'), 'evil()');
  await mkdir(join(nm, '@acme', 'ghost'), { recursive: true });
  await writeFile(join(nm, '@acme', 'ghost', 'index.js'), 'evil()');
  verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.not.ok(verdict.ok);
  assert.equal(
    verdict.findings.map((f) => `${f.severity} ${f.code} ${f.package ?? ''}`.trim()),
    ['warning ESEAL_UNSIGNED', 'error ESEAL_UNSIGNED @acme/ghost'],
  );
  assert.match(verdict.findings[0]!.message, /leftover/);
});

test('a link leading out of the project is verified as a package; one to a folder inside it is a workspace source', async () => {
  const root = await makeConsumer([alice], { trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'warn' });
  const elsewhere = await makeConsumer([alice], {});
  await installPackage(join(elsewhere, 'widget'), '@acme/widget', '1.0.0');
  await link(join(elsewhere, 'widget'), join(root, 'node_modules', '@acme', 'widget'));
  await installPackage(join(root, 'packages', 'ws'), '@acme/ws', '0.0.0');
  await link(join(root, 'packages', 'ws'), join(root, 'node_modules', '@acme', 'ws'));
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.not.ok(verdict.ok);
  assert.equal(
    verdict.findings.map((f) => `${f.code} ${f.package}`),
    ['ESEAL_UNSIGNED @acme/widget'],
  );
});

test('workspaces declared by pnpm-workspace.yaml or by a parent folder package.json are sources; without any declaration a link inside the project is judged', async () => {
  const judged = async (setUp: (root: string) => Promise<void>) => {
    const parent = await makeConsumer([alice], {});
    const root = join(parent, 'app');
    await makeConsumer([alice], { trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'warn' }, root);
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    await writeFile(join(parent, 'package.json'), JSON.stringify({ name: 'parent', version: '1.0.0', private: true }));
    await installPackage(join(root, 'packages', 'ws'), '@acme/ws', '0.0.0');
    await link(join(root, 'packages', 'ws'), join(root, 'node_modules', '@acme', 'ws'));
    await setUp(root);
    const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
    return verdict.findings.map((f) => `${f.code} ${f.package}`);
  };
  assert.equal(await judged(async () => {}), ['ESEAL_UNSIGNED @acme/ws']);
  assert.equal(await judged((root) => writeFile(join(root, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n')), []);
  assert.equal(
    await judged((root) =>
      writeFile(
        join(root, '..', 'package.json'),
        JSON.stringify({ name: 'parent', private: true, workspaces: ['app/packages/*'] }),
      ),
    ),
    [],
  );
});

test('loose files in node_modules or a scope folder are extra files; dot files of tools are not', async () => {
  const root = await makeConsumer([alice], ALL);
  const nm = join(root, 'node_modules');
  await installPackage(join(nm, '@acme', 'widget'), '@acme/widget', '1.0.0', { signer: alice.signer });
  await writeFile(join(nm, '.package-lock.json'), '{}');
  await writeFile(join(nm, '.modules.yaml'), 'x: 1\n');
  await writeFile(join(nm, '.yarn-integrity'), '{}');
  let verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.ok(verdict.ok, JSON.stringify(verdict.findings));
  // require('@acme/widget') loads this before the sealed folder.
  await writeFile(join(nm, '@acme', 'widget.js'), 'evil()');
  await writeFile(join(nm, 'lodash.js'), 'evil()');
  await symlink(join(root, 'package.json'), join(nm, 'linked.json'));
  verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.not.ok(verdict.ok);
  assert.equal(verdict.findings.map((f) => `${f.code} ${f.file}`).sort(), [
    'ESEAL_EXTRA_FILE node_modules/@acme/widget.js',
    'ESEAL_EXTRA_FILE node_modules/linked.json',
    'ESEAL_EXTRA_FILE node_modules/lodash.js',
  ]);
});

test('a folder with nothing installed is an input error, not "0 checked"', async () => {
  const root = await makeConsumer([alice], ALL);
  const trust = await trustOf(root);
  await rejects(() => verifyInstalled(root, { trust }), 'ESEAL_CONFIG', /nothing installed/);
});

test('an embedded manifest without "files" cannot vouch for files on disk', async () => {
  const root = await makeConsumer([alice], ALL);
  const dir = join(root, 'node_modules', 'a');
  await installPackage(dir, 'a', '1.0.0');
  const manifest = serializeManifest(buildManifest({ name: 'a', version: '1.0.0', tarball: hashBytes(Buffer.from('x')) }));
  await mkdir(join(dir, '.sealpack'));
  await writeFile(join(dir, '.sealpack', 'manifest.json'), manifest);
  await writeFile(join(dir, '.sealpack', 'manifest.json.asc'), await alice.signer.sign(manifest));
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(codes(verdict), ['error ESEAL_MALFORMED']);
});

test('a store outside the project (pnpm global virtual store): dependencies are found as siblings', async () => {
  const root = await makeConsumer([alice], ALL);
  const store = await makeConsumer([alice], ALL);
  const at = (id: string, name: string) => join(store, 'links', id, 'node_modules', name);
  await installPackage(at('a', 'a'), 'a', '1.0.0', { signer: alice.signer });
  await installPackage(at('b', '@s/b'), '@s/b', '2.0.0', { signer: alice.signer });
  // a's dependency b is linked beside a; only a is linked from the project.
  await link(at('b', '@s/b'), join(store, 'links', 'a', 'node_modules', '@s', 'b'));
  await link(at('a', 'a'), join(root, 'node_modules', 'a'));
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(labels(verdict), ['@s/b@2.0.0', 'a@1.0.0']);
  assert.ok(verdict.ok);
});

test.run();
