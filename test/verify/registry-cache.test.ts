// The registry answers verify-lockfile keeps between runs (issue 10 item 3): a speed-up, never
// a source of trust. Corrupt or tampered entries, ETags the registry no longer matches, and the
// freshness window, against the stub registry (which honours If-None-Match).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashBytes } from '@sealpack/manifest';
import { verifyLockfile } from '@sealpack/verify';
import { cleanTempDirs, tempDir } from '../helpers/index.js';
import { makeConsumer, makeKey, trustOf, type TestKey } from './sealed.js';
import { startStubRegistry, tarballOf, type StubRegistry } from './registry-stub.js';

const test = suite('registry cache');
let alice: TestKey;
const registries: StubRegistry[] = [];
const ACME = { trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'allow' };
const WINDOW = 5 * 60_000;

test.before(async () => {
  alice = await makeKey('alice');
});
test.after(async () => {
  await Promise.all(registries.map((r) => r.close()));
  await cleanTempDirs();
});

async function writePackageLock(dir: string, pins: [string, string, string?][]): Promise<void> {
  const packages: Record<string, unknown> = { '': { name: 'consumer', version: '1.0.0' } };
  for (const [name, version, integrity] of pins) {
    packages[`node_modules/${name}`] = {
      version,
      resolved: `http://x/${name}-${version}.tgz`,
      integrity: integrity ?? hashBytes(tarballOf(name, version)).integrity,
    };
  }
  await writeFile(join(dir, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, packages }));
}

/** A consumer pinning @acme/core (sealed by alice) and left-pad (unsealed), its cache folder and a clock. */
async function setUp(extra: [string, string][] = []) {
  const registry = await startStubRegistry([
    { name: '@acme/core', version: '1.0.0', signer: alice.signer },
    { name: 'left-pad', version: '1.3.0' },
  ]);
  registries.push(registry);
  const dir = await makeConsumer([alice], ACME);
  await writePackageLock(dir, [['@acme/core', '1.0.0'], ['left-pad', '1.3.0'], ...extra]);
  const cache = await tempDir('sealpack-cache-');
  // As `npm run` passes it down: npm's own HTTP cache must not answer for the registry.
  const npmCache = await tempDir('npm-cache-');
  // A minute ahead of the wall clock: copies kept during the test are never dated in its future.
  const clock = { now: Date.now() + 60_000 };
  const options = {
    trust: await trustOf(dir),
    registry: registry.url,
    cache,
    env: { npm_config_cache: npmCache },
    retries: 0,
    now: () => clock.now,
  };
  const run = async () => {
    const asked = registry.requests.length;
    const verdict = await verifyLockfile(dir, options);
    const requests = registry.requests.slice(asked).map((r) => `${r.url} ${r.headers['if-none-match'] ? 'etag' : 'none'}`);
    return { verdict, requests, brief: verdict.findings.map((f) => `${f.severity} ${f.code} ${f.package}`) };
  };
  return { registry, dir, cache, npmCache, clock, options, run };
}

/** Every file under `dir` with its bytes and modification time. */
async function filesOf(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[path.slice(dir.length)] = `${(await stat(path)).mtimeMs} ${(await readFile(path)).toString('base64')}`;
  }
  return files;
}

/** The kept copy of the registry document at `url` (the store names files by a digest of it). */
async function storedFile(cache: string, url: string): Promise<string> {
  const folder = join(cache, 'documents-v1');
  for (const name of await readdir(folder)) {
    const data = JSON.parse(await readFile(join(folder, name), 'utf8')) as { url?: string };
    if (data.url === url) return join(folder, name);
  }
  throw new Error(`no kept copy of ${url} in ${folder}`);
}

