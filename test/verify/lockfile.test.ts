import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashBytes } from '@sealpack/manifest';
import { exitCodeOf, lockedFromPnpm, readLockedPackages, verifyLockfile } from '@sealpack/verify';
import { cli } from '../helpers/cli.js';
import { cleanTempDirs, rejects, tempDir } from '../helpers/index.js';
import { makeConsumer, makeKey, trustOf, type TestKey } from './sealed.js';
import { startStubRegistry, tarballOf, type StubRegistry } from './registry-stub.js';

const test = suite('verifyLockfile');
let alice: TestKey;
let mallory: TestKey;
const registries: StubRegistry[] = [];
const ACME = { trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'warn' };

test.before(async () => {
  [alice, mallory] = await Promise.all([makeKey('alice'), makeKey('mallory')]);
});
test.after(async () => {
  await Promise.all(registries.map((r) => r.close()));
  await cleanTempDirs();
});

const integrityOf = (name: string, version: string) => hashBytes(tarballOf(name, version)).integrity;

/** A package-lock.json v3 pinning `name@version` entries under node_modules. */
async function writePackageLock(
  dir: string,
  pins: [string, string, string?][],
  extra: Record<string, unknown> = {},
): Promise<void> {
  const packages: Record<string, unknown> = { '': { name: 'consumer', version: '1.0.0' } };
  for (const [name, version, integrity] of pins) {
    packages[`node_modules/${name}`] = {
      version,
      resolved: `http://x/${name}-${version}.tgz`,
      integrity: integrity ?? integrityOf(name, version),
    };
  }
  await writeFile(
    join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages: { ...packages, ...extra } }, null, 2),
  );
}

async function stub(...args: Parameters<typeof startStubRegistry>): Promise<StubRegistry> {
  const registry = await startStubRegistry(...args);
  registries.push(registry);
  return registry;
}

const brief = (verdict: { findings: { severity: string; code: string; package?: string }[] }) =>
  verdict.findings.map((f) => `${f.severity} ${f.code} ${f.package ?? ''}`.trim());

test('package-lock v2/v3: no root, workspaces, links inside, bundled; git and outside links with their source; aliases by both names', async () => {
  const dir = await tempDir();
  await writeFile(
    join(dir, 'package-lock.json'),
    JSON.stringify({
      lockfileVersion: 2,
      packages: {
        '': { name: 'root', version: '1.0.0' },
        'packages/ws': { name: 'ws', version: '0.0.0' },
        'node_modules/ws': { resolved: 'packages/ws', link: true },
        'node_modules/a': { version: '1.0.0', resolved: 'https://r/a.tgz', integrity: 'sha512-a' },
        'node_modules/a/node_modules/@s/b': { version: '2.0.0', resolved: 'https://r/b.tgz', integrity: 'sha512-b' },
        'node_modules/a/node_modules/inside': { version: '1.0.0', inBundle: true },
        'node_modules/alias': { name: 'real', version: '3.0.0', resolved: 'https://r/real.tgz', integrity: 'sha512-r' },
        'node_modules/git': { version: '1.0.0', resolved: 'git+ssh://git@github.com/x/y.git#abc' },
        'node_modules/out': { resolved: '../elsewhere/out', link: true },
      },
      dependencies: {},
    }),
  );
  const locked = await readLockedPackages(dir);
  assert.equal(
    locked.map((p) =>
      `${p.name}@${p.version} ${p.integrity} ${p.artifact.slice(dir.length + 1)} ${p.aliases ?? ''} ${p.source ?? ''}`.trim(),
    ),
    [
      'a@1.0.0 sha512-a package-lock.json#node_modules/a',
      '@s/b@2.0.0 sha512-b package-lock.json#node_modules/a/node_modules/@s/b',
      'real@3.0.0 sha512-r package-lock.json#node_modules/alias alias',
      'git@1.0.0 undefined package-lock.json#node_modules/git  git+ssh://git@github.com/x/y.git#abc',
      'out@0.0.0 undefined package-lock.json#node_modules/out  link:../elsewhere/out',
    ],
  );
  await writeFile(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 1, dependencies: {} }));
  await rejects(() => readLockedPackages(dir), 'ESEAL_CONFIG', /lockfileVersion 1/);
});

