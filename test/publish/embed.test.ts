import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readTarball } from '@sealpack/manifest';
import { sealTarballBytes } from '@sealpack/publish';
import { appendEntries } from '../../packages/publish/src/embed.js';
import type { Signer } from '@sealpack/openpgp';
import { cleanTempDirs, rejects, tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';

// A signer whose signature is a pure function of the bytes: determinism is about the tar.
const fakeSigner: Signer = {
  fingerprint: 'F'.repeat(40),
  sign: async (bytes) =>
    `-----BEGIN PGP SIGNATURE-----\n${Buffer.from(bytes).toString('base64').slice(0, 20)}\n-----END PGP SIGNATURE-----\n`,
};

const test = suite('embedding the seal in a tarball');
test.after(cleanTempDirs);

async function packed(
  files = packageFiles('embed-me', '1.0.0', { 'lib/a.js': 'a', 'bin/cli.js': '#!/usr/bin/env node\n' }),
): Promise<Buffer> {
  const dir = await tempDir();
  return readFile(await makeTarball(join(dir, 'embed-me-1.0.0.tgz'), files));
}

test('original entries keep their exact tar blocks; the seal comes after them', async () => {
  const original = await packed();
  const sealed = appendEntries(original, [{ path: '.sealpack/manifest.json', bytes: Buffer.from('{}') }]);
  const before = gunzipSync(original);
  const after = gunzipSync(sealed);
  // Everything up to the original end-of-archive marker is byte for byte the same.
  const end = before.indexOf(Buffer.alloc(1024));
  assert.ok(end > 0);
  assert.equal(after.subarray(0, end), before.subarray(0, end));
  const contents = await readTarball(sealed);
  assert.equal(contents.embedded?.manifest.toString(), '{}');
  assert.equal(
    contents.files.map((f) => f.path),
    (await readTarball(original)).files.map((f) => f.path),
  );
});

test('same input, same bytes (gzip header pinned, fixed mtime)', async () => {
  const original = await packed();
  const a = await sealTarballBytes(original, { signer: fakeSigner });
  const b = await sealTarballBytes(original, { signer: fakeSigner });
  assert.ok(a.bytes.equals(b.bytes));
  assert.is(a.bytes[9], 3);
  assert.is(a.bytes.readUInt32LE(4), 0);
});

test('the embedded manifest lists every other file, files only, name and version from package.json', async () => {
  const sealed = await sealTarballBytes(await packed(), {
    signer: fakeSigner,
    source: { repository: 'https://example.com/r.git', commit: 'abc' },
  });
  const contents = await readTarball(sealed.bytes);
  const manifest = JSON.parse(contents.embedded!.manifest.toString());
  assert.is(manifest.name, 'embed-me');
  assert.is(manifest.version, '1.0.0');
  assert.is(manifest.tarball, undefined);
  assert.equal(manifest.source, { repository: 'https://example.com/r.git', commit: 'abc' });
  assert.equal(manifest.files, contents.files);
  assert.match(contents.embedded!.signature!, /BEGIN PGP SIGNATURE/);
});

test('a package that already contains .sealpack/manifest.json is refused', async () => {
  const original = await packed(packageFiles('stale', '1.0.0', { '.sealpack/manifest.json': '{}' }));
  await rejects(
    () => sealTarballBytes(original, { signer: fakeSigner }),
    'ESEAL_CONFIG',
    /expected a tarball without an embedded seal/,
  );
});

test('not a gzip tarball: ESEAL_MALFORMED', async () => {
  await rejects(async () => appendEntries(Buffer.from('not gzip'), []), 'ESEAL_MALFORMED');
});

test.run();
