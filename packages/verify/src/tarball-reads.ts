// Reading tarballs ahead of their checks, in a module of its own: `sealpack verify` starts it
// before it loads the trust and the signature code (OpenPGP.js), so the workers hash while this
// thread loads them. It imports nothing heavy.
import { readTarballContents, type TarballRead } from './hash-worker.js';
import { createHasher, type Hasher } from './hasher.js';

/** The tarballs' reads, each taken once, by its index in the list they were started for. */
export interface TarballReads {
  /**
   * `tarballs[index]` read, inflated and hashed (on a worker when there are several). `tarball`
   * is the path the caller judges: a read started for another list is refused, never judged as it.
   */
  take(index: number, tarball: string): Promise<TarballRead>;
  /** Ends the workers it started; reads not taken are dropped. */
  close(): Promise<void>;
}

export interface ReadTarballsOptions {
  /** Workers to read on (not closed by `close`); by default, started here for more than one tarball. */
  hasher?: Hasher;
}

/**
 * How many tarballs are read ahead of the one being checked: enough for the workers to hash
 * through this thread's start-up (loading OpenPGP.js takes about as long as a hundred tarballs),
 * few enough to bound what reads waiting for their checks hold in memory.
 */
const READ_AHEAD = 128;

/**
 * Starts reading `tarballs` in their order on worker threads, up to READ_AHEAD ahead of the one
 * taken last. One tarball is read on this thread, when taken: a worker costs more to start than
 * one tarball takes. This thread does not read when it waits: measured (300 tarballs, 2 cores),
 * its reads cost it more than the wait (V8 optimizes tar's parser a second time, in this thread)
 * and took nothing off the wall time.
 */
export function readTarballs(tarballs: readonly string[], options: ReadTarballsOptions = {}): TarballReads {
  const owned = !options.hasher && tarballs.length > 1;
  const hasher = options.hasher ?? (owned ? createHasher(undefined, { eager: true }) : undefined);
  const reads: (Promise<TarballRead> | undefined)[] = [];
  let next = 0;
  let taken = 0;

  const readAhead = (): void => {
    for (; hasher && next < tarballs.length && next - taken < READ_AHEAD; next++) {
      const read = hasher.readTarball(tarballs[next]!);
      // A failure reaches whoever takes it; until then it is not an unhandled rejection.
      read.catch(() => {});
      reads[next] = read;
    }
  };
  readAhead();

  return {
    async take(index, tarball) {
      if (tarballs[index] !== tarball) throw new Error(`tarball ${index} was read as ${tarballs[index]}, not ${tarball}`);
      taken = Math.max(taken, index + 1);
      readAhead();
      // No workers: one tarball, read here when taken.
      if (!hasher) return readTarballContents(tarball);
      const read = reads[index];
      if (!read) throw new Error(`tarball ${index} (${tarballs[index]}) taken twice`);
      reads[index] = undefined;
      return read;
    },
    async close() {
      if (owned) await hasher?.close();
    },
  };
}
