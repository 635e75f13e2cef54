import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { readRegularFileSync } from '@sealpack/diagnostics';

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
  /** Keeps what this run looked up for the next run of the same project (see createSealCache). */
  flush(): Promise<void>;
}

/** `SEALPACK_CACHE_DIR`, else `$XDG_CACHE_HOME/sealpack`, else `~/.cache/sealpack`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SEALPACK_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sealpack');
}

type Entry = { key?: string; seal?: VersionSeal };
type Snapshot = { scope?: string; seals?: Record<string, VersionSeal> };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hasSeal = (seal: VersionSeal | undefined): seal is VersionSeal =>
  typeof seal?.sealpack?.manifest === 'string' && (seal.integrity === undefined || typeof seal.integrity === 'string');
const readJson = (file: string): unknown => {
  try {
    // Synchronous: a warm run reads many small files, each far cheaper than a thread-pool hop.
    const bytes = readRegularFileSync(file, { maxBytes: 64 << 20, code: 'ESEAL_CONFIG', what: 'a cache file', optional: true });
    return bytes ? JSON.parse(bytes.toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
};

/** Writes `data` as `file` atomically; a read-only or full cache folder only costs requests next time. */
async function writeAtomically(file: string, data: unknown): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(temp, JSON.stringify(data));
    await rename(temp, file);
  } catch {
    await rm(temp, { force: true }).catch(() => {});
  }
}

/**
 * A file cache of registry seals, one small JSON file per registry + name + version. Only
 * versions that carry a seal are stored: a published version's `dist` cannot change, while
 * "no seal yet" or an error is not a fact worth keeping. The cache saves requests, not trust:
 * every run verifies the cached seal again against the current keyring and revocations.
 *
 * With a `scope` (the project folder), `flush` also writes the seals this run looked up as one
 * file, which the next run of that project reads in one go instead of a thousand small files;
 * it holds copies of the small files' entries, nothing more trusted.
 */
export function createSealCache(dir: string, scope?: string): SealCache {
  const root = join(dir, 'registry-v1');
  const keyOf = (registry: string, name: string, version: string) => `${registry}\n${name}@${version}`;
  const snapshotFile = scope === undefined ? undefined : join(dir, 'projects-v1', `${sha256(scope)}.json`);
  let snapshot: Record<string, VersionSeal> | undefined;
  const used = new Map<string, VersionSeal>();
  // Whether a seal came from elsewhere than the snapshot: then it is written again.
  let changed = false;

  const readSnapshot = (): Record<string, VersionSeal> => {
    if (snapshot) return snapshot;
    const data = snapshotFile === undefined ? undefined : (readJson(snapshotFile) as Snapshot | undefined);
    // A hash collision or a hand-edited file: start over rather than guess.
    const seals = data?.scope === scope && data?.seals && typeof data.seals === 'object' ? data.seals : {};
    snapshot = Object.assign(Object.create(null) as Record<string, VersionSeal>, seals);
    return snapshot;
  };

  return {
    async get(registry, name, version) {
      const key = keyOf(registry, name, version);
      const kept = readSnapshot()[key];
      if (hasSeal(kept)) {
        used.set(key, kept);
        return kept;
      }
      const entry = readJson(join(root, `${sha256(key)}.json`)) as Entry | undefined;
      // A hash collision or a hand-edited file: refetch rather than guess.
      if (entry?.key !== key || !hasSeal(entry.seal)) return undefined;
      used.set(key, entry.seal);
      changed = true;
      return entry.seal;
    },
    async set(registry, name, version, seal) {
      if (!seal.sealpack) return;
      const key = keyOf(registry, name, version);
      const kept = { integrity: seal.integrity, sealpack: seal.sealpack };
      used.set(key, kept);
      changed = true;
      await writeAtomically(join(root, `${sha256(key)}.json`), { key, seal: kept });
    },
    async flush() {
      if (snapshotFile === undefined) return;
      // Unchanged when every seal came from it and it holds no others.
      if (!changed && used.size === Object.keys(readSnapshot()).length) return;
      await writeAtomically(snapshotFile, { scope, seals: Object.fromEntries(used) });
    },
  };
}

/** A cache that keeps nothing (`cache: false`). */
export const noCache: SealCache = { get: async () => undefined, set: async () => {}, flush: async () => {} };