test('pnpm-lock.yaml v9 (with a leading document) and the in-memory lockfile of afterAllResolved', async () => {
  const dir = await tempDir();
  await writeFile(
    join(dir, 'pnpm-lock.yaml'),
    [
      '---',
      "lockfileVersion: '9.0'",
      'importers:',
      '  .:',
      '    dependencies:',
      '      a: {specifier: 1.0.0, version: 1.0.0}',
      'packages:',
      "  '@s/b@2.0.0':",
      '    resolution: {integrity: sha512-b}',
      '  a@1.0.0:',
      '    resolution: {integrity: sha512-a}',
      '  local@file:local:',
      '    resolution: {directory: local, type: directory}',
      '  tgz@https://example.test/tgz.tgz:',
      '    resolution: {tarball: https://example.test/tgz.tgz}',
      '    version: 1.0.0',
      'snapshots:',
      '  a@1.0.0: {}',
      '',
    ].join('\n'),
  );
  const locked = await readLockedPackages(dir);
  assert.equal(
    locked.map((p) => `${p.name}@${p.version} ${p.integrity} ${p.source ?? ''}`.trim()),
    [
      '@s/b@2.0.0 sha512-b',
      'a@1.0.0 sha512-a',
      'local@0.0.0 undefined directory:local',
      'tgz@1.0.0 undefined https://example.test/tgz.tgz',
    ],
  );
  const inMemory = lockedFromPnpm(
    {
      lockfileVersion: '9.0',
      packages: {
        'a@1.0.0(peer@1.0.0)': { resolution: { integrity: 'sha512-a' } },
        'a@1.0.0(peer@2.0.0)': { resolution: { integrity: 'sha512-a' } },
        '/old/1.0.0': { resolution: { integrity: 'sha512-o' } },
      },
    },
    'mem',
  );
  assert.equal(
    inMemory.map((p) => `${p.name}@${p.version}`),
    ['a@1.0.0', 'old@1.0.0'],
  );
  await writeFile(join(dir, 'pnpm-lock.yaml'), "lockfileVersion: '6.0'\n");
  await rejects(() => readLockedPackages(dir), 'ESEAL_CONFIG', /lockfileVersion 9/);
});

test('no lockfile is an input error', async () => {
  const dir = await tempDir();
  await rejects(() => readLockedPackages(dir), 'ESEAL_CONFIG', /no lockfile/);
});

test('sealed packages pass; a second run asks the registry only about unsealed ones (cache); uncovered ones are looked up', async () => {
  const registry = await stub([
    { name: '@acme/core', version: '1.0.0', signer: alice.signer },
    { name: '@acme/util', version: '2.0.0', signer: alice.signer },
    { name: 'left-pad', version: '1.3.0' },
  ]);
  const dir = await makeConsumer([alice], ACME);
  await writePackageLock(dir, [
    ['@acme/core', '1.0.0'],
    ['@acme/util', '2.0.0'],
    ['left-pad', '1.3.0'],
  ]);
  const cache = await tempDir('sealpack-cache-');
  const options = { trust: await trustOf(dir), registry: registry.url, cache, env: {} };
  let verdict = await verifyLockfile(dir, options);
  assert.ok(verdict.ok, JSON.stringify(verdict.findings));
  assert.equal(
    verdict.subjects.map((s) => `${s.package} ${s.status}`),
    ['@acme/core pass', '@acme/util pass'],
  );
  // left-pad is uncovered, but looked up all the same (its history could make it a downgrade): one warning, counted.
  assert.equal(brief(verdict), ['warning ESEAL_UNSIGNED']);
  assert.match(verdict.findings[0]!.message, /^1 locked package has no seal/);
  assert.is(verdict.summary.unsealed, 1);
  // A second run within the freshness window: sealed seals from the cache, the unsealed
  // answer from npm's HTTP cache, no request.
  let clock = Date.now();
  const now = () => clock;
  let asked = registry.requests.length;
  verdict = await verifyLockfile(dir, { ...options, now });
  assert.equal(brief(verdict), ['warning ESEAL_UNSIGNED']);
  assert.is(registry.requests.length, asked);
  // A version published since the copy was kept: the copy does not list it, so the registry is asked.
  await registry.publish({ name: 'left-pad', version: '1.4.0' });
  await writePackageLock(dir, [
    ['@acme/core', '1.0.0'],
    ['@acme/util', '2.0.0'],
    ['left-pad', '1.4.0'],
  ]);
  asked = registry.requests.length;
  verdict = await verifyLockfile(dir, { ...options, now });
  assert.equal(brief(verdict), ['warning ESEAL_UNSIGNED']);
  assert.equal(
    registry.requests.slice(asked).map((r) => r.url),
    ['/left-pad', '/left-pad/1.4.0'],
  );
  // Past it: the unsealed answer is asked again with its ETag (a 304, never a stale "no seal").
  clock += 5 * 60_000; // the freshness window
  asked = registry.requests.length;
  verdict = await verifyLockfile(dir, { ...options, now });
  assert.equal(brief(verdict), ['warning ESEAL_UNSIGNED']);
  assert.equal(
    registry.requests.slice(asked).map((r) => `${r.url} ${r.headers['if-none-match'] ? 'etag' : 'none'}`),
    ['/left-pad etag', '/left-pad/1.4.0 etag'],
  );
  // Past the window with the registry gone: the old copy is not used, the package could not be checked.
  clock += 5 * 60_000; // the freshness window
  await registry.close();
  verdict = await verifyLockfile(dir, { ...options, now, retries: 0 });
  assert.equal(brief(verdict), ['error ESEAL_REGISTRY left-pad']);
});

