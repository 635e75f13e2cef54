// Worker body for `createHasher`: examines an installed package (parses its manifest, lists its
// folder, hashes the files the manifest names and compares them), with synchronous reads, which
// cost a fraction of asynchronous ones for the many small files of a tree; or reads, inflates and
// hashes a tarball. The main thread keeps the signature checks and every judgement.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { isSealError, MAX_MANIFEST_BYTES, readRegularFileSync, SealError, type SealCode } from '@sealpack/diagnostics';
import type { TarballContents } from '@sealpack/manifest';
import type * as Manifest from '@sealpack/manifest';
import { parseManifest } from '@sealpack/manifest/manifest';
import { byCodeUnit, EMBEDDED_MANIFEST_PATH } from '@sealpack/manifest/paths';
import type { FileDiff } from './file-findings.js';
import { bundledPrefixes, diffInstalledFiles, listPackageFiles } from './files.js';

export interface ExamineRequest {
  id: number;
  /** The installed package's folder. */
  dir: string;
  /** Its embedded manifest's bytes, as the main thread read them (and checks the signature over). */
  manifest: Uint8Array;
}
export type HashResult = { integrity: string; size: number } | { error: string };
export interface ExamineResponse {
  id: number;
  /** The package the manifest names; absent when it does not parse (`malformed`). */
  identity?: { name: string; version: string };
  /** Why the manifest does not parse (parseManifest's SealError). */
  malformed?: PortableError;
  /** The files on disk against the manifest's, before policy; absent when it lists none (a registry-style manifest). */
  diff?: FileDiff;
  /** The folder could not be listed (an errno code): the package cannot be judged. */
  unreadable?: string;
  /** A bug (a message): the run fails. */
  error?: string;
}

// How much larger than its manifest size an installed file may be and still be hashed.
const EDIT_SLACK = 1024 * 1024;

// One buffer per worker: memory stays flat whatever the file sizes.
const buffer = Buffer.allocUnsafe(1024 * 1024);

export function hashPath(path: string, maxBytes = Infinity): HashResult {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO swapped in after the listing must not block the open; fstat refuses it.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? 'EIO' };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { error: 'not a regular file' };
    // The work is bounded by what the manifest promises: a larger file differs, whatever it holds.
    // A little slack still names the digest of a small edit (the finding shows both digests).
    if (stats.size > maxBytes + EDIT_SLACK) return { integrity: `(not read: larger than the manifest says)`, size: stats.size };
    const hash = createHash('sha512');
    let size = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      hash.update(buffer.subarray(0, read));
      size += read;
      // A short read that reaches the size fstat gave is the end: this saves the empty read that
      // would say so, one system call per file. Short of that size (a network or FUSE file system
      // may answer in pieces), read on: a prefix must never be hashed as the whole file.
      if (read === 0 || (read < buffer.length && size >= stats.size)) break;
    }
    return { integrity: `sha512-${hash.digest('base64')}`, size };
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? 'EIO' };
  } finally {
    closeSync(fd);
  }
}

/**
 * Parses the manifest (the same bytes the main thread checks the signature over), lists the
 * package folder, hashes the listed regular files and compares them with the manifest.
 */
