import { homedir } from 'node:os';
import { join } from 'node:path';

/** sealpack's cache folder: `SEALPACK_CACHE_DIR`, else `$XDG_CACHE_HOME/sealpack`, else `~/.cache/sealpack`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SEALPACK_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sealpack');
}
