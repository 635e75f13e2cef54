// verifyInstalled parses each package's manifest and compares its files on a worker thread while
// the main thread checks the signatures over the same bytes and judges: every refusal still
// holds with several workers and many packages in flight, each on its own package, in a
// verdict that does not depend on the order answers come back in.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildManifest, hashBytes, serializeManifest, EMBEDDED_MANIFEST_PATH, EMBEDDED_SIGNATURE_PATH } from '@sealpack/manifest';
import { verifyInstalled } from '@sealpack/verify';
import { startInstalledWorkers } from '@sealpack/verify/installed-workers';
import type { Verdict } from '@sealpack/verify';
import { cleanTempDirs } from '../helpers/index.js';
import { installPackage, makeConsumer, makeKey, sealFiles, trustOf, type TestKey } from './sealed.js';

const test = suite('verifyInstalled: refusals through the workers');
test.after(cleanTempDirs);

const failures = (verdict: Verdict) =>
  verdict.subjects
    .filter((s) => s.status === 'fail')
    .map((s) => `${s.package} ${[...new Set(s.findings.filter((f) => f.severity === 'error').map((f) => f.code))].join(',')}`);

/** Overwrites a package's embedded seal with `manifest` signed by `signer`. */
async function reseal(dir: string, manifest: Buffer, signer: TestKey) {
  await writeFile(join(dir, EMBEDDED_MANIFEST_PATH), manifest);
  await writeFile(join(dir, EMBEDDED_SIGNATURE_PATH), await signer.signer.sign(manifest));
}

test('unpinned and revoked signers, tampered files and manifest bytes, malformed and misnamed manifests: each fails, among many good packages', async () => {
  const [alice, bob, mallory] = [await makeKey('alice'), await makeKey('bob'), await makeKey('mallory')];
  const root = await makeConsumer([alice, bob], { trust: [{ packages: '**', keys: ['alice', 'bob'] }] });
  await writeFile(
    join(root, '.sealpack', 'revocations.json'),
    JSON.stringify([{ fingerprint: bob.fingerprint, reason: 'compromised', date: '2020-01-01T00:00:00Z' }]),
  );
  const nm = join(root, 'node_modules');
  const files = (i: number) => ({ 'lib/a.js': `exports.a = ${i};\n`.repeat(30 * (i % 7) + 1), 'lib/b.js': 'b', 'index.js': 'i' });
  const bad = ['unpinned', 'revoked', 'tampered-file', 'tampered-manifest', 'noncanonical', 'misnamed', 'no-files'];
  // The bad ones sit between good ones: each answer must reach its own package.
  for (let i = 0; i < 60; i++) {
    const name = i % 8 === 3 && bad.length > 0 ? bad.shift()! : `good-${i}`;
    const signer = name === 'unpinned' ? mallory : name === 'revoked' ? bob : alice;
    await installPackage(join(nm, name), name, '1.0.0', { signer: signer.signer, files: files(i) });
  }
  assert.equal(bad, [], 'every bad package is installed');
  await appendFile(join(nm, 'tampered-file', 'lib', 'b.js'), '!');
  // The signed manifest's bytes changed to list a tampered file's digest: only the signature tells.
  const manifestPath = join(nm, 'tampered-manifest', EMBEDDED_MANIFEST_PATH);
  const signed = await readFile(manifestPath, 'utf8');
  const listed = JSON.parse(signed) as { files: { path: string; integrity: string }[] };
  const index = listed.files.find((f) => f.path === 'index.js')!;
  await writeFile(join(nm, 'tampered-manifest', 'index.js'), 'j');
  await writeFile(manifestPath, signed.replace(index.integrity, hashBytes(Buffer.from('j')).integrity));
  // Validly signed, but not the canonical bytes of the manifest they hold.
  const canonical = await readFile(join(nm, 'noncanonical', EMBEDDED_MANIFEST_PATH), 'utf8');
  await reseal(join(nm, 'noncanonical'), Buffer.from(JSON.stringify(JSON.parse(canonical), null, 2)), alice);
  // Validly signed, for another package.
  const other = await sealFiles('good-0', '1.0.0', { 'index.js': 'i' }, alice.signer);
  await reseal(join(nm, 'misnamed'), other.manifest, alice);
  // Validly signed, with a tarball digest only: it says nothing about the files installed.
  const registryStyle = buildManifest({ name: 'no-files', version: '1.0.0', tarball: hashBytes(Buffer.from('tgz')) });
  await reseal(join(nm, 'no-files'), Buffer.from(serializeManifest(registryStyle)), alice);

  const trust = await trustOf(root);
  const parallel = await verifyInstalled(root, { trust, workers: 2, concurrency: 64 });
  assert.equal(failures(parallel), [
    // Its files are another package's: index.js only, so the rest are extra.
    'misnamed ESEAL_EXTRA_FILE,ESEAL_IDENTITY',
    'no-files ESEAL_MALFORMED',
    'noncanonical ESEAL_MALFORMED',
    'revoked ESEAL_KEY_REVOKED,ESEAL_THRESHOLD',
    'tampered-file ESEAL_INTEGRITY',
    'tampered-manifest ESEAL_BAD_SIGNATURE,ESEAL_THRESHOLD',
    'unpinned ESEAL_THRESHOLD,ESEAL_UNKNOWN_KEY',
  ]);
  assert.equal(parallel.summary.passed, 53);
  // The same verdict, finding for finding, one package at a time on one worker, and again in parallel.
  assert.equal(await verifyInstalled(root, { trust, workers: 1, concurrency: 1 }), parallel);
  assert.equal(await verifyInstalled(root, { trust, workers: 3, concurrency: 64 }), parallel);
});

