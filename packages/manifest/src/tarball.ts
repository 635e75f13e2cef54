import { createHash, hash as hashOnce, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import type { SealError } from '@sealpack/diagnostics';
import type { ReadEntry } from 'tar';
import { Parser } from 'tar/parse';
import { malformed } from './error.js';
import { createStructureCheck, MAX_UNPACKED_BYTES, type StructureProblem } from './structure.js';
import { hashBytes, integrityOf } from './hash.js';
import type { ManifestFile, TarballContents } from './manifest.types.js';
import {
  EMBEDDED_MANIFEST_PATH,
  EMBEDDED_SIGNATURE_PATH,
  byCodeUnit,
  checkRelativePath,
  findFileFolderClash,
  isEmbeddedSealPath,
} from './paths.js';

// npm puts every entry under one top folder, `package/`; other tarballs in the registry
// use another single top folder (`node v22.20/` in @types packages, the package name in
// old ones), which npm strips the same way. We accept any one folder, taken from the
// first entry, and refuse a second one: npm would merge them, and the manifest's paths
// would no longer say which entry an extractor writes where.
// OldFile ('\0') is a regular file to every tar reader. ContiguousFile ('7') is too, to node-tar,
// but pnpm refuses it: the structure check (structure.ts) refuses it first.
const FILE_TYPES = new Set(['File', 'OldFile']);
const EMPTY = Buffer.alloc(0);
const KEPT = new Set(['package.json', EMBEDDED_MANIFEST_PATH, EMBEDDED_SIGNATURE_PATH]);

// A tarball up to this size is read whole and inflated with one zlib call, 2–3x
// faster than tar's streaming Unzip (small chunks): it counts when verifying
// hundreds of packages. Bigger ones, or ones inflating past the second limit,
// stream through tar's Unzip and its decompression-ratio guard.
const WHOLE_READ_LIMIT = 32 << 20;
const WHOLE_INFLATE_LIMIT = 256 << 20;

/**
 * Reads an npm tarball (gzip, or a bare tar) in one pass, without extracting it:
 * the digest of its bytes, the digest of every regular file, its package.json and
 * its embedded seal. Refuses (`ESEAL_MALFORMED`, naming the entry) links, devices,
 * entries outside the first entry's top folder, unsafe or duplicate paths, and anything that is not a
 * complete tar archive.
 */
export async function readTarball(
  source: string | Uint8Array,
  artifact = typeof source === 'string' ? source : 'tarball',
): Promise<TarballContents> {
  const parse = parseEntries(artifact);
  if (typeof source !== 'string') {
    const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    await feedWhole(bytes, parse);
    return { tarball: hashBytes(bytes), ...(await parse.done()) };
  }
  const hash = createHash('sha512');
  let size = 0;
  try {
    // O_NONBLOCK: a FIFO in the tarball's place must not block the open; the stat refuses it.
    const handle = await open(source, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      const stats = await handle.stat();
      if (!stats.isFile())
        throw Object.assign(new Error('not a regular file'), { code: stats.isDirectory() ? 'EISDIR' : 'not a regular file' });
      const statSize = stats.size;
      if (statSize <= WHOLE_READ_LIMIT) {
        // One read of the size stat gave (readFile would stat again): fewer trips to the thread pool.
        const bytes = Buffer.allocUnsafe(statSize);
        while (size < statSize) {
          const { bytesRead } = await handle.read(bytes, size, statSize - size, size);
          if (bytesRead === 0) break;
          size += bytesRead;
        }
        const read = bytes.subarray(0, size);
        hash.update(read);
        await feedWhole(read, parse);
      } else {
        const magic = Buffer.alloc(2);
        await handle.read(magic, 0, 2, 0);
        const chunks = async function* () {
          for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20, autoClose: false, start: 0 })) {
            hash.update(chunk as Buffer);
            size += (chunk as Buffer).length;
            yield chunk as Buffer;
          }
        };
        await feedStream(chunks(), isGzip(magic), parse);
      }
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw malformed(`${artifact}: expected a readable tarball file, found ${code}`, {
      artifact,
      expected: 'a readable tarball file',
      found: code,
      cause: error,
    });
  }
  return { tarball: integrityOf(hash.digest(), size), ...(await parse.done()) };
}

const isGzip = (bytes: Buffer) => bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * Feeds a tarball held in memory to the entry parser as bare tar: inflated with one zlib call
 * when it inflates within `WHOLE_INFLATE_LIMIT`, else streamed.
 */
async function feedWhole(bytes: Buffer, parse: EntryParser): Promise<void> {
  if (!isGzip(bytes)) {
    parse.write(bytes);
    return parse.end();
  }
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: WHOLE_INFLATE_LIMIT, chunkSize: inflatedSizeHint(bytes) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return feedStream([bytes], true, parse);
    return parse.fail(`unreadable data (${(error as Error).message})`, error);
  }
  parse.write(tar);
  parse.end();
}

