import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What the registry says about one version that sealpack needs: immutable once published. */
export interface VersionSeal {
  /** `dist.integrity` of the version document. */
  integrity?: string;
  /** `dist.sealpack`: the exact manifest bytes (as a string) and the armored signature. */
  sealpack?: { manifest: string; signature?: string };
}

export interface SealCache {
  get(registry: string, name: string, version: string): Promise<VersionSeal | undefined>;
  set(registry: string, name: string, version: string, seal: VersionSeal): Promise<void>;
}

/** `SEALPACK_CACHE_DIR`, else `$XDG_CACHE_HOME/sealpack`, else `~/.cache/sealpack`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SEALPACK_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sealpack');
}

/**
 * A file cache of registry seals, one small JSON file per registry + name + version. Only
 * versions that carry a seal are stored: a published version's `dist` cannot change, while
 * "no seal yet" or an error is not a fact worth keeping. The cache saves requests, not trust:
 * every run verifies the cached seal again against the current keyring and revocations.
 */
export function createSealCache(dir: string): SealCache {
  const root = join(dir, 'registry-v1');
  const fileFor = (key: string) => join(root, `${createHash('sha256').update(key).digest('hex')}.json`);
  const keyOf = (registry: string, name: string, version: string) => `${registry}\n${name}@${version}`;
  return {
    async get(registry, name, version) {
      const key = keyOf(registry, name, version);
      try {
        // Synchronous: a warm run reads a thousand small files, each far cheaper than a thread-pool hop.
        const entry = JSON.parse(readFileSync(fileFor(key), 'utf8')) as { key?: string; seal?: VersionSeal };
        // A hash collision or a hand-edited file: refetch rather than guess.
        return entry.key === key && typeof entry.seal?.sealpack?.manifest === 'string' ? entry.seal : undefined;
      } catch {
        return undefined;
      }
    },
    async set(registry, name, version, seal) {
      if (!seal.sealpack) return;
      const key = keyOf(registry, name, version);
      const file = fileFor(key);
      const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await mkdir(root, { recursive: true });
        await writeFile(temp, JSON.stringify({ key, seal: { integrity: seal.integrity, sealpack: seal.sealpack } }));
        await rename(temp, file);
      } catch {
        // A read-only or full cache folder only costs requests next time.
        await rm(temp, { force: true }).catch(() => {});
      }
    },
  };
}

/** A cache that keeps nothing (`cache: false`). */
export const noCache: SealCache = { get: async () => undefined, set: async () => {} };