test('a warm run within the freshness window asks nothing and writes nothing to the cache folder', async () => {
  const { cache, npmCache, run } = await setUp();
  let result = await run();
  assert.ok(result.verdict.ok, JSON.stringify(result.verdict.findings));
  assert.equal(result.requests, ['/@acme%2fcore none', '/left-pad none', '/left-pad/1.3.0 none']);
  result = await run();
  assert.equal(result.requests, []);
  const before = await filesOf(cache);
  result = await run();
  assert.equal(result.requests, []);
  assert.equal(result.brief, []);
  // npm's HTTP cache rewrote its index on every hit: a warm run paid a write per package.
  assert.equal(await filesOf(cache), before);
  assert.equal(await filesOf(npmCache), {});
});

test('unsealed answers are kept and revalidated by ETag: a 304 renews the copy, a changed document replaces it', async () => {
  const { registry, clock, run } = await setUp([['ms', '2.1.3']]);
  await registry.publish({ name: 'ms', version: '2.1.3' });
  assert.equal((await run()).brief, []);
  // Past the window: each unsealed answer is asked again naming its ETag; unchanged, a 304.
  clock.now += WINDOW;
  let result = await run();
  assert.equal(result.requests.sort(), ['/left-pad etag', '/left-pad/1.3.0 etag', '/ms etag', '/ms/2.1.3 etag']);
  assert.equal(result.brief, []);
  // The 304 renewed the copies: within the window again, nothing is asked.
  clock.now += WINDOW - 1;
  assert.equal((await run()).requests, []);
  // The registry's document changes (an earlier version, sealed by a pinned key, appears): within
  // the window the kept copy answers; past it, the ETag no longer matches and the new document
  // counts: ms@2.1.3 is now a downgrade.
  await registry.publish({ name: 'ms', version: '2.0.0', signer: alice.signer });
  result = await run();
  assert.equal(result.requests, []);
  assert.equal(result.brief, []);
  clock.now += 1;
  result = await run();
  assert.ok(result.requests.includes('/ms etag'), result.requests.join());
  assert.equal(result.brief, ['error ESEAL_DOWNGRADE ms']);
  // …and it is what the store keeps from now on (no request, same verdict).
  result = await run();
  assert.equal(result.requests, []);
  assert.equal(result.brief, ['error ESEAL_DOWNGRADE ms']);
});

test('a corrupt entry is not used, not even its ETag: the registry is asked for the whole document', async () => {
  const { registry, cache, run } = await setUp();
  assert.equal((await run()).brief, []);
  const file = await storedFile(cache, `${registry.url}left-pad`);
  const good = JSON.parse(await readFile(file, 'utf8')) as { url: string; versions: Record<string, unknown> };
  const corruptions: [string, string][] = [
    ['truncated', JSON.stringify(good).slice(0, 40)],
    ['not JSON', 'garbage'],
    ['another URL', JSON.stringify({ ...good, url: `${registry.url}right-pad` })],
    ['a version that is not seal data', JSON.stringify({ ...good, versions: { ...good.versions, '9.9.9': 'x' } })],
    ['a seal that is not a string', JSON.stringify({ ...good, versions: { '1.3.0': { sealpack: { manifest: 1 } } } })],
    ['no fetch time', JSON.stringify({ ...good, fetchedAt: 'now' })],
  ];
  for (const [what, bytes] of corruptions) {
    await writeFile(file, bytes);
    const result = await run();
    assert.equal(result.requests, ['/left-pad none'], what);
    assert.equal(result.brief, [], what);
    // Replaced by the registry's answer: the next run asks nothing.
    assert.equal((await run()).requests, [], what);
  }
  // Dated in the future (a clock set back, or an entry made to stay fresh forever): revalidated.
  const kept = JSON.parse(await readFile(file, 'utf8')) as { fetchedAt: number };
  await writeFile(file, JSON.stringify({ ...kept, fetchedAt: kept.fetchedAt + 365 * 24 * 3600_000 }));
  assert.equal((await run()).requests, ['/left-pad etag']);
  assert.equal((await run()).requests, []);
});

