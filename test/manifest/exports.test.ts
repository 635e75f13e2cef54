import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as manifest from '@sealpack/manifest';

const test = suite('manifest exports');

test('public API is pinned', () => {
  assert.equal(Object.keys(manifest).sort(), [
    'EMBEDDED_MANIFEST_PATH',
    'EMBEDDED_SIGNATURE_PATH',
    'MANIFEST_FORMAT',
    'buildManifest',
    'compareFiles',
    'hashBytes',
    'hashFile',
    'parseManifest',
    'readDetachedSeal',
    'readTarball',
    'readTarballFile',
    'sealPaths',
    'serializeManifest',
  ]);
});

test('contract constants (DESIGN.md)', () => {
  assert.is(manifest.MANIFEST_FORMAT, 'sealpack/manifest@1');
  assert.is(manifest.EMBEDDED_MANIFEST_PATH, '.sealpack/manifest.json');
  assert.is(manifest.EMBEDDED_SIGNATURE_PATH, '.sealpack/manifest.json.asc');
});

test('detached seal placement: X.tgz.asc, X.tgz.manifest.json(.asc), X.tgz.registry.json(.asc); missing parts are undefined', async () => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'sealpack-placement-'));
  const tgz = join(dir, 'a-1.0.0.tgz');
  assert.equal(manifest.sealPaths(tgz), {
    signature: `${tgz}.asc`,
    manifest: `${tgz}.manifest.json`,
    manifestSignature: `${tgz}.manifest.json.asc`,
    registryManifest: `${tgz}.registry.json`,
    registrySignature: `${tgz}.registry.json.asc`,
  });
  assert.equal(await manifest.readDetachedSeal(tgz), {
    manifest: undefined,
    manifestSignature: undefined,
    tarballSignature: undefined,
  });
  await writeFile(`${tgz}.manifest.json`, '{}');
  await writeFile(`${tgz}.manifest.json.asc`, 'sig');
  const seal = await manifest.readDetachedSeal(tgz);
  assert.equal(seal.manifest, Buffer.from('{}'));
  assert.equal(seal.manifestSignature, Buffer.from('sig'));
  assert.is(seal.tarballSignature, undefined);
  await rm(dir, { recursive: true });
});

test.run();
