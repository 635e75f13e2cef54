import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import type { SealCode } from './codes.js';
import { SealError } from './error.js';

export interface ReadFileLimits {
  /** Refuse a file larger than this many bytes. */
  maxBytes: number;
  /** The code of the error for a file that is not a regular file, too big, or unreadable. */
  code: SealCode;
  /** What the file is, for messages ("the manifest", "package.json"). */
  what: string;
  /** Return undefined, not an error, for a path that does not exist (ENOENT, ENOTDIR). */
  optional?: boolean;
}

// Opening a FIFO for reading waits for a writer, forever: O_NONBLOCK returns at once, and the
// fstat below refuses it. A regular file ignores the flag.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

const isMissing = (code: string | undefined) => code === 'ENOENT' || code === 'ENOTDIR';

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder (EISDIR)';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function refuse(path: string, limits: ReadFileLimits, found: string, cause?: unknown): SealError {
  return new SealError(limits.code, `${path}: expected ${limits.what} as a regular file, found ${found}`, {
    artifact: path,
    expected: `a regular file of at most ${limits.maxBytes} bytes`,
    found,
    cause,
  });
}

/**
 * The bounds of a read, shared by readRegularFile and readRegularFileSync, which differ only in
 * their I/O calls: a regular file within maxBytes, read into a buffer of the size fstat gave
 * plus one byte, so that a file growing while read is noticed.
 */
function bufferFor(path: string, stats: Stats, limits: ReadFileLimits): Buffer {
  if (!stats.isFile()) throw refuse(path, limits, kindOf(stats));
  if (stats.size > limits.maxBytes) throw refuse(path, limits, `${stats.size} bytes, over the limit of ${limits.maxBytes}`);
  return Buffer.allocUnsafe(Math.min(limits.maxBytes, stats.size) + 1);
}

/** The `size` bytes read into `bytes` (from bufferFor), refused when the file grew past the bound. */
function withinBound(path: string, limits: ReadFileLimits, bytes: Buffer, size: number): Buffer {
  if (size > limits.maxBytes) throw refuse(path, limits, `a file growing past the limit of ${limits.maxBytes} bytes`);
  return bytes.subarray(0, size);
}

/**
 * Reads a file sealpack was handed (a seal, a manifest, a package.json, a lockfile, a config)
 * only when it is a regular file within `maxBytes`: a FIFO or a device in its place would block
 * or never end, a folder would fail with a bare EISDIR, a huge file would exhaust memory. Each
 * refusal is a coded error naming the path. Reads no more than the size fstat gave, plus one
 * byte to notice a file that grows while read.
 */
export async function readRegularFile(path: string, limits: ReadFileLimits): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (limits.optional && isMissing(code)) return undefined;
    throw refuse(path, limits, `an unreadable path (${code ?? String(error)})`, error);
  }
  try {
    const bytes = bufferFor(path, await handle.stat(), limits);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(bytes, size, bytes.length - size, size);
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size === bytes.length) break;
    }
    return withinBound(path, limits, bytes, size);
  } catch (error) {
    if (error instanceof SealError) throw error;
    throw refuse(path, limits, `an unreadable file (${(error as NodeJS.ErrnoException).code ?? String(error)})`, error);
  } finally {
    await handle.close();
  }
}

/** `readRegularFile`, synchronous: for tree walks, where many tiny reads cost less without the thread pool. */
export function readRegularFileSync(path: string, limits: ReadFileLimits): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (limits.optional && isMissing(code)) return undefined;
    throw refuse(path, limits, `an unreadable path (${code ?? String(error)})`, error);
  }
  try {
    const bytes = bufferFor(path, fstatSync(fd), limits);
    let size = 0;
    for (;;) {
      const read = readSync(fd, bytes, size, bytes.length - size, size);
      if (read === 0) break;
      size += read;
      if (size === bytes.length) break;
    }
    return withinBound(path, limits, bytes, size);
  } catch (error) {
    if (error instanceof SealError) throw error;
    throw refuse(path, limits, `an unreadable file (${(error as NodeJS.ErrnoException).code ?? String(error)})`, error);
  } finally {
    closeSync(fd);
  }
}