/**
 * zlib's output chunk for inflating `bytes` in one call: the size gzip's trailer claims (ISIZE),
 * bounded by what deflate can reach and by the inflate limit. One chunk that holds the whole
 * output spares zlib's loop and the joining of its 16 KB chunks (a third of the inflate time
 * for small tarballs). Only a hint: a wrong trailer costs a larger buffer or more chunks, never
 * a different result.
 */
function inflatedSizeHint(bytes: Buffer): number {
  const claimed = bytes.length >= 18 ? bytes.readUInt32LE(bytes.length - 4) : 0;
  // One byte over, so that zlib sees the end without asking for another chunk.
  return Math.max(16 << 10, Math.min(claimed + 1, bytes.length * 1032, WHOLE_INFLATE_LIMIT));
}

/** Thrown by the sink to stop the pipeline once the parser has refused the archive or seen its end. */
const STOP = new Error('stop');

/**
 * Streams a tarball to the entry parser as bare tar, inflating gzip on the way. Reading stops
 * as soon as the parser refuses the archive, or is done with it: a bomb of zeros after the end
 * of the archive costs what the allowed padding costs, not what it inflates to.
 */
async function feedStream(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, gzip: boolean, parse: EntryParser): Promise<void> {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      callback(parse.write(chunk) ? undefined : STOP);
    },
  });
  try {
    await (gzip ? pipeline(Readable.from(chunks), createGunzip(), sink) : pipeline(Readable.from(chunks), sink));
  } catch (error) {
    if (error !== STOP) return parse.fail(`unreadable data (${(error as Error).message})`, error);
  }
  parse.end();
}

type Parsed = Omit<TarballContents, 'tarball'>;

interface EntryParser {
  /** Feeds bare tar bytes; false once the tarball is refused (stop reading). */
  write(chunk: Buffer): boolean;
  end(): void;
  fail(found: string, cause: unknown): void;
  done(): Promise<Parsed>;
}

