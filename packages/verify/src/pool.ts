import { availableParallelism } from 'node:os';

/** Default parallelism: hashing is CPU-bound, reading is I/O-bound, so a few per core. */
export const DEFAULT_CONCURRENCY = Math.max(4, availableParallelism() * 4);
