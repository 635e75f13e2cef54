import module from 'node:module';
import { join } from 'node:path';
import { defaultCacheDir } from '@sealpack/diagnostics';

/**
 * Node 22.1+ keeps compiled code between runs (OpenPGP.js alone is over a megabyte of source);
 * Node 20 has no such cache and goes on without it. Node's default folder is under
 * os.tmpdir(), and package managers point TMPDIR into the project while scripts run (pnpm:
 * `node_modules/.tmp`): sealpack run as a postinstall hook would write into the very tree it
 * verifies. So the cache goes to sealpack's own cache folder, unless NODE_COMPILE_CACHE says.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  const enable = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
  enable?.(env.NODE_COMPILE_CACHE || join(defaultCacheDir(env), 'node-compile-cache'));
}
