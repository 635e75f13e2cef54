import { Header } from 'tar/header';

/**
 * After the end-of-archive blocks, writers pad to their record size (node-tar and GNU tar:
 * 10240 bytes). More than this is no padding: reading it would be work the archive's content
 * does not justify (300 MiB of zeros compress to 300 KB).
 */
export const MAX_TRAILING_BYTES = 64 << 10;
/**
 * What a tarball may unpack to. The work of reading an archive is what it holds; past this, no
 * package is that big, and hashing more is what a decompression bomb wants.
 */
export const MAX_UNPACKED_BYTES = 2 ** 31;
/** node-tar's own bound on a pax or long-name body (`maxMetaEntrySize`). */
const MAX_META_BYTES = 1 << 20;
const BLOCK = 512;
const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

// The pax keys npm's (node-tar) and pnpm's extractors read alike, or that neither lets change
// what is extracted. `linkpath` (links are refused), `type`, `charset` and the rest are refused:
// node-tar applies some of them and pnpm none, and a manifest must mean one tree to both.
const PAX_KEYS = new Set(['path', 'size', 'mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname', 'comment']);
const PAX_SCHILY = /^SCHILY\.(?:dev|ino|nlink)$/;

/** Why the archive is refused: an entry npm and pnpm would read differently, or (`archive`) no tar at all. */
export interface StructureProblem {
  found: string;
  path?: string;
  archive?: true;
}

/** What the structure check says of a chunk: how much of it belongs to the archive, and whether to stop. */
export interface StructureStep {
  /** The bytes of this chunk up to the end-of-archive blocks: what the entry parser is fed. */
  archive: Buffer;
  /** Set once the archive is refused: stop reading. */
  problem?: StructureProblem;
}

/**
 * Checks a tar's block structure as it streams, before any entry is believed: only what npm's
 * extractor (node-tar) and pnpm's (its own parser, store/cafs parseTarball) read the same way
 * passes, because a manifest describes one tree, and an archive two extractors read differently
 * installs files nobody sealed (issue 13: a pax record holding a newline, which node-tar drops
 * and pnpm uses, hid a second `lib/a.js`). Refused:
 * - global pax headers (`g`: node-tar applies them to every later entry, pnpm refuses some keys),
 *   GNU long link names (`K`), and entry types pnpm does not extract as files (`7`);
 * - a pax or long-name header followed by another (node-tar merges them in order, pnpm lets a
 *   long name win), or by nothing;
 * - a pax record that is not exactly `LEN key=value\n` with LEN its byte length, a value with a
 *   newline or NUL or invalid UTF-8, a repeated or unknown key;
 * - a header whose name starts with NUL (pnpm stops reading there), or whose name or prefix
 *   field pnpm and node-tar read as different paths (`nameFieldsProblem`), a size in base-256
 *   (pnpm reads only octal), a single zero block followed by more entries (pnpm stops at the
 *   first one, node-tar reads on);
 * - after the end-of-archive: anything but zeros, or more than `MAX_TRAILING_BYTES` of them.
 */