test('a registry on this machine is asked for answers without gzip (on the loopback it costs CPU at both ends, saves nothing)', async () => {
  const registry = await stub([
    { name: '@acme/core', version: '1.0.0', signer: alice.signer },
    { name: 'left-pad', version: '1.3.0' },
  ]);
  assert.match(registry.url, /^http:\/\/127\.0\.0\.1:/);
  const dir = await makeConsumer([alice], ACME);
  await writePackageLock(dir, [
    ['@acme/core', '1.0.0'],
    ['left-pad', '1.3.0'],
  ]);
  const verdict = await verifyLockfile(dir, { trust: await trustOf(dir), registry: registry.url, cache: false, env: {} });
  assert.equal(brief(verdict), ['warning ESEAL_UNSIGNED']);
  assert.equal(registry.requests.map((r) => `${r.url} ${r.headers['accept-encoding']}`).sort(), [
    '/@acme%2fcore identity',
    '/left-pad identity',
    '/left-pad/1.3.0 identity',
  ]);
});

test('an altered lockfile integrity fails naming expected and found; a seal by an unpinned key fails; a covered unsealed package fails', async () => {
  const registry = await stub([
    { name: '@acme/core', version: '1.0.0', signer: alice.signer },
    { name: '@acme/evil', version: '1.0.0', signer: mallory.signer },
    { name: '@acme/bare', version: '1.0.0' },
  ]);
  const dir = await makeConsumer([alice], ACME);
  const forged = hashBytes(Buffer.from('another tarball')).integrity;
  await writePackageLock(dir, [
    ['@acme/core', '1.0.0', forged],
    ['@acme/evil', '1.0.0'],
    ['@acme/bare', '1.0.0'],
  ]);
  const verdict = await verifyLockfile(dir, { trust: await trustOf(dir), registry: registry.url, cache: false, env: {} });
  assert.not.ok(verdict.ok);
  assert.equal(brief(verdict), [
    'error ESEAL_UNSIGNED @acme/bare',
    'error ESEAL_INTEGRITY @acme/core',
    'error ESEAL_THRESHOLD @acme/evil',
    'error ESEAL_UNKNOWN_KEY @acme/evil',
  ]);
  const integrity = verdict.findings[1]!;
  assert.is(integrity.expected, integrityOf('@acme/core', '1.0.0'));
  assert.is(integrity.found, forged);
  assert.match(integrity.message, /^@acme\/core@1\.0\.0: the lockfile integrity differs/);
});