test('a tampered cache cannot make a tampered lockfile pass: seals are verified against the pinned keys every run', async () => {
  const { registry, dir, cache, run } = await setUp();
  assert.equal((await run()).brief, []);
  // The attacker's tarball in the lockfile, and its digest written into every cached copy of the seal.
  const evil = hashBytes(Buffer.from('evil tarball')).integrity;
  await writePackageLock(dir, [
    ['@acme/core', '1.0.0', evil],
    ['left-pad', '1.3.0'],
  ]);
  const sealed = hashBytes(tarballOf('@acme/core', '1.0.0')).integrity;
  const files = [
    await storedFile(cache, `${registry.url}@acme%2fcore`),
    ...(await readdir(join(cache, 'projects-v1'))).map((name) => join(cache, 'projects-v1', name)),
  ];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    assert.ok(text.includes(sealed), file);
    await writeFile(file, text.replaceAll(sealed, evil));
  }
  const result = await run();
  assert.equal(result.requests, []);
  assert.not.ok(result.verdict.ok);
  assert.equal(result.brief, ['error ESEAL_BAD_SIGNATURE @acme/core', 'error ESEAL_THRESHOLD @acme/core']);
  // Cached copies with the seal removed: "no seal" in the abbreviated document is checked against
  // the whole version document (proxies drop fields), whose real seal names the real tarball.
  for (const file of files) {
    const data = JSON.parse(await readFile(file, 'utf8'));
    if (data.versions) delete data.versions['1.0.0'].sealpack;
    if (data.seals) data.seals = {};
    await writeFile(file, JSON.stringify(data));
  }
  const stripped = await run();
  assert.equal(stripped.requests, ['/@acme%2fcore/1.0.0 none']);
  assert.equal(stripped.brief, ['error ESEAL_INTEGRITY @acme/core']);
});

test('past the window with the registry unreachable: the kept copy is not used (ESEAL_REGISTRY), sealed seals still are', async () => {
  const { registry, clock, run } = await setUp();
  assert.equal((await run()).brief, []);
  clock.now += WINDOW;
  await registry.close();
  const result = await run();
  assert.equal(result.brief, ['error ESEAL_REGISTRY left-pad']);
  assert.match(result.verdict.findings[0]!.message, /ECONNREFUSED/);
});

test('a seal kept in the cache is judged by the keyring and revocations of each run: a key revoked since fails at once', async () => {
  const { dir, options, run } = await setUp();
  assert.equal((await run()).brief, []);
  await writeFile(
    join(dir, '.sealpack', 'revocations.json'),
    JSON.stringify([{ fingerprint: alice.fingerprint, reason: 'compromised', date: '2020-01-01T00:00:00Z' }]),
  );
  options.trust = await trustOf(dir);
  const result = await run();
  assert.equal(result.requests, [], 'the seal and the history come from the cache folder');
  assert.not.ok(result.verdict.ok);
  assert.ok(result.brief.includes('error ESEAL_KEY_REVOKED @acme/core'), result.brief.join('\n'));
});

test('a version published inside the freshness window is not hidden by the kept copy: unsealed after a sealed one is a downgrade', async () => {
  const { registry, dir, run } = await setUp();
  await registry.publish({ name: 'ms', version: '2.0.0', signer: alice.signer });
  await writePackageLock(dir, [
    ['@acme/core', '1.0.0'],
    ['left-pad', '1.3.0'],
    ['ms', '2.0.0'],
  ]);
  assert.equal((await run()).brief, []);
  // Published unsealed a minute later (a stolen npm token), and pinned by the next lockfile.
  await registry.publish({ name: 'ms', version: '2.0.1' });
  await writePackageLock(dir, [
    ['@acme/core', '1.0.0'],
    ['left-pad', '1.3.0'],
    ['ms', '2.0.1'],
  ]);
  const result = await run();
  assert.ok(result.requests.includes('/ms etag'), result.requests.join(', '));
  assert.equal(result.brief, ['error ESEAL_DOWNGRADE ms']);
});

test.run();