test('an answer examined ahead is used only for the manifest bytes the main thread reads: a seal swapped in after it is compared afresh', async () => {
  const alice = await makeKey('alice');
  const root = await makeConsumer([alice], { trust: [{ packages: '**', keys: ['alice'] }] });
  const dir = join(root, 'node_modules', 'swapped');
  const good = { 'index.js': 'good();\n' };
  await installPackage(dir, 'swapped', '1.0.0', { signer: alice.signer, files: good });
  const sealed = await readFile(join(dir, EMBEDDED_MANIFEST_PATH));
  const signature = await readFile(join(dir, EMBEDDED_SIGNATURE_PATH));
  // While the workers look ahead, the folder holds evil code and a manifest that lists it.
  await writeFile(join(dir, 'index.js'), 'evil();\n');
  const evil = await sealFiles(
    'swapped',
    '1.0.0',
    { 'index.js': 'evil();\n', 'package.json': await readFile(join(dir, 'package.json')) },
    alice.signer,
  );
  await writeFile(join(dir, EMBEDDED_MANIFEST_PATH), evil.manifest);
  const workers = startInstalledWorkers(root, 1);
  // One answer back: the worker has read its first request (the look-ahead, done at once for one package).
  await workers.examine(root, evil.manifest);
  // Then the genuine seal comes back, over the evil file.
  await writeFile(join(dir, EMBEDDED_MANIFEST_PATH), sealed);
  await writeFile(join(dir, EMBEDDED_SIGNATURE_PATH), signature);
  const verdict = await verifyInstalled(root, { trust: await trustOf(root), hasher: workers });
  assert.equal(failures(verdict), ['swapped ESEAL_INTEGRITY']);
});

test('a second run does not reuse what the workers examined for the first: a file changed in between is found', async () => {
  const alice = await makeKey('alice');
  const root = await makeConsumer([alice], { trust: [{ packages: '**', keys: ['alice'] }] });
  for (let i = 0; i < 20; i++)
    await installPackage(join(root, 'node_modules', `p-${i}`), `p-${i}`, '1.0.0', { signer: alice.signer });
  const trust = await trustOf(root);
  assert.equal(failures(await verifyInstalled(root, { trust, workers: 2 })), []);
  await appendFile(join(root, 'node_modules', 'p-7', 'index.js'), '!');
  assert.equal(failures(await verifyInstalled(root, { trust, workers: 2 })), ['p-7 ESEAL_INTEGRITY']);
});

test.run();