export function createStructureCheck(): { write(chunk: Buffer): StructureStep; end(): StructureStep['problem'] } {
  let carry: Buffer = Buffer.alloc(0);
  // header: expecting a header block; body: `remaining` padded body bytes to pass (or, for a
  // meta header, to collect); null: one zero block seen; end: both seen, only padding may follow.
  let state: 'header' | 'body' | 'null' | 'end' = 'header';
  let remaining = 0;
  let meta: { type: string; size: number; chunks: Buffer[]; path?: string } | undefined;
  let afterMeta: string | undefined;
  let trailing = 0;
  // A pax `size` record: the next entry's size, for node-tar and pnpm alike.
  let pendingSize: number | undefined;
  // A pax `path` record or a GNU long name: the next entry's path, as node-tar reads it.
  let pendingPath: string | undefined;
  let problem: StructureStep['problem'];
  let first = true;
  // node-tar sniffs every stream for gzip or zstd: a compressed archive inside the compressed one
  // would be inflated twice by us and once by npm's extractor. Judged on the first bytes.
  const sniff = (head: Buffer): void => {
    if (!first || head.length < 4) return;
    first = false;
    if (head.subarray(0, 2).equals(GZIP) || head.subarray(0, 4).equals(ZSTD)) refuse('a compressed archive inside the archive');
  };

  const refuse = (found: string, path?: string, archive?: true) => {
    problem ??= { found, ...(path ? { path } : {}), ...(archive ? { archive } : {}) };
  };

  const onMeta = (): void => {
    const body = Buffer.concat(meta!.chunks).subarray(0, meta!.size);
    if (meta!.type === 'x') {
      const read = readPaxRecords(body);
      if ('problem' in read) refuse(`a pax header with ${read.problem}`, meta!.path);
      else {
        if (read.records.has('size')) pendingSize = Number(read.records.get('size'));
        pendingPath = read.records.get('path') ?? pendingPath;
      }
    } else if (body.includes(0) && body.subarray(body.indexOf(0)).some((b) => b !== 0)) {
      refuse('a GNU long name with bytes after its NUL', meta!.path);
    } else {
      pendingPath = body.toString('utf8').replace(/\0+$/, '');
    }
    meta = undefined;
  };

  const onHeader = (block: Buffer): void => {
    const isNull = block.every((b) => b === 0);
    if (state === 'null') {
      if (!isNull) return refuse('an entry after a zero block (pnpm stops reading at the first zero block, npm reads on)');
      state = 'end';
      return;
    }
    if (isNull) {
      if (afterMeta) return refuse(`a ${afterMeta} header followed by no entry`);
      state = 'null';
      return;
    }
    // The header's path, decoded by node-tar, only for messages: decoding every field of every
    // header a second time (the Parser decodes it too) was a fifth of the worker's time per tarball.
    let header: Header | undefined;
    const decode = (): Header => (header ??= new Header(block));
    const pathOf = (): string | undefined => decode().path;
    if (!checksumMatches(block)) {
      try {
        if (!decode().cksumValid) return refuse('unreadable data (checksum failure)', pathOf(), true);
      } catch (error) {
        // node-tar's Parser warns and skips such a header (strict: refuses); pnpm reads on.
        return refuse(`unreadable data (${(error as Error).message})`, undefined, true);
      }
    }
    if (block[0] === 0) return refuse('a header with an empty name (pnpm stops reading there)', pathOf());
    const names = nameFieldsProblem(block);
    if (names) return refuse(names, pathOf());
    if ((block[124]! & 0x80) !== 0) return refuse('a size in base-256 (pnpm reads only octal)', pathOf());
    const code = String.fromCharCode(block[156]!);
    // The size field as written: node-tar's Header reads a folder's as 0, pnpm skips its body.
    const sizeField = block
      .toString('latin1', 124, 136)
      .replace(/[\0 ]+$/, '')
      .replace(/^ +/, '');
    if (!/^[0-7]*$/.test(sizeField)) return refuse('a size that is not an octal number', pathOf());
    const size = sizeField === '' ? 0 : parseInt(sizeField, 8);
    if (code === 'g') return refuse('a global pax header', pathOf());
    if (code === 'K') return refuse('a GNU long link name', pathOf());
    if (code === '7') return refuse('a contiguous file (type 7, which pnpm does not extract)', pathOf());
    if (code === '5' && size > 0) return refuse('a folder entry with a body', pathOf());
    remaining = Math.ceil(size / BLOCK) * BLOCK;
    if (code === 'x' || code === 'L') {
      const kind = code === 'x' ? 'pax' : 'GNU long name';
      if (afterMeta) return refuse(`a ${kind} header right after a ${afterMeta} header`, pathOf());
      if (size > MAX_META_BYTES) return refuse(`a ${kind} header of ${size} bytes`, pathOf());
      afterMeta = kind;
      meta = { type: code, size, chunks: [], path: pathOf() };
      if (remaining === 0) onMeta();
    } else {
      // A pax size overrides the header's: pnpm and node-tar both take it for this entry.
      if (pendingSize !== undefined) remaining = Math.ceil(pendingSize / BLOCK) * BLOCK;
      afterMeta = undefined;
      // node-tar reads a file whose path ends in '/' as a folder (old tars wrote folders so) and its
      // body as more entries; pnpm writes the body to that path (and fails): one archive, two readings.
      if ((code === '0' || code === '\0') && remaining > 0 && endsInSlash(block, pendingPath))
        return refuse(
          "a file entry whose name ends in '/' with a body (node-tar reads a folder and its body as entries)",
          pathOf(),
        );
    }
    pendingSize = undefined;
    pendingPath = undefined;
    state = remaining > 0 ? 'body' : 'header';
  };
  return {
    write(chunk) {
      if (problem) return { archive: Buffer.alloc(0), problem };
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      carry = Buffer.alloc(0);
      sniff(data);
      let offset = 0;
      let archiveEnd = data.length;
      while (offset < data.length && !problem) {
        if (state === 'end') {
          archiveEnd = Math.min(archiveEnd, offset);
          const rest = data.subarray(offset);
          trailing += rest.length;
          // Bounded before it is scanned: only the allowed padding is ever looked at.
          if (trailing > MAX_TRAILING_BYTES) refuse(`more than ${MAX_TRAILING_BYTES} bytes after the end-of-archive blocks`);
          else if (rest.some((b) => b !== 0)) refuse('data after the end-of-archive blocks');
          break;
        }
        if (state === 'body') {
          const take = Math.min(remaining, data.length - offset);
          if (meta) meta.chunks.push(Buffer.from(data.subarray(offset, offset + take)));
          offset += take;
          remaining -= take;
          if (remaining === 0) {
            if (meta) onMeta();
            state = 'header';
          }
          continue;
        }
        if (data.length - offset < BLOCK) {
          carry = Buffer.from(data.subarray(offset));
          archiveEnd = offset;
          break;
        }
        onHeader(data.subarray(offset, offset + BLOCK));
        offset += BLOCK;
      }
      if (problem) return { archive: Buffer.alloc(0), problem };
      return { archive: data.subarray(0, archiveEnd) };
    },
    end() {
      if (first && carry.length >= 2) sniff(Buffer.concat([carry, Buffer.alloc(2)]));
      if (!problem && (meta || afterMeta)) refuse('a pax or long-name header at the end of the archive', meta?.path);
      return problem;
    },
  };
}