export function examineInstalled({ id, dir, manifest }: ExamineRequest): ExamineResponse {
  let files;
  let identity;
  try {
    const parsed = parseManifest(manifest, join(dir, EMBEDDED_MANIFEST_PATH));
    identity = { name: parsed.name, version: parsed.version };
    files = parsed.files;
  } catch (error) {
    if (isSealError(error)) return { id, malformed: portable(error) };
    return { id, error: String((error as Error)?.stack ?? error) };
  }
  if (!files) return { id, identity };
  let onDisk;
  try {
    onDisk = listPackageFiles(dir, bundledPrefixes(files.map((f) => f.path)));
  } catch (error) {
    return { id, identity, unreadable: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
  // The paths are the manifest's, checked relative and without `..` when it was parsed: a plain join.
  const digests = new Map(
    files.map((f) => [f.path, onDisk.get(f.path) === 'file' ? hashPath(`${dir}/${f.path}`, f.size) : null] as const),
  );
  return { id, identity, diff: diffInstalledFiles(files, onDisk, digests) };
}

/**
 * Asks a worker to examine, before the main thread asks, the packages at the top of
 * `root/node_modules` (in the order the tree search finds them) whose real folder is its share
 * (`workerShare(dir, of) === index`): started while the main thread is still loading, its
 * answers are ready when the main thread reaches those packages. A control message: no answer.
 */
export interface PrefetchRequest {
  prefetch: { root: string; index: number; of: number } | null;
}

/** Which of `of` workers examines the package at `dir` ahead (FNV-1a of the path): the hasher sends that worker its requests. */
export function workerShare(dir: string, of: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < dir.length; i++) hash = Math.imul(hash ^ dir.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % of;
}

// How many examined packages wait at most for the main thread to ask: memory stays bounded
// (a manifest and a small answer each) whatever the tree.
const PREFETCH_AHEAD = 256;

interface Prefetch {
  /** Candidate package folders (not resolved), in the tree search's order. */
  queue: string[];
  next: number;
  index: number;
  of: number;
  /** Answers waiting, by real folder, with the manifest bytes they are for. */
  ready: Map<string, { manifest: Buffer; response: ExamineResponse }>;
  /** Folders the main thread has asked about: not examined ahead any more. */
  asked: Set<string>;
  running: boolean;
}
let prefetch: Prefetch | undefined;

/** The entries of `node_modules` as the tree search (layout.ts) lists them first: sorted, scopes entered, dot entries (`.bin`, `.pnpm`) left out. */
function topPackages(modules: string): string[] {
  const sorted = (dir: string) => {
    try {
      return readdirSync(dir).sort(byCodeUnit);
    } catch {
      return [];
    }
  };
  return sorted(modules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) =>
      name.startsWith('@') ? sorted(join(modules, name)).map((n) => join(modules, name, n)) : [join(modules, name)],
    );
}

function startPrefetch(control: PrefetchRequest['prefetch']): void {
  // A new run, or the end of one: what was examined for another run is dropped, never reused.
  prefetch = undefined;
  if (!control) return;
  const queue = topPackages(join(control.root, 'node_modules'));
  prefetch = { queue, next: 0, index: control.index, of: control.of, ready: new Map(), asked: new Set(), running: false };
  prefetchStep(prefetch);
}

/** Examines the next package of the queue, one per turn of the event loop: the main thread's requests come first. */
function prefetchStep(state: Prefetch): void {
  if (prefetch !== state) return;
  state.running = false;
  while (state.next < state.queue.length && state.ready.size < PREFETCH_AHEAD) {
    const candidate = state.queue[state.next++]!;
    let dir: string;
    let manifest: Buffer | undefined;
    try {
      dir = realpathSync.native(candidate);
      if (workerShare(dir, state.of) !== state.index || state.asked.has(dir) || state.ready.has(dir)) continue;
      // As the main thread reads it (installed.ts): what is not a small regular file is left to it.
      manifest = readRegularFileSync(join(dir, EMBEDDED_MANIFEST_PATH), {
        maxBytes: MAX_MANIFEST_BYTES,
        code: 'ESEAL_MALFORMED',
        what: 'a manifest',
        optional: true,
      });
    } catch {
      continue;
    }
    if (!manifest) continue;
    state.ready.set(dir, { manifest, response: examineInstalled({ id: -1, dir, manifest }) });
    state.running = true;
    setImmediate(() => prefetchStep(state));
    return;
  }
}

/**
 * The answer to the main thread's request: the one examined ahead when it is for the very
 * manifest bytes the main thread read (and checks the signature over), else examined now.
 */
function examineAsked(request: ExamineRequest): ExamineResponse {
  const state = prefetch;
  if (!state) return examineInstalled(request);
  state.asked.add(request.dir);
  const ready = state.ready.get(request.dir);
  if (!ready) return examineInstalled(request);
  state.ready.delete(request.dir);
  if (!state.running) {
    state.running = true;
    setImmediate(() => prefetchStep(state));
  }
  const asked = Buffer.from(request.manifest.buffer, request.manifest.byteOffset, request.manifest.byteLength);
  return asked.equals(ready.manifest) ? { ...ready.response, id: request.id } : examineInstalled(request);
}

/** One tarball read and parsed: its bytes, and its contents or why it does not parse. */
export interface TarballRead {
  bytes: Buffer;
  contents?: TarballContents;
  malformed?: SealError;
}

// Loaded on first use: a worker that only hashes installed files never needs tar's parser. Kept,
// not imported again for each tarball (a dynamic import of a loaded module still costs a tenth
// of a small tarball's read).
let tarballModule: Promise<typeof Manifest> | undefined;
const tarballReader = () => (tarballModule ??= import('@sealpack/manifest'));

/** Reads, inflates and hashes one tarball; throws (ESEAL_CONFIG) when it cannot be read at all. */
export async function readTarballContents(tarball: string): Promise<TarballRead> {
  const { readTarball, readTarballFile } = await tarballReader();
  // A FIFO in its place would block forever, a folder fail with a bare EISDIR: ESEAL_CONFIG naming it.
  const bytes = readTarballFile(tarball);
  try {
    return { bytes, contents: await readTarball(bytes, tarball) };
  } catch (error) {
    if (!isSealError(error)) throw error;
    return { bytes, malformed: error };
  }
}

export interface TarballRequest {
  id: number;
  tarball: string;
}
/** A SealError between threads (structured cloning keeps an Error's message only). */
export interface PortableError {
  code: SealCode;
  message: string;
  details: string[];
  info: SealError['info'];
}
export interface TarballResponse {
  id: number;
  read?: { bytes: Uint8Array; contents?: TarballContents; malformed?: PortableError };
  /** It could not be read (a SealError), or a bug (a message). */
  error?: PortableError | string;
}

const portable = (error: SealError): PortableError => ({
  code: error.code,
  message: error.message,
  details: error.details ? error.details.split('\n') : [],
  info: error.info,
});
export const fromPortable = (error: PortableError): SealError =>
  new SealError(error.code, error.message, { ...error.info, details: error.details });

// A copy with an ArrayBuffer of its own: posting a view clones its whole buffer (a slice of a
// pool, or of the inflated tarball), and transferring one would take it from its other views.
const own = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes);

