import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareFiles, hashBytes, hashFile, type ManifestFile } from '@sealpack/manifest';
import { cleanTempDirs, rejects, tempDir } from '../helpers/index.js';

// What ssri writes for sha512: `sha512-` and the base64 digest.
const ssri = (bytes: Uint8Array): string => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;

const hashing = suite('hashBytes and hashFile');
hashing.after(cleanTempDirs);

hashing('hashBytes gives an ssri sha512 string and the size', () => {
  const bytes = Buffer.from('module.exports = 1;\n');
  assert.equal(hashBytes(bytes), { integrity: ssri(bytes), size: bytes.length });
  assert.is(
    hashBytes(new Uint8Array()).integrity,
    'sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==',
  );
  // A view into a larger buffer hashes only its own bytes.
  const big = Buffer.from('xxhelloxx');
  assert.equal(hashBytes(big.subarray(2, 7)), hashBytes(Buffer.from('hello')));
});

hashing('hashFile streams a file to the same integrity as hashBytes', async () => {
  const dir = await tempDir();
  for (const size of [0, 1, 64 * 1024, 200_001]) {
    const bytes = Buffer.alloc(size, 'ab');
    const path = join(dir, `f${size}`);
    await writeFile(path, bytes);
    assert.equal(await hashFile(path), hashBytes(bytes), `size ${size}`);
  }
});

hashing('hashFile passes file-system errors through with their code', async () => {
  const dir = await tempDir();
  await rejects(() => hashFile(join(dir, 'missing.js')), 'ENOENT');
});

hashing.run();

const compare = suite('compareFiles');
const file = (path: string, content: string): ManifestFile => ({ path, ...hashBytes(Buffer.from(content)) });

compare('equal lists: nothing differs', () => {
  const files = [file('a.js', 'a'), file('b.js', 'b')];
  assert.equal(compareFiles(files, [...files].reverse()), { changed: [], missing: [], extra: [] });
});

compare('finds changed, missing and extra files, each sorted by code unit', () => {
  const expected = [file('z.js', 'z'), file('B.js', 'B'), file('a.js', 'a'), file('gone2.js', '2'), file('gone1.js', '1')];
  const found = [file('a.js', 'A'), file('new.js', 'n'), file('B.js', 'changed'), file('z.js', 'z'), file('Extra.js', 'e')];
  const result = compareFiles(expected, found);
  assert.equal(
    result.changed.map((c) => c.path),
    ['B.js', 'a.js'],
  );
  assert.equal(result.changed[1], { path: 'a.js', expected: hashBytes(Buffer.from('a')), found: hashBytes(Buffer.from('A')) });
  assert.equal(result.missing, ['gone1.js', 'gone2.js']);
  assert.equal(result.extra, ['Extra.js', 'new.js']);
});

compare('a size difference alone is a change', () => {
  const a = file('a.js', 'a');
  const result = compareFiles([a], [{ ...a, size: a.size + 1 }]);
  assert.equal(
    result.changed.map((c) => c.path),
    ['a.js'],
  );
});

compare.run();