/** The entry's path ends in '/': the pax or long-name path when one was given, else the name field. */
function endsInSlash(block: Buffer, pendingPath: string | undefined): boolean {
  if (pendingPath !== undefined) return pendingPath.endsWith('/');
  const nul = block.indexOf(0);
  const end = nul === -1 || nul > 100 ? 100 : nul;
  return end > 0 && block[end - 1] === 0x2f;
}

const USTAR_MAGIC = Buffer.from('ustar\u000000', 'latin1');

/** True when `block[start, end)` holds a byte other than NUL after its first NUL. */
function bytesAfterNul(block: Buffer, start: number, end: number): boolean {
  const nul = block.indexOf(0, start);
  if (nul < 0 || nul >= end) return false;
  for (let i = nul + 1; i < end; i++) if (block[i] !== 0) return true;
  return false;
}

/**
 * Why the name and prefix fields mean another path to pnpm than to node-tar, or undefined.
 * pnpm reads each up to its first NUL, and the prefix whatever the magic; node-tar cuts a field
 * at its first NUL only up to a newline (a regular expression whose `.` stops there), so what
 * follows the newline stays in its path, and reads a prefix only under the ustar magic (130
 * bytes when byte 475 is NUL, 155 otherwise). Measured with pnpm 10:
 * `package/lib/a.js\0\nxx…` after lib/a.js installed its body over lib/a.js, where npm and
 * sealpack read a file `lib/a.js\nxx…`.
 */