/** The contents with their few byte fields copied out of the inflated tarball. */
function detach(contents: TarballContents): TarballContents {
  const { packageJson, embedded } = contents;
  return {
    ...contents,
    ...(packageJson ? { packageJson: { ...packageJson, bytes: own(packageJson.bytes) as Buffer } } : {}),
    ...(embedded ? { embedded: { ...embedded, manifest: own(embedded.manifest) as Buffer } } : {}),
  };
}

async function readForMain({ id, tarball }: TarballRequest): Promise<TarballResponse> {
  try {
    const { bytes, contents, malformed } = await readTarballContents(tarball);
    return {
      id,
      read: {
        bytes: bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : own(bytes),
        ...(contents ? { contents: detach(contents) } : {}),
        ...(malformed ? { malformed: portable(malformed) } : {}),
      },
    };
  } catch (error) {
    return { id, error: isSealError(error) ? portable(error) : String((error as Error)?.stack ?? error) };
  }
}

/** Marks the threads `createHasher` starts: only they answer requests. */
export const HASH_WORKER_ROLE = 'sealpack-hash-worker';

// This module is imported on the main thread too (one tarball is read there), and a program may
// use @sealpack/verify inside a worker thread of its own: only a hasher's thread listens, or it
// would answer that program's messages.
if ((workerData as { role?: string } | null)?.role === HASH_WORKER_ROLE)
  parentPort?.on('message', (requests: (ExamineRequest | TarballRequest | PrefetchRequest)[]) => answer(requests));

// Examinations go back a few at a time: fewer messages for the main thread to receive. An answer
// waits at most a couple of milliseconds for company, so the main thread checks one package's
// seal while this worker hashes the next.
const ANSWERS_PER_MESSAGE = 8;
const ANSWER_WAIT_MS = 2;

function answer(requests: (ExamineRequest | TarballRequest | PrefetchRequest)[]): void {
  let examined: ExamineResponse[] = [];
  let firstAt = 0;
  for (const request of requests) {
    if ('tarball' in request) {
      tarballQueue.push(request);
      continue;
    }
    if ('prefetch' in request) {
      startPrefetch(request.prefetch);
      continue;
    }
    examined.push(examineAsked(request));
    if (examined.length === 1) firstAt = performance.now();
    if (examined.length >= ANSWERS_PER_MESSAGE || performance.now() - firstAt >= ANSWER_WAIT_MS) {
      parentPort!.postMessage(examined);
      examined = [];
    }
  }
  if (examined.length > 0) parentPort!.postMessage(examined);
  void readQueuedTarballs();
}

const tarballQueue: TarballRequest[] = [];
let readingTarballs = false;

/**
 * Tarballs one after the other, each answered as soon as it is read: their reads are synchronous,
 * and started together they would all be answered at the end of the batch.
 */
async function readQueuedTarballs(): Promise<void> {
  if (readingTarballs) return;
  readingTarballs = true;
  for (let request = tarballQueue.shift(); request; request = tarballQueue.shift()) {
    const response = await readForMain(request);
    // The bytes move to the main thread rather than being copied (each has a buffer of its own).
    const bytes = response.read?.bytes;
    parentPort!.postMessage([response], bytes ? [bytes.buffer as ArrayBuffer] : []);
  }
  readingTarballs = false;
}
