import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fromPortable, HASH_WORKER_ROLE, workerShare } from './hash-worker.js';
import type {
  ExamineRequest,
  ExamineResponse,
  PrefetchRequest,
  TarballRead,
  TarballRequest,
  TarballResponse,
} from './hash-worker.js';

export type { ExamineResponse, HashResult } from './hash-worker.js';

/** Examines installed packages and reads tarballs on worker threads; `close()` ends them. */
export interface Hasher {
  /** The installed package at `dir` against its embedded manifest's bytes (see `examineInstalled`). */
  examine(dir: string, manifest: Uint8Array): Promise<ExamineResponse>;
  /** A tarball read, inflated and hashed on a worker (see `readTarballContents`). */
  readTarball(tarball: string): Promise<TarballRead>;
  close(): Promise<void>;
}

/**
 * Starts the worker beside this file. When the unit tests run the sources through tsx, the file is
 * hash-worker.ts, and Node 20's workers do not inherit tsx's loader: such a worker registers it first.
 */
function startWorker(): Worker {
  const options = { workerData: { role: HASH_WORKER_ROLE } };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./hash-worker.js', import.meta.url), options);
  const source = JSON.stringify(new URL('./hash-worker.ts', import.meta.url).href);
  // Resolved here, not in the worker: an eval worker resolves bare names from the working directory.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then((tsx) => (tsx.register(), import(${source})))`, { ...options, eval: true });
}

/**
 * Default worker count: the cores the main thread's work leaves, at least one. On two cores one
 * worker hashes while the main thread checks seals: measured, a second worker added a fifth to
 * the CPU time of `verify` and `verify-installed` and took nothing off their wall time.
 */
export const DEFAULT_HASH_WORKERS = Math.max(1, Math.min(8, availableParallelism() - 1));

// Workers of closed hashers wait here, unreferenced (they do not keep the process alive), for the
// next hasher of this process: a run that verifies several trees, or a test file, starts them once.
const idle: Worker[] = [];
// One still running: a thread id of -1 is a worker that has stopped.
const reusable = (): Worker | undefined => {
  for (let worker = idle.pop(); worker; worker = idle.pop()) if (worker.threadId !== -1) return worker;
  return undefined;
};

export interface HasherOptions {
  /** Start the workers now, not on the first request: their start-up overlaps what the caller does before it. */
  eager?: boolean;
  /**
   * Start them now and have them examine the packages at the top of `prefetch`/node_modules
   * before they are asked (see `PrefetchRequest`): each package is then asked of the worker
   * that examines it ahead, and an answer is used only for the manifest bytes it was made for.
   */
  prefetch?: string;
}

/**
 * A pool of workers, started on first use (or at once: `eager`, `prefetch`). Each package goes to
 * the worker with the fewest files queued, so one large package does not hold the others back
 * (or, with `prefetch`, to the worker that examines it ahead). Requests are posted in batches,
 * one message per worker per turn of the event loop, and answered a few at a time: a message
 * costs the main thread more than cloning a package's manifest bytes (the profile of
 * verify-installed: posting one message per package was a tenth of the main thread's time).
 */