function parseEntries(artifact: string): EntryParser {
  const files: ManifestFile[] = [];
  const seen = new Set<string>();
  const folders = new Set<string>();
  const kept = new Map<string, Buffer>();
  let root: string | undefined;
  let failure: SealError | undefined;
  let ended = false;
  // A tar ends with zero blocks: without them, a tar cut at an entry boundary
  // would read as a complete, smaller package.
  let sawEndMarker = false;
  let wake: (() => void) | undefined;
  const structure = createStructureCheck();
  let unpacked = 0;
  let finished = false;

  const refuse = (path: string, expected: string, found: string): void => {
    failure ??= malformed(`${artifact}: entry ${JSON.stringify(path)}: expected ${expected}, found ${found}`, {
      artifact,
      file: path,
      expected,
      found,
    });
  };

  const onEntry = (entry: ReadEntry): void => {
    sawEndMarker = false;
    if (failure) return void entry.resume();
    // `entry.path` is the header's path (or its pax/GNU long name) as written: the
    // Parser does not strip `/` or `..` (only Unpack does), so we see what an
    // extractor would be given.
    const raw = entry.path;
    const isFolder = entry.type === 'Directory';
    if (!isFolder && !FILE_TYPES.has(entry.type)) {
      refuse(raw, 'a regular file or folder', describeType(entry));
      return void entry.resume();
    }
    const path = isFolder && raw.endsWith('/') ? raw.slice(0, -1) : raw;
    const problem = checkRelativePath(path);
    root ??= problem ? undefined : path.split('/')[0];
    if (problem) refuse(raw, "a relative '/'-separated path", problem);
    else if (path !== root && !path.startsWith(`${root}/`)) refuse(raw, `a path under ${root}/`, 'a path outside it');
    else if (!isFolder && path === root) refuse(raw, 'a folder', 'a file');
    if (failure || isFolder) {
      if (!failure) folders.add(path.slice(root!.length + 1));
      return void entry.resume();
    }
    const rel = path.slice(root!.length + 1);
    if (seen.has(rel)) {
      refuse(raw, 'one entry per path', 'a duplicate entry');
      return void entry.resume();
    }
    seen.add(rel);
    // With the whole tar in memory tar hands over a body in one chunk: hash it in one
    // call, and only open a streaming hash when a second chunk comes.
    let first: Buffer | undefined;
    let hash: Hash | undefined;
    let size = 0;
    const chunks: Buffer[] | undefined = KEPT.has(rel) ? [] : undefined;
    entry.on('data', (chunk: Buffer) => {
      size += chunk.length;
      chunks?.push(chunk);
      if (size === chunk.length) first = chunk;
      else {
        hash ??= createHash('sha512').update(first!);
        hash.update(chunk);
      }
    });
    entry.on('end', () => {
      // A copy, so the seal and package.json do not pin the whole inflated tar.
      if (chunks) kept.set(rel, Buffer.concat(chunks));
      if (isEmbeddedSealPath(rel)) return;
      const digest = hash ? hash.digest('base64') : hashOnce('sha512', first ?? EMPTY, 'base64');
      files.push({ path: rel, integrity: `sha512-${digest}`, size });
    });
  };

  // strict: every tar warning (bad checksum, truncated input, not an archive) is an
  // 'error' instead of a warning that tar would otherwise skip past.
  const parser = new Parser({ strict: true, zstd: false, brotli: false, onReadEntry: onEntry });
  // Unknown entry types (and oversized pax headers) never reach onReadEntry.
  parser.on('ignoredEntry', (entry: ReadEntry) => {
    sawEndMarker = false;
    refuse(entry.path, 'a regular file or folder', describeType(entry));
  });
  parser.on('nullBlock', () => (sawEndMarker = true));
  parser.on('eof', () => (sawEndMarker = true));
  parser.on('error', (error: Error & { header?: { path?: string } }) => {
    const file = error.header?.path;
    failure ??= notAnArchive(
      artifact,
      `unreadable data (${error.message})${file ? ` at entry ${JSON.stringify(file)}` : ''}`,
      file,
      error,
    );
    wake?.();
  });
  parser.on('end', () => {
    ended = true;
    wake?.();
  });

  const result = (): Parsed => {
    if (!sawEndMarker) failure ??= notAnArchive(artifact, 'a truncated archive (no end-of-archive blocks)');
    // A path that is a file and also a folder (`a` and `a/b`, or `a` and `a/`)
    // extracts differently from tool to tool.
    const clash = findFileFolderClash([...seen].sort(byCodeUnit)) ?? [...seen].find((rel) => folders.has(rel));
    if (clash !== undefined) refuse(`${root}/${clash}`, 'a file or a folder', 'both');
    const signature = kept.get(EMBEDDED_SIGNATURE_PATH);
    const manifest = kept.get(EMBEDDED_MANIFEST_PATH);
    if (signature && !manifest)
      refuse(`${root}/${EMBEDDED_SIGNATURE_PATH}`, `${EMBEDDED_MANIFEST_PATH} next to it`, 'a signature alone');
    if (failure) throw failure;
    const parsed: Parsed = { root: root ?? 'package', files: files.sort((a, b) => byCodeUnit(a.path, b.path)) };
    const pkg = kept.get('package.json');
    if (pkg) parsed.packageJson = { ...readIdentity(pkg), bytes: pkg };
    if (manifest) parsed.embedded = signature ? { manifest, signature: signature.toString('utf8') } : { manifest };
    return parsed;
  };

  return {
    write(chunk) {
      if (failure || finished) return false;
      unpacked += chunk.length;
      if (unpacked > MAX_UNPACKED_BYTES) {
        failure ??= notAnArchive(artifact, `more than ${MAX_UNPACKED_BYTES} bytes unpacked`);
        return false;
      }
      const step = structure.write(chunk);
      if (step.problem) {
        failure ??= structureFailure(artifact, step.problem);
        return false;
      }
      if (step.archive.length > 0) parser.write(step.archive);
      return !failure;
    },
    end() {
      if (failure || finished) return;
      finished = true;
      const problem = structure.end();
      if (problem) {
        failure ??= structureFailure(artifact, problem);
        return;
      }
      parser.end();
    },
    fail(found, cause) {
      failure ??= notAnArchive(artifact, found, undefined, cause);
    },
    async done() {
      // tar parses synchronously as it is fed; wait only if it did not finish.
      if (!failure && !ended) await new Promise<void>((resolve) => (wake = resolve));
      return result();
    },
  };
}

function structureFailure(artifact: string, problem: StructureProblem): SealError {
  const { path, found } = problem;
  if (problem.archive || !path) return notAnArchive(artifact, path ? `${found} at entry ${JSON.stringify(path)}` : found, path);
  const expected = 'an entry npm and pnpm read alike';
  return malformed(`${artifact}: entry ${JSON.stringify(path)}: expected ${expected}, found ${found}`, {
    artifact,
    file: path,
    expected,
    found,
  });
}

const notAnArchive = (artifact: string, found: string, file?: string, cause?: unknown): SealError =>
  malformed(`${artifact}: expected a complete gzip tar archive, found ${found}`, {
    artifact,
    file,
    expected: 'a complete gzip tar archive',
    found,
    cause,
  });

const TYPE_NAMES: Record<string, string> = {
  SymbolicLink: 'a symbolic link',
  Link: 'a hard link',
  CharacterDevice: 'a character device',
  BlockDevice: 'a block device',
  FIFO: 'a FIFO',
  GNUDumpDir: 'a GNU dump folder',
};
function describeType(entry: ReadEntry): string {
  const name = TYPE_NAMES[entry.type];
  if (name && entry.linkpath) return `${name} to ${JSON.stringify(entry.linkpath)}`;
  return name ?? `an entry of an unsupported type`;
}

/** name and version of a package.json, when it parses and they are strings. */
function readIdentity(bytes: Buffer): { name?: string; version?: string } {
  try {
    const json: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof json !== 'object' || json === null) return {};
    const { name, version } = json as Record<string, unknown>;
    return { ...(typeof name === 'string' && { name }), ...(typeof version === 'string' && { version }) };
  } catch {
    return {};
  }
}
