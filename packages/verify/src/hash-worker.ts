// Worker body for `createHasher`: lists an installed package's folder and hashes the files its
// manifest names, with synchronous reads, which cost a fraction of asynchronous ones for the
// many small files of a tree. The main thread keeps the signature checks.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { bundledPrefixes, listPackageFiles, type EntryKind } from './files.js';

export interface InspectRequest {
  id: number;
  dir: string;
  /** The paths the manifest lists, in its order. */
  paths: string[];
}
export type HashResult = { integrity: string; size: number } | { error: string };
export interface InspectResponse {
  id: number;
  /** Everything in the package folder (see `listPackageFiles`), or the error listing it. */
  entries: [string, EntryKind][];
  /** For each of `paths`: its digest when it is a regular file, else null. */
  results: (HashResult | null)[];
  error?: string;
}

// One buffer per worker: memory stays flat whatever the file sizes.
const buffer = Buffer.allocUnsafe(1024 * 1024);

export function hashPath(path: string): HashResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? 'EIO' };
  }
  try {
    const hash = createHash('sha512');
    let size = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      hash.update(buffer.subarray(0, read));
      size += read;
      // A short read of a regular file is its end: this saves the empty read that would say so,
      // one system call per file. Were it not the end, the digest would differ: a failure, never a pass.
      if (read < buffer.length) break;
    }
    return { integrity: `sha512-${hash.digest('base64')}`, size };
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? 'EIO' };
  } finally {
    closeSync(fd);
  }
}

export function inspect({ id, dir, paths }: InspectRequest): InspectResponse {
  try {
    const onDisk = listPackageFiles(dir, bundledPrefixes(paths));
    const results = paths.map((path) => (onDisk.get(path) === 'file' ? hashPath(join(dir, path)) : null));
    return { id, entries: [...onDisk], results };
  } catch (error) {
    return { id, entries: [], results: [], error: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
}

parentPort?.on('message', (request: InspectRequest) => parentPort!.postMessage(inspect(request)));