function nameFieldsProblem(block: Buffer): string | undefined {
  if (bytesAfterNul(block, 0, 100)) return 'a name with bytes after its NUL (node-tar can read past it, pnpm stops there)';
  if (!block.subarray(257, 265).equals(USTAR_MAGIC)) {
    return block[345] === 0 ? undefined : 'a prefix field without the ustar magic (pnpm reads it, node-tar does not)';
  }
  if (bytesAfterNul(block, 345, block[475] === 0 ? 475 : 500)) {
    return 'a prefix field with bytes after its NUL (node-tar can read past it, pnpm stops there)';
  }
  return undefined;
}

// Where node-tar's Header reads a number that may be base-256 (first byte's high bit set):
// mode, uid, gid, size, mtime, devmajor, devminor, atime, ctime. It throws on a malformed one.
const NUMBER_FIELDS = [100, 108, 116, 124, 136, 329, 337, 476, 488];

/**
 * Whether node-tar's Header would decode this block without throwing and find its checksum
 * valid, for the common form only: no base-256 number, and a checksum field of octal digits
 * from its first byte up to a byte that is not one (node-tar parses it with parseInt(…, 8),
 * which stops there too). Any other form, or a mismatch, is left to node-tar's own Header:
 * this answers yes only where node-tar would, and never decides a no.
 */
function checksumMatches(block: Buffer): boolean {
  for (const at of NUMBER_FIELDS) if (block[at]! & 0x80) return false;
  let expected = 0;
  let i = 148;
  for (; i < 160 && block[i]! >= 0x30 && block[i]! <= 0x37; i++) expected = expected * 8 + block[i]! - 0x30;
  if (i === 148) return false;
  // The field itself counts as eight spaces.
  let sum = 8 * 0x20;
  for (let j = 0; j < 148; j++) sum += block[j]!;
  for (let j = 156; j < BLOCK; j++) sum += block[j]!;
  return sum === expected;
}

/** The records of a pax header body, or why it is not a list of records both extractors read alike. */
export function readPaxRecords(body: Buffer): { problem: string } | { records: Map<string, string> } {
  const records = new Map<string, string>();
  const problem = (text: string) => ({ problem: text });
  let offset = 0;
  while (offset < body.length) {
    const space = body.indexOf(0x20, offset);
    const digits = space < 0 ? '' : body.toString('latin1', offset, space);
    if (!/^[1-9]\d{0,7}$/.test(digits))
      return problem(`a record length that is not a decimal number (${JSON.stringify(digits.slice(0, 20))})`);
    const length = Number(digits);
    const end = offset + length;
    if (end > body.length) return problem('a record longer than the header');
    if (body[end - 1] !== 0x0a) return problem('a record whose length does not end at its newline');
    const record = body.subarray(space + 1, end - 1);
    if (record.includes(0x0a)) return problem('a record holding a newline (node-tar drops it, pnpm reads it)');
    if (record.includes(0)) return problem('a record holding a NUL');
    const text = record.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(record)) return problem('a record that is not UTF-8');
    const equals = text.indexOf('=');
    if (equals <= 0) return problem('a record without key=value');
    const key = text.slice(0, equals);
    if (!PAX_KEYS.has(key) && !PAX_SCHILY.test(key)) return problem(`the key ${JSON.stringify(key.slice(0, 40))}`);
    if (records.has(key)) return problem(`the key ${key} twice`);
    records.set(key, text.slice(equals + 1));

    if (key === 'size' && !/^\d{1,15}$/.test(text.slice(equals + 1))) return problem('a size that is not a decimal number');
    offset = end;
  }
  return { records };
}
