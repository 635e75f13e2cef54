// Builds the corpus of malicious tarballs of issue 13 (test/fixtures/malicious/): archives npm's
// extractor (node-tar) and pnpm's (store/cafs parseTarball) read differently, or that cost more
// than they hold. Each is a bare tar built block by block (tar's Header encodes the ordinary
// headers; the attacks are the bytes around them), so nothing sanitizes them on the way.
//   node scripts/malicious-corpus.mjs           rewrites test/fixtures/malicious/ (*.tar, index.json)
//   node scripts/malicious-corpus.mjs --check   exits 1 when the files on disk differ from the script
// The decompression bombs are not written (they are megabytes): `zerosBomb()` makes them at test time.
import { mkdirSync, readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Header } from 'tar';

const BLOCK = 512;
const MTIME = new Date('1985-10-26T08:15:00Z');
export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'malicious');

const pad = (body) => Buffer.concat([body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK)]);

/** A ustar header block as node-tar writes it (`type`: File, Directory, ExtendedHeader, GlobalExtendedHeader…). */
export function header(path, size, type = 'File') {
  const block = Buffer.alloc(BLOCK);
  new Header({ path, size, type, mode: type === 'Directory' ? 0o755 : 0o644, mtime: MTIME, uid: 0, gid: 0 }).encode(block, 0);
  return block;
}

