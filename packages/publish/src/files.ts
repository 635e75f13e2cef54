import { randomBytes } from 'node:crypto';
import { copyFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Copies each `[from, to]` to a temp name beside `to`, then renames them all into place.
 * Nothing appears under a final name until every copy is complete, so a failed or
 * interrupted run leaves the previous files (or none), never a half-written one.
 */
export async function installFiles(pairs: ReadonlyArray<readonly [from: string, to: string]>): Promise<void> {
  const temps: string[] = [];
  try {
    for (const [from, to] of pairs) {
      const temp = join(dirname(to), `.${basename(to)}.${randomBytes(6).toString('hex')}.tmp`);
      temps.push(temp);
      await copyFile(from, temp);
    }
    // The tarball comes first in `pairs`, its seal after: renamed in reverse, the tarball
    // lands last, so whoever sees the new tarball also sees its seal.
    for (let i = pairs.length - 1; i >= 0; i--) await rename(temps[i]!, pairs[i]![1]);
  } finally {
    await Promise.all(temps.map((temp) => rm(temp, { force: true })));
  }
}
