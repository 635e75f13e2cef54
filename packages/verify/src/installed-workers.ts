// The one thing verify-installed starts before loading anything else: its worker threads.
import { createHasher, type Hasher } from './hasher.js';

export type { Hasher } from './hasher.js';

/**
 * Starts the workers `verifyInstalled(dir)` uses, which begin at once to examine the packages at
 * the top of `dir`/node_modules: a caller that starts them before loading its trust (OpenPGP.js,
 * the keyring) has them working meanwhile. Give them to verifyInstalled (`hasher`), which closes
 * them; a caller that ends up not calling it closes them itself (`close()`, safe twice).
 */
export function startInstalledWorkers(dir: string, workers?: number): Hasher {
  return createHasher(workers, { prefetch: dir });
}