export function createHasher(size = DEFAULT_HASH_WORKERS, options: HasherOptions = {}): Hasher {
  type Request = ExamineRequest | TarballRequest;
  type Slot = { worker: Worker; queued: number; outbox: Request[] };
  type Response = ExamineResponse | TarballResponse;
  type Job = { resolve: (r: Response) => void; reject: (e: Error) => void; slot: Slot; weight: number };
  const slots: Slot[] = [];
  const pending = new Map<number, Job>();
  let nextId = 0;
  let failure: Error | undefined;
  let closed = false;
  let flushing = false;

  // After the current turn, so that every request this turn's answers led to goes in one message.
  const flush = () => {
    flushing = false;
    for (const slot of slots) {
      if (slot.outbox.length === 0) continue;
      slot.worker.postMessage(slot.outbox);
      slot.outbox = [];
    }
  };

  const start = () => {
    for (let i = 0; i < size; i++) {
      const worker = reusable() ?? startWorker();
      worker.ref();
      const slot: Slot = { worker, queued: 0, outbox: [] };
      slot.worker.on('message', (responses: Response[]) => {
        for (const response of responses) {
          const job = pending.get(response.id);
          // Already failed (another worker stopped): its caller has its error.
          if (!job) continue;
          pending.delete(response.id);
          job.slot.queued -= job.weight;
          job.resolve(response);
        }
      });
      const fail = (error: unknown) => {
        // Always an Error: a worker that threw `undefined` must still mark the pool as failed.
        failure ??= error instanceof Error ? error : new Error(`a hash worker failed: ${String(error)}`);
        for (const job of pending.values()) job.reject(failure);
        pending.clear();
      };
      slot.worker.on('error', fail);
      // A worker that stops without an error (process.exit in it, a kill) answers nothing more:
      // what it had still to answer fails, never waits forever or passes.
      slot.worker.on('exit', (code) => fail(new Error(`a hash worker stopped (exit code ${code})`)));
      slots.push(slot);
    }
    if (options.prefetch !== undefined)
      for (const [index, { worker }] of slots.entries())
        worker.postMessage([{ prefetch: { root: options.prefetch, index, of: slots.length } } satisfies PrefetchRequest]);
  };

  const submit = (request: Omit<ExamineRequest, 'id'> | Omit<TarballRequest, 'id'>, weight: number): Promise<Response> => {
    if (failure) return Promise.reject(failure);
    // After close, a late caller (one still in flight when another failed) must not start a
    // new pool: its workers would keep the process alive after the command has ended.
    if (closed) return Promise.reject(new Error('the hasher is closed'));
    if (slots.length === 0) start();
    // A package goes to the worker that examines it ahead, if any; else to the least busy one.
    const slot =
      options.prefetch !== undefined && 'dir' in request
        ? slots[workerShare(request.dir, slots.length)]!
        : slots.reduce((best, s) => (s.queued < best.queued ? s : best));
    const id = nextId++;
    slot.queued += weight;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, slot, weight });
      slot.outbox.push({ ...request, id } as Request);
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    });
  };

  // Started now when asked: their start-up overlaps what the caller does before its first request.
  if (options.eager || options.prefetch !== undefined) start();
  return {
    // A copy of its own: posting a view would clone the whole buffer it is a view of. Weighed by
    // the manifest's size, which grows with the files it lists (about 150 bytes each).
    examine: (dir, manifest) =>
      submit({ dir, manifest: new Uint8Array(manifest) }, Math.ceil(manifest.byteLength / 150) + 1) as Promise<ExamineResponse>,
    async readTarball(tarball) {
      // A tarball weighs as a package of a dozen files: sizes are not known before reading.
      const { read, error } = (await submit({ tarball }, 12)) as TarballResponse;
      if (typeof error === 'string') throw new Error(`reading ${tarball} on a worker: ${error}`);
      if (error) throw fromPortable(error);
      const buffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const { contents, malformed } = read!;
      return {
        bytes: buffer(read!.bytes),
        ...(malformed ? { malformed: fromPortable(malformed) } : {}),
        ...(contents
          ? {
              contents: {
                ...contents,
                ...(contents.packageJson
                  ? { packageJson: { ...contents.packageJson, bytes: buffer(contents.packageJson.bytes) } }
                  : {}),
                ...(contents.embedded
                  ? { embedded: { ...contents.embedded, manifest: buffer(contents.embedded.manifest) } }
                  : {}),
              },
            }
          : {}),
      };
    },
    async close() {
      closed = true;
      // Workers with answers still to come go: the answers would reach the next hasher.
      const busy = pending.size > 0;
      for (const job of pending.values()) job.reject(new Error('the hasher is closed'));
      pending.clear();
      for (const { worker } of slots.splice(0)) {
        worker.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
        if (failure || busy) void worker.terminate();
        else {
          // What it examined ahead is dropped: the next hasher's run is another run.
          if (options.prefetch !== undefined) worker.postMessage([{ prefetch: null } satisfies PrefetchRequest]);
          worker.unref();
          idle.push(worker);
        }
      }
    },
  };
}
