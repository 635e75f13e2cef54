import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EMBEDDED_MANIFEST_PATH, EMBEDDED_SIGNATURE_PATH, hashBytes, readTarball } from '@sealpack/manifest';
import type { SealError } from '@sealpack/diagnostics';
import { cleanTempDirs, rejects, tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { basePackage, paxBody, rawTar, rawTgz, type RawEntry } from './tar.js';

const test = suite('readTarball');
test.after(cleanTempDirs);

/** Writes `bytes` as `<name>.tgz` in a temp folder (the file name says what it breaks). */
async function tgzFile(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(await tempDir(), `${name}.tgz`);
  await writeFile(path, bytes);
  return path;
}

/** readTarball must refuse `bytes` (from a file and from memory) with ESEAL_MALFORMED naming `entry`. */
async function refuses(name: string, bytes: Uint8Array, message: RegExp, entry?: string): Promise<void> {
  const path = await tgzFile(name, bytes);
  for (const source of [path, bytes]) {
    const e = (await rejects(() => readTarball(source, `${name}.tgz`), 'ESEAL_MALFORMED', message)) as unknown as SealError;
    assert.ok(e.message.startsWith(`${name}.tgz: `), e.message);
    assert.is(e.info.artifact, `${name}.tgz`);
    if (entry !== undefined) {
      assert.is(e.info.file, entry);
      assert.ok(e.message.includes(JSON.stringify(entry)), e.message);
    }
  }
}

const withEntries = (...extra: RawEntry[]): Buffer => rawTgz([...basePackage(), ...extra]);

test('reads an npm tarball: tarball digest, every file sorted without package/, package.json', async () => {
  const files = packageFiles('@acme/widget', '1.4.0', {
    'lib/b.js': 'b',
    'lib/a.js': 'a',
    'README.md': '# w\n',
    'Z.txt': 'z',
    'empty.txt': '',
  });
  const tgz = await makeTarball(join(await tempDir(), 'widget-1.4.0.tgz'), files);
  const bytes = await readFile(tgz);
  const contents = await readTarball(tgz);
  assert.equal(contents.tarball, hashBytes(bytes));
  assert.equal(
    contents.files,
    Object.keys(files)
      .sort()
      .map((path) => ({ path, ...hashBytes(Buffer.from(files[path]!)) })),
  );
  assert.equal(
    contents.files.map((f) => f.path),
    ['README.md', 'Z.txt', 'empty.txt', 'index.js', 'lib/a.js', 'lib/b.js', 'package.json'],
  );
  assert.is(contents.packageJson?.name, '@acme/widget');
  assert.is(contents.packageJson?.version, '1.4.0');
  assert.is(contents.packageJson?.bytes.toString(), files['package.json']);
  assert.is(contents.embedded, undefined);
  // The same bytes from memory read the same.
  assert.equal(await readTarball(bytes), contents);
});

test('any single root folder, as npm installs it: @types tarballs use `node v22.20/`', async () => {
  const files = packageFiles('@types/node', '22.20.0', { 'index.d.ts': 'export {};\n', 'ts5.6/index.d.ts': '' });
  const tgz = await makeTarball(join(await tempDir(), 'node-22.20.0.tgz'), files, 'node v22.20');
  const contents = await readTarball(tgz);
  assert.is(contents.root, 'node v22.20');
  assert.equal(
    contents.files.map((f) => f.path),
    ['index.d.ts', 'index.js', 'package.json', 'ts5.6/index.d.ts'],
  );
  assert.is(contents.packageJson?.name, '@types/node');
  assert.is((await readTarball(rawTgz(basePackage()))).root, 'package');
});

test('a bare (not gzipped) tar reads the same files', async () => {
  const gz = await readTarball(rawTgz(basePackage()));
  const bare = await readTarball(rawTar(basePackage()));
  assert.equal(bare.files, gz.files);
  assert.equal(bare.tarball, hashBytes(rawTar(basePackage())));
});

test('folder entries are not listed; pax and GNU-style long names are read', async () => {
  const long = `package/${'d'.repeat(120)}/${'f'.repeat(120)}.js`;
  const contents = await readTarball(
    rawTgz([
      { path: 'package/', type: '5' },
      { path: 'package/lib/', type: '5' },
      ...basePackage(),
      { path: 'package/lib/a.js', body: 'a' },
      { path: 'package/PaxHeader/x', type: 'x', body: paxBody({ path: long }) },
      { path: 'package/short-name', body: 'long' },
    ]),
  );
  assert.equal(
    contents.files.map((f) => f.path),
    [`${'d'.repeat(120)}/${'f'.repeat(120)}.js`, 'index.js', 'lib/a.js', 'package.json'],
  );
});

test('the embedded seal is not listed in files and is returned in embedded', async () => {
  const manifest = '{"format":"sealpack/manifest@1"}\n';
  const signature = '-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n';
  const files = packageFiles('x', '1.0.0', {
    [EMBEDDED_MANIFEST_PATH]: manifest,
    [EMBEDDED_SIGNATURE_PATH]: signature,
    '.sealpack/other.txt': 'listed',
  });
  const contents = await readTarball(await makeTarball(join(await tempDir(), 'x-1.0.0.tgz'), files));
  assert.equal(
    contents.files.map((f) => f.path),
    ['.sealpack/other.txt', 'index.js', 'package.json'],
  );
  assert.is(contents.embedded?.manifest.toString(), manifest);
  assert.is(contents.embedded?.signature, signature);
  // A manifest without a signature is still returned (verification says it is unsigned).
  const unsigned = await readTarball(withEntries({ path: `package/${EMBEDDED_MANIFEST_PATH}`, body: manifest }));
  assert.equal(unsigned.embedded, { manifest: Buffer.from(manifest) });
});

test('a package.json that does not parse is kept as bytes', async () => {
  const contents = await readTarball(rawTgz([{ path: 'package/package.json', body: '{ not json' }]));
  assert.equal(contents.packageJson, { bytes: Buffer.from('{ not json') });
  const noVersion = await readTarball(rawTgz([{ path: 'package/package.json', body: '{"name":"a","version":1}' }]));
  assert.equal(noVersion.packageJson, { name: 'a', bytes: Buffer.from('{"name":"a","version":1}') });
});

test('a tarball over 32 MiB streams through tar and reads the same', async () => {
  const big = Buffer.alloc(33 << 20, 'sealpack');
  // Level 0: stored deflate blocks, so the test does not spend its time compressing.
  const bytes = gzipSync(rawTar([...basePackage(), { path: 'package/big.bin', body: big }]), { level: 0 });
  const path = await tgzFile('big', bytes);
  const contents = await readTarball(path);
  assert.equal(contents.tarball, hashBytes(bytes));
  assert.equal(contents.files[0], { path: 'big.bin', ...hashBytes(big) });
  // A flipped byte in the stored data fails gzip's CRC at the end of the stream.
  bytes[bytes.length >> 1] ^= 0xff;
  await writeFile(path, bytes);
  await rejects(
    () => readTarball(path),
    'ESEAL_MALFORMED',
    /big\.tgz: expected a complete gzip tar archive, found unreadable data/,
  );
});

// Every refusal below is a real tarball, crafted header by header.
const refusals: [string, () => Buffer, RegExp, string?][] = [
  [
    'symlink',
    () => withEntries({ path: 'package/link.js', type: '2', linkpath: '/etc/passwd' }),
    /found a symbolic link to "\/etc\/passwd"/,
    'package/link.js',
  ],
  [
    'hardlink',
    () => withEntries({ path: 'package/hard.js', type: '1', linkpath: 'package/index.js' }),
    /found a hard link to "package\/index\.js"/,
    'package/hard.js',
  ],
  ['char-device', () => withEntries({ path: 'package/tty', type: '3' }), /found a character device/, 'package/tty'],
  ['fifo', () => withEntries({ path: 'package/pipe', type: '6' }), /found a FIFO/, 'package/pipe'],
  [
    'unknown-type',
    () => withEntries({ path: 'package/odd', type: 'Z', body: 'odd' }),
    /found an entry of an unsupported type/,
    'package/odd',
  ],
  [
    'path-traversal',
    () => withEntries({ path: 'package/../evil.js', body: 'x' }),
    /found a '\.\.' segment/,
    'package/../evil.js',
  ],
  [
    'path-traversal-deep',
    () => withEntries({ path: 'package/lib/../../../evil.js', body: 'x' }),
    /found a '\.\.' segment/,
    'package/lib/../../../evil.js',
  ],
  [
    'pax-path-traversal',
    () =>
      withEntries(
        { path: 'package/PaxHeader/a', type: 'x', body: paxBody({ path: 'package/../evil.js' }) },
        { path: 'package/innocent.js', body: 'x' },
      ),
    /found a '\.\.' segment/,
    'package/../evil.js',
  ],
  ['absolute-path', () => withEntries({ path: '/etc/cron.d/evil', body: 'x' }), /found an absolute path/, '/etc/cron.d/evil'],
  [
    'outside-package',
    () => withEntries({ path: 'other/index.js', body: 'x' }),
    /expected a path under package\/, found a path outside it/,
    'other/index.js',
  ],
  // One root folder, whatever its name; a second one is refused (npm would merge them).
  [
    'two-top-folders',
    () =>
      rawTgz([
        { path: 'node v22.20/package.json', body: '{}' },
        { path: 'node/index.d.ts', body: 'x' },
      ]),
    /expected a path under node v22\.20\/, found a path outside it/,
    'node/index.d.ts',
  ],
  ['file-as-top-folder', () => withEntries({ path: 'package', body: 'x' }), /expected a folder, found a file/, 'package'],
  [
    'duplicate-entry',
    () => withEntries({ path: 'package/index.js', body: 'module.exports = 2;\n' }),
    /expected one entry per path, found a duplicate entry/,
    'package/index.js',
  ],
  [
    'duplicate-embedded-manifest',
    () =>
      withEntries(
        { path: `package/${EMBEDDED_MANIFEST_PATH}`, body: '{}' },
        { path: `package/${EMBEDDED_MANIFEST_PATH}`, body: '{"x":1}' },
      ),
    /duplicate entry/,
    `package/${EMBEDDED_MANIFEST_PATH}`,
  ],
  ['dot-segment', () => withEntries({ path: 'package/./index2.js', body: 'x' }), /found a '\.' segment/, 'package/./index2.js'],
  ['double-slash', () => withEntries({ path: 'package//index2.js', body: 'x' }), /found an empty segment/, 'package//index2.js'],
  ['backslash', () => withEntries({ path: 'package\\evil.js', body: 'x' }), /found a backslash/, 'package\\evil.js'],
  [
    'file-and-folder',
    () => withEntries({ path: 'package/lib', body: 'x' }, { path: 'package/lib/a.js', body: 'a' }),
    /expected a file or a folder, found both/,
    'package/lib',
  ],
  [
    'file-then-folder-entry',
    () => withEntries({ path: 'package/lib', body: 'x' }, { path: 'package/lib/', type: '5' }),
    /found both/,
    'package/lib',
  ],
  [
    'signature-without-manifest',
    () => withEntries({ path: `package/${EMBEDDED_SIGNATURE_PATH}`, body: 'sig' }),
    /found a signature alone/,
    `package/${EMBEDDED_SIGNATURE_PATH}`,
  ],
];
for (const [name, make, message, entry] of refusals) {
  test(`refuses ${name}`, () => refuses(name, make(), message, entry));
}

const archiveError = /expected a complete gzip tar archive, found/;
test('refuses a corrupt gzip stream', async () => {
  const bytes = rawTgz(basePackage());
  for (let i = 12; i < bytes.length - 8; i += 7) bytes[i] ^= 0x5a;
  await refuses('corrupt-gzip', bytes, /found unreadable data \(/);
});

test('refuses a truncated gzip stream', () =>
  refuses('truncated-gzip', rawTgz(basePackage()).subarray(0, 60), /found unreadable data \(unexpected end of file\)/));

test('refuses a tar cut inside an entry', async () => {
  const tar = rawTar([...basePackage(), { path: 'package/big.js', body: 'x'.repeat(5000) }]);
  await refuses('truncated-entry', gzipSync(tar.subarray(0, 2600)), /Truncated input/);
  await refuses('truncated-entry-bare', tar.subarray(0, 2600), /Truncated input/);
});

test('refuses a tar cut at an entry boundary (no end-of-archive blocks)', async () => {
  // Whole entries, no trailing zero blocks: would otherwise read as a smaller package.
  const cut = rawTar(basePackage()).subarray(0, 2048);
  await refuses('truncated-boundary', gzipSync(cut), /found a truncated archive \(no end-of-archive blocks\)/);
});

test('refuses a damaged header checksum', async () => {
  const tar = rawTar(basePackage());
  tar[3] ^= 1;
  await refuses('bad-checksum', gzipSync(tar), /checksum failure/);
});

/** `tar` with header `index` changed by `edit` and its checksum written again (what a forger does). */
function editHeader(tar: Buffer, index: number, edit: (block: Buffer) => void): Buffer {
  const copy = Buffer.from(tar);
  let at = 0;
  for (let i = 0; i < index; i++) {
    const size = parseInt(copy.toString('latin1', at + 124, at + 135), 8) || 0;
    at += 512 + Math.ceil(size / 512) * 512;
  }
  const block = copy.subarray(at, at + 512);
  edit(block);
  block.fill(0x20, 148, 156);
  const sum = block.reduce((a, b) => a + b, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return copy;
}

test('a checksum node-tar reads as valid in another form is still valid; a wrong one is refused', async () => {
  const tar = rawTar(basePackage());
  // Leading spaces and no NUL (node-tar trims the field and reads it with parseInt).
  const spaced = editHeader(tar, 0, () => {});
  const sum = parseInt(spaced.toString('latin1', 148, 154), 8);
  spaced.write(` ${sum.toString(8)} `.padEnd(8, ' '), 148, 'latin1');
  assert.is((await readTarball(gzipSync(spaced))).files.length, 2);
  const wrong = editHeader(tar, 1, () => {});
  wrong.write(
    ((parseInt(wrong.toString('latin1', 1024 + 148, 1024 + 154), 8) + 1) % 0o777777).toString(8).padStart(6, '0'),
    1024 + 148,
    'latin1',
  );
  await refuses('off-by-one-checksum', gzipSync(wrong), /checksum failure/);
});

test('refuses a header node-tar cannot decode, even where a pax record stands in for the field', async () => {
  // A uid in malformed base-256 (high bit set, neither 0x80 nor 0xff): node-tar's Header throws
  // on it, unless a pax uid record means the field is never read. Refused either way, whatever
  // the checksum says.
  const tar = rawTar([
    ...basePackage(),
    { path: 'package/PaxHeader/a', type: 'x', body: paxBody({ uid: '0' }) },
    { path: 'package/a.js', body: 'x' },
  ]);
  const bad = (block: Buffer) => block.fill(0, 108, 116).writeUInt8(0x81, 108);
  await refuses('base256-uid', gzipSync(editHeader(tar, 1, bad)), /invalid base256 encoding/);
  await refuses('base256-uid-under-pax', gzipSync(editHeader(tar, 3, bad)), /invalid base256 encoding/);
  await refuses(
    'base256-mtime',
    gzipSync(editHeader(tar, 1, (b) => b.fill(0, 136, 148).writeUInt8(0x90, 136))),
    /invalid base256 encoding/,
  );
});

test('refuses what is not a tarball at all', async () => {
  await refuses('not-a-tarball', Buffer.from('<html>Not Found</html>\n'.repeat(50)), archiveError);
  await refuses('empty', Buffer.alloc(0), archiveError);
  await refuses('gzip-of-text', gzipSync('just some text, not a tar\n'.repeat(40)), archiveError);
  await refuses('zeros-only', gzipSync(Buffer.alloc(1024)), archiveError);
});

test('a missing file is ESEAL_MALFORMED naming the artifact', async () => {
  const path = join(await tempDir(), 'missing-1.0.0.tgz');
  const e = (await rejects(
    () => readTarball(path),
    'ESEAL_MALFORMED',
    /expected a readable tarball file, found ENOENT/,
  )) as unknown as SealError;
  assert.ok(e.message.startsWith(`${path}: `));
  assert.is(e.info.artifact, path);
});

test.run();