test('a lockfile entry is judged under its key name too; covered packages from git, files or URLs fail', async () => {
  const registry = await stub([
    { name: '@acme/widget', version: '1.0.0', signer: alice.signer },
    { name: 'left-pad', version: '1.0.0' },
  ]);
  const dir = await makeConsumer([alice], ACME);
  await writePackageLock(dir, [], {
    'node_modules/@acme/widget': { name: 'left-pad', resolved: 'https://evil/x.tgz', integrity: 'sha512-AAAA' },
    'node_modules/@acme/gadget': { version: '1.0.0', resolved: 'git+https://github.com/evil/gadget.git#abc' },
    'node_modules/@acme/thing': { version: '1.0.0', resolved: 'file:../evil.tgz', integrity: 'sha512-BBBB' },
    'node_modules/@acme/linked': { resolved: '../outside/linked', link: true },
    'node_modules/x': { name: '@acme/widget', version: '1.0.0', resolved: 'http://x/w.tgz', integrity: 'sha512-CCCC' },
    'node_modules/y': {
      name: '@acme/widget',
      version: '1.0.0',
      resolved: 'http://x/w.tgz',
      integrity: integrityOf('@acme/widget', '1.0.0'),
    },
    'node_modules/git-dep': { version: '2.0.0', resolved: 'git+ssh://git@github.com/x/y.git#abc' },
  });
  const verdict = await verifyLockfile(dir, { trust: await trustOf(dir), registry: registry.url, cache: false, env: {} });
  assert.not.ok(verdict.ok);
  assert.equal(brief(verdict), [
    'warning ESEAL_UNSIGNED',
    'error ESEAL_UNSIGNED @acme/gadget',
    'error ESEAL_UNSIGNED @acme/linked',
    'error ESEAL_UNSIGNED @acme/thing',
    'error ESEAL_IDENTITY @acme/widget',
    'error ESEAL_UNSIGNED @acme/widget',
    'error ESEAL_INTEGRITY @acme/widget',
  ]);
  const gadget = verdict.findings.find((f) => f.package === '@acme/gadget')!;
  assert.match(gadget.message, /from git\+https:\/\/github\.com\/evil\/gadget\.git#abc, which carries no registry seal/);
  assert.match(verdict.findings[0]!.message, /^1 locked package has no seal.*git-dep@2\.0\.0/);
});

test('a token from npm_config_//host/:_authToken is used; --registry does not override a scope (as npm)', async () => {
  const registry = await stub([{ name: '@acme/core', version: '1.0.0', signer: alice.signer }], { token: 's3cret' });
  const dir = await makeConsumer([alice], ACME);
  const host = registry.url.replace(/^http:/, '').replace(/\/?$/, '/');
  await writeFile(join(dir, '.npmrc'), `@acme:registry=${registry.url}\n`);
  await writePackageLock(dir, [['@acme/core', '1.0.0']]);
  const verdict = await verifyLockfile(dir, {
    trust: await trustOf(dir),
    registry: 'http://127.0.0.1:9/',
    cache: false,
    retries: 0,
    env: { [`npm_config_${host}:_authToken`]: 's3cret', NPM_CONFIG_USERCONFIG: join(dir, 'none') },
  });
  assert.ok(verdict.ok, JSON.stringify(verdict.findings));
  assert.is(registry.requests.length > 0, true);
});

test('pnpm: an npm: alias in importers or snapshots is judged under the alias name too', async () => {
  const registry = await stub([
    { name: 'left-pad', version: '1.0.0' },
    { name: 'a', version: '1.0.0' },
  ]);
  const dir = await makeConsumer([alice], ACME);
  await writeFile(
    join(dir, 'pnpm-lock.yaml'),
    [
      "lockfileVersion: '9.0'",
      'importers:',
      '  .:',
      '    dependencies:',
      "      '@acme/widget': {specifier: 'npm:left-pad@1', version: left-pad@1.0.0}",
      '      a: {specifier: 1.0.0, version: 1.0.0}',
      'packages:',
      '  left-pad@1.0.0:',
      `    resolution: {integrity: ${integrityOf('left-pad', '1.0.0')}}`,
      '  a@1.0.0:',
      `    resolution: {integrity: ${integrityOf('a', '1.0.0')}}`,
      'snapshots:',
      '  left-pad@1.0.0: {}',
      '  a@1.0.0:',
      '    dependencies:',
      "      '@acme/gadget': left-pad@1.0.0",
      '',
    ].join('\n'),
  );
  const locked = await readLockedPackages(dir);
  assert.equal(
    locked.map((p) => `${p.name}@${p.version} ${p.aliases ?? ''}`.trim()),
    ['left-pad@1.0.0 @acme/gadget,@acme/widget', 'a@1.0.0'],
  );
  const verdict = await verifyLockfile(dir, { trust: await trustOf(dir), registry: registry.url, cache: false, env: {} });
  assert.not.ok(verdict.ok);
  assert.equal(brief(verdict), [
    'warning ESEAL_UNSIGNED',
    'error ESEAL_IDENTITY @acme/gadget',
    'error ESEAL_UNSIGNED @acme/gadget',
    'error ESEAL_IDENTITY @acme/widget',
  ]);
});

test('transient errors are retried; a stopped registry gives one finding per package and no crash', async () => {
  const registry = await stub([
    { name: '@acme/core', version: '1.0.0', signer: alice.signer },
    { name: '@acme/util', version: '2.0.0', signer: alice.signer },
  ]);
  const dir = await makeConsumer([alice], ACME);
  await writePackageLock(dir, [
    ['@acme/core', '1.0.0'],
    ['@acme/util', '2.0.0'],
  ]);
  const trust = await trustOf(dir);
  registry.failNext(2, 503);
  let verdict = await verifyLockfile(dir, { trust, registry: registry.url, cache: false, env: {}, backoff: 10, concurrency: 1 });
  assert.ok(verdict.ok, JSON.stringify(verdict.findings));
  assert.is(registry.requests.length, 4);
  await registry.close();
  verdict = await verifyLockfile(dir, { trust, registry: registry.url, cache: false, env: {}, backoff: 10 });
  assert.not.ok(verdict.ok);
  assert.equal(brief(verdict), ['error ESEAL_REGISTRY @acme/core', 'error ESEAL_REGISTRY @acme/util']);
  assert.match(verdict.findings[0]!.message, /^@acme\/core@1\.0\.0: could not read its registry metadata: ECONNREFUSED/);
  // The CLI: registry failures only → exit 2 (could not verify), not 1 (verified bad).
  const run = await cli(['verify-lockfile', '--registry', registry.url, '--no-cache'], {
    cwd: dir,
    env: { NPM_CONFIG_USERCONFIG: join(dir, 'none') },
  });
  assert.is(run.status, 2, run.stdout + run.stderr);
  assert.match(run.stdout, /ESEAL_REGISTRY/);
  assert.match(run.stdout, /hint: could not connect to the registry/);
  // --json: one document for exit 2 too, with the tool's version and each finding's hint.
  const json = await cli(['verify-lockfile', '--registry', registry.url, '--no-cache', '--json'], {
    cwd: dir,
    env: { NPM_CONFIG_USERCONFIG: join(dir, 'none') },
  });
  assert.is(json.status, 2, json.stdout + json.stderr);
  const doc = JSON.parse(json.stdout);
  assert.is(doc.exitCode, 2);
  assert.is(typeof doc.tool.version, 'string');
  assert.match(doc.findings[0].hint, /could not connect to the registry/);
  // A thrown input error (no lockfile) is one JSON document as well.
  const empty = await cli(['verify-lockfile', '--json'], { cwd: join(dir, '.sealpack') });
  assert.is(empty.status, 2, empty.stdout + empty.stderr);
  const error = JSON.parse(empty.stdout);
  assert.equal([error.ok, error.exitCode, error.error.code], [false, 2, 'ESEAL_CONFIG']);
  assert.match(error.error.hint, /fix the configuration/);
});

test('an unreachable registry keeps what was found without it: an alias of a covered package exits 1, a plain entry 2', async () => {
  // A closed port: nothing listens there.
  const closed = await stub([]);
  await closed.close();
  const dir = await makeConsumer([alice], ACME);
  await writePackageLock(dir, [], {
    'node_modules/@acme/widget': { name: 'left-pad', version: '1.0.0', resolved: 'http://x/l.tgz', integrity: 'sha512-AAAA' },
  });
  const options = { trust: await trustOf(dir), registry: closed.url, cache: false as const, env: {}, retries: 0 };
  const aliased = await verifyLockfile(dir, options);
  assert.equal(brief(aliased), ['error ESEAL_IDENTITY @acme/widget', 'error ESEAL_REGISTRY @acme/widget']);
  assert.is(exitCodeOf(aliased), 1);
  await writePackageLock(dir, [['@acme/widget', '1.0.0']]);
  const plain = await verifyLockfile(dir, options);
  assert.equal(brief(plain), ['error ESEAL_REGISTRY @acme/widget']);
  assert.is(exitCodeOf(plain), 2);
});

test('scoped registries and auth tokens come from .npmrc; a seal dropped from abbreviated metadata is fetched in full', async () => {
  const registry = await stub([{ name: '@acme/core', version: '1.0.0', signer: alice.signer }], {
    token: 's3cret',
    dropSealFromAbbreviated: true,
  });
  const dir = await makeConsumer([alice], ACME);
  const host = registry.url.replace(/^http:/, '');
  await writeFile(
    join(dir, '.npmrc'),
    `registry=http://127.0.0.1:9/\n@acme:registry=${registry.url}\n${host}:_authToken=\${SEALPACK_TEST_TOKEN}\n`,
  );
  await writePackageLock(dir, [['@acme/core', '1.0.0']]);
  const verdict = await verifyLockfile(dir, {
    trust: await trustOf(dir),
    cache: false,
    env: { SEALPACK_TEST_TOKEN: 's3cret', NPM_CONFIG_USERCONFIG: join(dir, 'none') },
  });
  assert.ok(verdict.ok, JSON.stringify(verdict.findings));
  assert.equal(
    registry.requests.map((r) => r.url),
    ['/@acme%2fcore', '/@acme%2fcore/1.0.0'],
  );
});

test('downgrade: an unsealed version after a sealed one fails even with no rule covering it; an exception makes it a warning', async () => {
  const registry = await stub([
    { name: 'ms', version: '2.0.0', signer: alice.signer },
    { name: 'ms', version: '2.1.3' },
    { name: 'debug', version: '1.0.0', signer: mallory.signer },
    { name: 'debug', version: '2.0.0', signer: mallory.signer },
    { name: 'left-pad', version: '1.3.0' },
  ]);
  // The default consumer setup: no trust rule written by hand.
  const dir = await makeConsumer([alice], {});
  await writePackageLock(dir, [
    ['ms', '2.1.3'],
    ['debug', '2.0.0'],
    ['left-pad', '1.3.0'],
  ]);
  const options = { registry: registry.url, cache: false as const, env: {} };
  let verdict = await verifyLockfile(dir, { ...options, trust: await trustOf(dir) });
  assert.not.ok(verdict.ok);
  const errors = verdict.findings.filter((f) => f.severity === 'error');
  assert.equal(errors.map((f) => `${f.code} ${f.package}@${f.version}`).sort(), [
    'ESEAL_DOWNGRADE ms@2.1.3',
    'ESEAL_THRESHOLD debug@2.0.0',
    'ESEAL_UNKNOWN_KEY debug@2.0.0',
  ]);
  const downgrade = errors.find((f) => f.code === 'ESEAL_DOWNGRADE')!;
  assert.match(
    downgrade.message,
    /^ms@2\.1\.3: the registry has no seal for it, while ms@2\.0\.0 was sealed by alice: expected a seal by a pinned key, found unsealed/,
  );
  assert.is(downgrade.found, 'unsealed');
  // The CLI: exit 1, a hint that fits.
  const run = await cli(['verify-lockfile', '--registry', registry.url, '--no-cache'], {
    cwd: dir,
    env: { NPM_CONFIG_USERCONFIG: join(dir, 'none') },
  });
  assert.is(run.status, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /error ESEAL_DOWNGRADE: ms@2\.1\.3/);
  assert.match(run.stdout, /hint: an earlier version was sealed by a pinned key/);
  // A dated exception excuses it, as a warning.
  await writeFile(
    join(dir, '.sealpackrc.json'),
    JSON.stringify({ exceptions: [{ package: 'ms@2.1.3', reason: 'publisher lost the key', expires: '2999-01-01' }] }),
  );
  verdict = await verifyLockfile(dir, { ...options, trust: await trustOf(dir) });
  assert.equal(
    verdict.findings.filter((f) => f.code === 'ESEAL_DOWNGRADE').map((f) => f.severity),
    ['warning'],
  );
});

test.run();