/** Recomputes a header's checksum after its bytes were patched. */
export function reseal(block) {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

/** A header with `fields` (offset → latin1 text) written over it, its checksum recomputed. */
export function patched(block, fields) {
  for (const [offset, text] of Object.entries(fields)) block.write(text, Number(offset), 'latin1');
  return reseal(block);
}

/** One pax record `LEN key=value\n`, LEN counting itself. */
export function paxRecord(key, value) {
  const rest = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(rest) + 1;
  while (String(length).length + Buffer.byteLength(rest) !== length) length++;
  return `${length}${rest}`;
}

const file = (path, body) => [header(path, Buffer.byteLength(body)), pad(Buffer.from(body))];
const meta = (type, body, path = 'PaxHeader/x') => {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return [header(path, bytes.length, type), pad(bytes)];
};
const pax = (body) => meta('ExtendedHeader', body);
const END = Buffer.alloc(2 * BLOCK);
// Each archive is a package of its own name, so that an e2e test can publish them side by side.
let current = 'victim';
const BASE = () => [
  ...file('package/package.json', `${JSON.stringify({ name: current, version: '1.0.0' })}\n`),
  ...file('package/lib/a.js', 'good();\n'),
];
const tar = (...parts) => Buffer.concat(parts.flat());

/**
 * The corpus: `refuse` is what sealpack's message must say; `accept` the files an archive that
 * both extractors read alike holds (sealpack must read exactly these).
 */
export function buildCorpus() {
  return CORPUS.map(([name, make]) => {
    current = `victim-${name}`;
    return { name, ...make() };
  });
}

const evil = 'evil();\n';
// A record whose length ends one byte short of its newline: node-tar (line by line) drops
// the line, pnpm (by length) reads the next record, `path=package/lib/a.js`, and installs the
// entry over lib/a.js, while node-tar names it lib/pad.js.
const misaligned = `9 c=abcdQ${paxRecord('path', 'package/lib/a.js')}`;
const longName = `package/${'deep/'.repeat(30)}file.js`;
const CORPUS = [
  [
    'pax-record-newline',
    () => ({
      what: 'a pax record whose value holds a newline: node-tar drops it, pnpm reads it',
      bytes: tar(BASE(), pax(paxRecord('path', 'package/lib/a.js\nx')), file('package/lib/pad.js', evil), END),
      refuse: 'holding a newline',
    }),
  ],
  [
    'pax-record-misaligned',
    () => ({
      what: 'a pax record one byte short of its newline: pnpm reads a path record node-tar never sees',
      bytes: tar(BASE(), pax(misaligned), file('package/lib/pad.js', evil), END),
      refuse: 'does not end at its newline',
    }),
  ],
  [
    'pax-record-too-long',
    () => ({
      what: 'a pax record whose length runs past the header',
      bytes: tar(BASE(), pax('99 path=package/lib/a.js\n'), file('package/lib/pad.js', evil), END),
      refuse: 'longer than the header',
    }),
  ],
  [
    'pax-length-leading-zero',
    () => ({
      what: 'a pax record length with a leading zero',
      bytes: tar(BASE(), pax(`0${paxRecord('path', 'package/lib/b.js')}`), file('package/lib/pad.js', evil), END),
      refuse: 'not a decimal number',
    }),
  ],
  [
    'pax-global-header',
    () => ({
      what: 'a global pax header: node-tar applies it to every later entry',
      bytes: tar(
        BASE(),
        meta('GlobalExtendedHeader', paxRecord('path', 'package/lib/a.js'), 'pax_global_header'),
        file('package/lib/pad.js', evil),
        END,
      ),
      refuse: 'a global pax header',
    }),
  ],
  [
    'pax-after-pax',
    () => ({
      what: 'two pax headers in a row: node-tar merges them, pnpm keeps the last path',
      bytes: tar(
        BASE(),
        pax(paxRecord('path', 'package/lib/b.js')),
        pax(paxRecord('comment', 'x')),
        file('package/lib/pad.js', evil),
        END,
      ),
      refuse: 'right after a pax header',
    }),
  ],
  [
    'longname-after-pax',
    () => ({
      what: 'a GNU long name right after a pax header: node-tar lets the later win, pnpm the long name always',
      bytes: tar(
        BASE(),
        pax(paxRecord('path', 'package/lib/b.js')),
        meta('NextFileHasLongPath', 'package/lib/c.js\0', '././@LongLink'),
        file('package/lib/pad.js', evil),
        END,
      ),
      refuse: 'right after a pax header',
    }),
  ],
  [
    'pax-at-end',
    () => ({
      what: 'a pax header followed by the end of the archive',
      bytes: tar(BASE(), pax(paxRecord('path', 'package/lib/b.js')), END),
      refuse: 'followed by no entry',
    }),
  ],
  [
    'pax-linkpath-key',
    () => ({
      what: 'a pax key only one extractor applies (linkpath, type, charset)',
      bytes: tar(BASE(), pax(paxRecord('type', '2')), file('package/lib/pad.js', evil), END),
      refuse: 'the key "type"',
    }),
  ],
  [
    'pax-duplicate-key',
    () => ({
      what: 'the same pax key twice',
      bytes: tar(
        BASE(),
        pax(paxRecord('path', 'package/lib/b.js') + paxRecord('path', 'package/lib/a.js')),
        file('package/lib/pad.js', evil),
        END,
      ),
      refuse: 'the key path twice',
    }),
  ],
  [
    'pax-nul-in-path',
    () => ({
      what: 'a pax path holding a NUL: node-tar cuts it there, pnpm keeps it',
      bytes: tar(BASE(), pax(paxRecord('path', 'package/lib/a.js\0.txt')), file('package/lib/pad.js', evil), END),
      refuse: 'holding a NUL',
    }),
  ],
  [
    'pax-invalid-utf8',
    () => ({
      what: 'a pax path that is not UTF-8: decoded differently chunk by chunk',
      bytes: tar(BASE(), pax(Buffer.from('26 path=package/lib/\xff\xfe.js\n', 'latin1')), file('package/lib/pad.js', evil), END),
      refuse: 'pax header with',
    }),
  ],
  [
    'empty-name-header',
    () => ({
      what: 'a header whose name starts with NUL (its prefix names a path): pnpm stops reading there',
      bytes: tar(
        BASE(),
        (() => {
          const block = header('package/lib/x.js', evil.length);
          block.fill(0, 0, 100);
          block.write('package/lib', 345, 'latin1');
          return [reseal(block), pad(Buffer.from(evil))];
        })(),
        file('package/lib/after.js', evil),
        END,
      ),
      refuse: 'empty name',
    }),
  ],
  [
    'entry-after-zero-block',
    () => ({
      what: 'one zero block, then more entries: pnpm stops at the first zero block, npm reads on',
      bytes: tar(BASE(), Buffer.alloc(BLOCK), file('package/lib/hidden.js', evil), END),
      refuse: 'after a zero block',
    }),
  ],
  [
    'data-after-end',
    () => ({
      what: 'bytes after the end-of-archive blocks',
      bytes: tar(BASE(), END, file('package/lib/ghost.js', evil)),
      refuse: 'data after the end-of-archive',
    }),
  ],
  [
    'base256-size',
    () => ({
      what: 'a size in base-256: pnpm reads only octal',
      bytes: tar(
        BASE(),
        (() => {
          const block = header('package/lib/big.js', evil.length);
          block.fill(0, 124, 136);
          block[124] = 0x80;
          block[135] = evil.length;
          return [reseal(block), pad(Buffer.from(evil))];
        })(),
        END,
      ),
      refuse: 'base-256',
    }),
  ],
  [
    'bad-base256-mtime',
    () => ({
      what: 'an mtime in a base-256 form node-tar cannot read (found by scripts/fuzz.mjs: it threw out of the header parser)',
      bytes: tar(
        BASE(),
        (() => {
          const block = header('package/lib/t.js', evil.length);
          block.fill(0, 136, 148);
          block[136] = 0x90;
          return [reseal(block), pad(Buffer.from(evil))];
        })(),
        END,
      ),
      refuse: 'invalid base256 encoding',
    }),
  ],
  [
    'contiguous-file',
    () => ({
      what: 'a type 7 entry: node-tar extracts it, pnpm refuses the archive',
      bytes: tar(
        BASE(),
        (() => {
          const block = header('package/lib/c.js', evil.length);
          block[156] = '7'.charCodeAt(0);
          return [reseal(block), pad(Buffer.from(evil))];
        })(),
        END,
      ),
      refuse: 'contiguous file',
    }),
  ],
  [
    'folder-with-body',
    () => ({
      what: 'a folder entry carrying a body',
      bytes: tar(
        BASE(),
        (() => {
          const block = header('package/lib/d/', evil.length, 'Directory');
          return [block, pad(Buffer.from(evil))];
        })(),
        END,
      ),
      refuse: 'folder entry with a body',
    }),
  ],
  [
    'gzip-inside',
    () => ({
      what: 'a gzip stream where the tar should start: node-tar would inflate it a second time',
      bytes: gzipSync(gzipSync(tar(BASE(), END))),
      refuse: 'compressed archive inside',
    }),
  ],
  [
    'longname-bytes-after-nul',
    () => ({
      what: 'a GNU long name with bytes after its NUL',
      bytes: tar(
        BASE(),
        meta('NextFileHasLongPath', 'package/lib/e.js\0package/lib/a.js', '././@LongLink'),
        file('package/lib/pad.js', evil),
        END,
      ),
      refuse: 'after its NUL',
    }),
  ],
  [
    'name-bytes-after-nul',
    () => ({
      what: 'a name with a newline after its NUL: node-tar reads on past the newline (lib/a.js\\nxx…), pnpm stops at the NUL and installs the body over lib/a.js',
      bytes: tar(
        BASE(),
        [patched(header('package/lib/pad.js', evil.length), { 0: `package/lib/a.js\0\n${'x'.repeat(82)}` })],
        pad(Buffer.from(evil)),
        END,
      ),
      refuse: 'a name with bytes after its NUL',
    }),
  ],
  [
    'prefix-without-ustar-magic',
    () => ({
      what: 'a prefix field under the GNU magic: node-tar ignores it (a.js), pnpm prepends it (lib/package/a.js, over the sealed one)',
      bytes: tar(
        BASE(),
        file('package/lib/package/a.js', 'good();\n'),
        [patched(header('package/a.js', evil.length), { 257: 'ustar  \0', 345: 'package/lib' })],
        pad(Buffer.from(evil)),
        END,
      ),
      refuse: 'a prefix field without the ustar magic',
    }),
  ],
  [
    'file-name-ends-in-slash',
    () => ({
      what: "a file entry named 'package/lib/x/' with a body: node-tar reads a folder and its body as entries (lib/b.js), pnpm a file (EISDIR)",
      bytes: tar(BASE(), header('package/lib/x/', 2 * BLOCK), file('package/lib/b.js', evil), END),
      refuse: "a file entry whose name ends in '/' with a body",
    }),
  ],
  [
    'pax-path-ends-in-slash',
    () => ({
      what: "a file entry whose pax path ends in '/': node-tar reads a folder and its body as entries, pnpm a file",
      bytes: tar(
        BASE(),
        pax(paxRecord('path', 'package/lib/x/')),
        header('package/lib/x', 2 * BLOCK),
        file('package/lib/b.js', evil),
        END,
      ),
      refuse: "a file entry whose name ends in '/' with a body",
    }),
  ],
  [
    'ok-pax-long-path',
    () => ({
      what: 'a long path in a pax header, as npm writes it: both extractors agree',
      bytes: tar(BASE(), pax(paxRecord('path', longName)), file(longName.slice(0, 99), evil), END),
      accept: [longName.slice('package/'.length), 'lib/a.js', 'package.json'],
    }),
  ],
  [
    'ok-gnu-long-name',
    () => ({
      what: 'a long path in a GNU long-name header: both extractors agree',
      bytes: tar(BASE(), meta('NextFileHasLongPath', `${longName}\0`, '././@LongLink'), file(longName.slice(0, 99), evil), END),
      accept: [longName.slice('package/'.length), 'lib/a.js', 'package.json'],
    }),
  ],
];

/**
 * A small package followed by `zeros` bytes of zeros after its end-of-archive, gzipped as
 * concatenated gzip members of 1 MiB each (what any gunzip reads as one stream): 300 MiB of
 * zeros cost 300 KB on disk and no time to build.
 */
export function zerosBomb(zeros) {
  const head = gzipSync(tar(BASE(), END));
  const mib = gzipSync(Buffer.alloc(1 << 20), { level: 9 });
  const members = [head];
  for (let left = zeros; left > 0; left -= 1 << 20) members.push(left >= 1 << 20 ? mib : gzipSync(Buffer.alloc(left)));
  return Buffer.concat(members);
}

function write() {
  rmSync(CORPUS_DIR, { recursive: true, force: true });
  mkdirSync(CORPUS_DIR, { recursive: true });
  const index = [];
  for (const { bytes, ...entry } of buildCorpus()) {
    writeFileSync(join(CORPUS_DIR, `${entry.name}.tar`), bytes);
    index.push(entry);
  }
  writeFileSync(join(CORPUS_DIR, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
  console.log(`wrote ${index.length} archives to ${CORPUS_DIR}`);
}

/** A gzip stream's content (zlib versions compress differently), or the bytes themselves. */
const content = (bytes) => (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes);

function check() {
  const corpus = buildCorpus();
  const stale = corpus.filter(({ name, bytes }) => {
    try {
      return !content(readFileSync(join(CORPUS_DIR, `${name}.tar`))).equals(content(bytes));
    } catch {
      return true;
    }
  });
  const extra = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.tar') && !corpus.some((c) => `${c.name}.tar` === f));
  if (stale.length || extra.length) {
    console.error(`stale: ${[...stale.map((c) => c.name), ...extra].join(', ')}: run node scripts/malicious-corpus.mjs`);
    process.exit(1);
  }
  console.log(`${corpus.length} archives match the script`);
}

export { content as corpusContent };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) check();
  else write();
}
