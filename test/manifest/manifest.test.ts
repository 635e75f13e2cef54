import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import {
  buildManifest,
  hashBytes,
  parseManifest,
  readTarball,
  serializeManifest,
  type Manifest,
  type ManifestFile,
} from '@sealpack/manifest';
import type { SealError } from '@sealpack/diagnostics';
import { cleanTempDirs, tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';

/** Runs `fn`, which must throw ESEAL_MALFORMED; returns the error for more checks. */
function malformed(fn: () => unknown, message?: RegExp): SealError {
  try {
    fn();
  } catch (error) {
    const e = error as SealError;
    assert.is(e.code, 'ESEAL_MALFORMED', `expected ESEAL_MALFORMED, got ${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.unreachable('expected ESEAL_MALFORMED');
  throw new Error('unreachable');
}

const file = (path: string, content = path): ManifestFile => ({ path, ...hashBytes(Buffer.from(content)) });
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const valid = (): Required<Manifest> => ({
  format: 'sealpack/manifest@1',
  name: '@acme/widget',
  version: '1.4.0',
  tarball: hashBytes(Buffer.from('tgz')),
  files: [file('index.js'), file('lib/a.js'), file('package.json')],
  source: { repository: 'https://example.com/acme/widget.git', commit: 'abc123' },
});

const build = suite('buildManifest and serializeManifest');
build.after(cleanTempDirs);

build('serializes with the fixed key order, 2-space JSON and a trailing newline', () => {
  const i = hashBytes(Buffer.from('x'));
  const bytes = serializeManifest(
    buildManifest({
      source: { commit: 'c0ffee', repository: 'git+https://example.com/r.git' },
      files: [{ size: i.size, integrity: i.integrity, path: 'x.js' }],
      tarball: { size: 9, integrity: i.integrity },
      version: '1.0.0',
      name: 'x',
    }),
  );
  const expected = [
    '{',
    '  "format": "sealpack/manifest@1",',
    '  "name": "x",',
    '  "version": "1.0.0",',
    '  "tarball": {',
    `    "integrity": "${i.integrity}",`,
    '    "size": 9',
    '  },',
    '  "files": [',
    '    {',
    '      "path": "x.js",',
    `      "integrity": "${i.integrity}",`,
    '      "size": 1',
    '    }',
    '  ],',
    '  "source": {',
    '    "repository": "git+https://example.com/r.git",',
    '    "commit": "c0ffee"',
    '  }',
    '}',
    '',
  ].join('\n');
  assert.is(bytes.toString('utf8'), expected);
});

build('sorts files by code unit (not locale) and leaves out absent fields', () => {
  const m = buildManifest({
    name: 'x',
    version: '1.0.0',
    files: [file('b.js'), file('a.js'), file('B.js'), file('_.js'), file('a/b.js'), file('a-b.js')],
    tarball: undefined,
    source: {},
  });
  assert.equal(
    m.files!.map((f) => f.path),
    ['B.js', '_.js', 'a-b.js', 'a.js', 'a/b.js', 'b.js'],
  );
  assert.equal(Object.keys(m), ['format', 'name', 'version', 'files']);
  assert.not.match(serializeManifest(m).toString(), /tarball|source/);
});

build('refuses unknown properties rather than sign or drop them silently', () => {
  const withExtra = { ...file('a.js'), mode: 0o644 } as ManifestFile;
  malformed(
    () => buildManifest({ name: 'x', version: '1.0.0', files: [withExtra] }),
    /^x@1\.0\.0: files\[0\]\.mode: expected no other keys/,
  );
  malformed(
    () =>
      buildManifest({ name: 'x', version: '1.0.0', tarball: hashBytes(Buffer.from('')), format: 'sealpack/manifest@1' } as never),
    /manifest\.format/,
  );
});

build('the same tarball gives byte-identical manifests', async () => {
  const files = packageFiles('@acme/widget', '1.4.0', { 'lib/z.js': 'z', 'lib/a.js': 'a', 'README.md': '# widget\n' });
  const manifests: Buffer[] = [];
  for (const dir of [await tempDir(), await tempDir()]) {
    const tgz = await makeTarball(join(dir, 'widget-1.4.0.tgz'), files);
    const contents = await readTarball(tgz);
    // Shuffled input, same bytes.
    manifests.push(
      serializeManifest(
        buildManifest({
          name: '@acme/widget',
          version: '1.4.0',
          tarball: contents.tarball,
          files: [...contents.files].reverse(),
        }),
      ),
    );
  }
  assert.ok(manifests[0]!.equals(manifests[1]!));
  const parsed = parseManifest(manifests[0]!, 'widget-1.4.0.tgz.manifest.json');
  assert.ok(serializeManifest(parsed).equals(manifests[0]!));
});

build('refuses what parseManifest would refuse, naming the package', () => {
  const base = { name: 'x', version: '1.0.0' };
  malformed(() => buildManifest(base), /^x@1\.0\.0: manifest: expected a tarball or files/);
  malformed(() => buildManifest({ ...base, files: [file('a.js'), file('a.js', 'other')] }), /unique paths/);
  malformed(() => buildManifest({ ...base, files: [file('../evil.js')] }), /'\.\.' segment/);
  malformed(() => buildManifest({ ...base, files: [file('/abs.js')] }), /absolute path/);
  malformed(() => buildManifest({ ...base, files: [file('.sealpack/manifest.json')] }), /embedded seal/);
  malformed(() => buildManifest({ ...base, files: [{ path: 'a.js', integrity: 'sha256-abc', size: 1 }] }), /sha512 integrity/);
  malformed(
    () => buildManifest({ ...base, tarball: { integrity: hashBytes(Buffer.from('')).integrity, size: -1 } }),
    /non-negative integer/,
  );
  malformed(() => buildManifest({ ...base, name: '' }), /name: expected a package name/);
  const e = malformed(() => buildManifest({ ...base, files: [file('a\\b.js')] }));
  assert.is(e.info.package, 'x');
  assert.is(e.info.version, '1.0.0');
  assert.is(e.info.file, 'a\\b.js');
});

build.run();

const parse = suite('parseManifest');

parse('round-trips a valid manifest', () => {
  const m = valid();
  assert.equal(parseManifest(serializeManifest(m)), m);
  const tarballOnly = { format: m.format, name: m.name, version: m.version, tarball: m.tarball };
  assert.equal(parseManifest(serializeManifest(tarballOnly)), tarballOnly);
  const empty = { format: m.format, name: m.name, version: m.version, files: [], source: {} };
  assert.equal(parseManifest(serializeManifest(empty)), empty);
});

// Two readers of the same signed bytes must see the same manifest: JSON.parse keeps the last
// of duplicate keys (others keep the first) and TextDecoder drops a byte order mark.
const canonical = (): string => serializeManifest(valid()).toString('utf8');
const { integrity: otherIntegrity } = hashBytes(Buffer.from('other'));
const nonCanonical: [string, () => Uint8Array, RegExp][] = [
  [
    'a duplicate top-level key',
    () => Buffer.from(canonical().replace('  "version": "1.4.0",\n', '  "version": "1.4.0",\n  "version": "6.6.6",\n')),
    /found "line 4: {3}\\"version\\": \\"1\.4\.0\\",/,
  ],
  [
    'a duplicate key in a file entry',
    () => Buffer.from(canonical().replace('"path": "index.js",', '"path": "evil.js", "path": "index.js",')),
    /found "line 11: {7}\\"path\\": \\"evil\.js/,
  ],
  [
    'a duplicate key in tarball',
    () => Buffer.from(canonical().replace('"tarball": {', `"tarball": {"integrity": "${otherIntegrity}",`)),
    /canonical serialization/,
  ],
  [
    'a duplicate key in source',
    () => Buffer.from(canonical().replace('"source": {', '"source": {"commit": "decade",')),
    /canonical serialization/,
  ],
  [
    'a UTF-8 byte order mark',
    () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(canonical())]),
    /byte order mark/,
  ],
  ['compact JSON', () => json(valid()), /found "line 1: {\\"format\\":/],
  ['CRLF line endings', () => Buffer.from(canonical().replaceAll('\n', '\r\n')), /canonical serialization/],
  ['no trailing newline', () => Buffer.from(canonical().trimEnd()), /found "the end of the input, line \d+: }"/],
  ['two trailing newlines', () => Buffer.from(canonical() + '\n'), /canonical serialization/],
  ['reordered keys', () => Buffer.from(JSON.stringify({ name: '@acme/widget', ...valid() }, null, 2) + '\n'), /canonical/],
  ['an escaped character', () => Buffer.from(canonical().replace('"@acme/widget"', '"\\u0040acme/widget"')), /canonical/],
];
for (const [what, bytes, message] of nonCanonical) {
  parse(`refuses ${what}: only the canonical serialization parses`, () => {
    const e = malformed(() => parseManifest(bytes(), 'x-1.0.0.tgz.manifest.json'), message);
    assert.ok(e.message.startsWith('x-1.0.0.tgz.manifest.json: manifest: expected the canonical serialization'), e.message);
    assert.is(e.info.artifact, 'x-1.0.0.tgz.manifest.json');
  });
}

const refusals: [string, (m: Required<Manifest>) => unknown, RegExp][] = [
  [
    'an unknown format',
    (m) => ({ ...m, format: 'sealpack/manifest@2' }),
    /format: expected "sealpack\/manifest@1", found "sealpack\/manifest@2"/,
  ],
  ['no format', ({ format: _, ...m }) => m, /format: expected "sealpack\/manifest@1", found nothing/],
  ['an unknown top-level key', (m) => ({ ...m, scripts: {} }), /manifest\.scripts: expected no other keys/],
  [
    'an unknown key in a file',
    (m) => ({ ...m, files: [{ ...m.files[0], mode: 420 }] }),
    /files\[0\]\.mode: expected no other keys/,
  ],
  ['an unknown key in tarball', (m) => ({ ...m, tarball: { ...m.tarball, algorithm: 'sha512' } }), /tarball\.algorithm/],
  ['an unknown key in source', (m) => ({ ...m, source: { branch: 'main' } }), /source\.branch/],
  ['a missing name', ({ name: _, ...m }) => m, /name: expected a package name, found nothing/],
  ['a missing version', ({ version: _, ...m }) => m, /version: expected a version, found nothing/],
  ['a numeric version', (m) => ({ ...m, version: 1 }), /version: expected a version, found 1/],
  [
    'neither tarball nor files',
    ({ tarball: _, files: __, ...m }) => m,
    /expected a tarball or files \(or both\), found "neither"/,
  ],
  ['files not an array', (m) => ({ ...m, files: {} }), /files: expected an array/],
  [
    'a sha256 integrity',
    (m) => ({ ...m, tarball: { ...m.tarball, integrity: `sha256-${'A'.repeat(43)}=` } }),
    /tarball\.integrity: expected a sha512 integrity string/,
  ],
  [
    'an integrity with options',
    (m) => ({ ...m, tarball: { ...m.tarball, integrity: `${m.tarball.integrity}?foo` } }),
    /tarball\.integrity/,
  ],
  [
    'two integrities',
    (m) => ({ ...m, tarball: { ...m.tarball, integrity: `${m.tarball.integrity} ${m.tarball.integrity}` } }),
    /tarball\.integrity/,
  ],
  [
    'a short digest',
    (m) => ({ ...m, files: [{ ...m.files[0], integrity: 'sha512-abc=' }, ...m.files.slice(1)] }),
    /files\[0\]\.integrity/,
  ],
  [
    'a negative size',
    (m) => ({ ...m, tarball: { ...m.tarball, size: -1 } }),
    /tarball\.size: expected a non-negative integer, found -1/,
  ],
  ['a fractional size', (m) => ({ ...m, tarball: { ...m.tarball, size: 1.5 } }), /tarball\.size/],
  ['an unsafe size', (m) => ({ ...m, tarball: { ...m.tarball, size: 2 ** 53 } }), /tarball\.size/],
  [
    'a string size',
    (m) => ({ ...m, files: [{ ...m.files[0], size: '10' }, ...m.files.slice(1)] }),
    /files\[0\]\.size: expected a non-negative integer, found "10"/,
  ],
  [
    'unsorted paths',
    (m) => ({ ...m, files: [m.files[1], m.files[0], m.files[2]] }),
    /files\[1\]\.path: expected paths sorted by code unit \(after "lib\/a\.js"\), found "index\.js"/,
  ],
  [
    'locale-sorted paths',
    (m) => ({ ...m, files: [file('a.js'), file('B.js')] }),
    /files\[1\]\.path: expected paths sorted by code unit/,
  ],
  [
    'duplicate paths',
    (m) => ({ ...m, files: [m.files[0], m.files[0]] }),
    /files\[1\]\.path: expected unique paths, found "index\.js"/,
  ],
  [
    'an absolute path',
    (m) => ({ ...m, files: [file('/etc/passwd')] }),
    /files\[0\]\.path: expected a relative '\/'-separated path, not an absolute path/,
  ],
  ['a Windows drive path', (m) => ({ ...m, files: [file('C:/x.js')] }), /absolute path/],
  ['a .. segment', (m) => ({ ...m, files: [file('lib/../../evil.js')] }), /not a '\.\.' segment/],
  ['a . segment', (m) => ({ ...m, files: [file('./index.js')] }), /not a '\.' segment/],
  ['an empty segment', (m) => ({ ...m, files: [file('lib//a.js')] }), /not an empty segment/],
  ['a trailing slash', (m) => ({ ...m, files: [file('lib/')] }), /not an empty segment/],
  ['an empty path', (m) => ({ ...m, files: [file('')] }), /not an empty path/],
  ['a backslash', (m) => ({ ...m, files: [file('lib\\a.js')] }), /not a backslash/],
  ['a NUL', (m) => ({ ...m, files: [file('a\u0000.js')] }), /NUL/],
  ['the embedded manifest listed', (m) => ({ ...m, files: [file('.sealpack/manifest.json')] }), /no embedded seal file/],
  ['the embedded signature listed', (m) => ({ ...m, files: [file('.sealpack/manifest.json.asc')] }), /no embedded seal file/],
  [
    'a file used as a folder',
    (m) => ({ ...m, files: [file('lib'), file('lib/a.js')] }),
    /no path that is both a file and a folder, found "lib"/,
  ],
  ['an array', () => [], /manifest: expected an object, found \[\]/],
  ['null', () => null, /manifest: expected an object, found null/],
];
for (const [what, mutate, message] of refusals) {
  parse(`refuses ${what}`, () => {
    const e = malformed(() => parseManifest(json(mutate(valid())), 'x-1.0.0.tgz.manifest.json'), message);
    assert.ok(e.message.startsWith('x-1.0.0.tgz.manifest.json: '), e.message);
    assert.is(e.info.artifact, 'x-1.0.0.tgz.manifest.json');
    assert.type(e.info.expected, 'string');
    assert.type(e.info.found, 'string');
  });
}

parse('names the file a bad path entry is about', () => {
  const e = malformed(() => parseManifest(json({ ...valid(), files: [file('../evil.js')] }), 'm.json'));
  assert.is(e.info.file, '../evil.js');
  assert.is(e.info.package, '@acme/widget');
  assert.is(e.info.version, '1.4.0');
});

parse('refuses bytes that are not UTF-8 JSON', () => {
  malformed(() => parseManifest(Buffer.from('{"format":'), 'm.json'), /^m\.json: expected a UTF-8 JSON manifest/);
  malformed(() => parseManifest(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'm.json'), /^m\.json: expected a UTF-8 JSON manifest/);
  malformed(() => parseManifest(new Uint8Array(), 'm.json'), /^m\.json: /);
});

parse('the default artifact name is "manifest"', () => {
  malformed(() => parseManifest(json({})), /^manifest: /);
});

parse.run();
