import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultCacheDir, readRegularFileSync } from '@sealpack/diagnostics';

/** What the registry says about one version that sealpack needs: immutable once published. */
export interface VersionSeal {
  /** `dist.integrity` of the version document. */
  integrity?: string;
  /** `dist.sealpack`: the exact manifest bytes (as a string) and the armored signature. */
  sealpack?: { manifest: string; signature?: string };
}

/**
 * A registry document as sealpack keeps it: the seal fields of each version it lists, the
 * registry's ETag for it, and when the registry last answered for it.
 */
export interface StoredDocument {
  /** The URL it was read from (the file name is a digest of it: a mismatch is not used). */
  url: string;
  /** The registry's `ETag`, named in `If-None-Match` when the copy is revalidated. */
  etag?: string;
  /** When the registry last answered for this copy (a 200 or a 304), in ms of the injected clock. */
  fetchedAt: number;
  versions: Record<string, VersionSeal>;
}

/**
 * Registry documents kept between runs, one file per URL. A speed-up, never a source of trust:
 * seals read from it are verified against the pinned keys on every run, and an entry that is
 * not exactly what `write` puts there is not used at all (not even its ETag): the registry is
 * asked again.
 */
export interface DocumentStore {
  read(url: string): StoredDocument | undefined;
  write(document: StoredDocument): void;
}

export interface SealCache {
  get(registry: string, name: string, version: string): Promise<VersionSeal | undefined>;
  set(registry: string, name: string, version: string, seal: VersionSeal): Promise<void>;
  /** Keeps what this run looked up for the next run of the same project (see createSealCache). */
  flush(): Promise<void>;
  /** The registry documents kept in the same folder, for the registry client; none without a cache. */
  documents?: DocumentStore;
}

export { defaultCacheDir };

/** The URL of `name`'s package document in `registry` (which ends with `/`). */
export const documentUrl = (registry: string, name: string): string => `${registry}${name.replace('/', '%2f')}`;

type Snapshot = { scope?: string; seals?: Record<string, VersionSeal> };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const optionalString = (value: unknown) => value === undefined || typeof value === 'string';
/** A version's seal data exactly as `write` keeps it: optional strings, nothing else to trip on. */
const isVersionSeal = (value: unknown): value is VersionSeal =>
  isObject(value) &&
  optionalString(value.integrity) &&
  (value.sealpack === undefined ||
    (isObject(value.sealpack) && typeof value.sealpack.manifest === 'string' && optionalString(value.sealpack.signature)));
const hasSeal = (seal: unknown): seal is VersionSeal =>
  isVersionSeal(seal) && typeof (seal as VersionSeal).sealpack?.manifest === 'string';
const readJson = (file: string): unknown => {
  try {
    // Synchronous: a warm run reads many small files, each far cheaper than a thread-pool hop.
    const bytes = readRegularFileSync(file, { maxBytes: 64 << 20, code: 'ESEAL_CONFIG', what: 'a cache file', optional: true });
    return bytes ? JSON.parse(bytes.toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
};

const folders = new Set<string>();
/**
 * Writes `data` as `file` atomically (temp file + rename); a read-only or full cache folder only
 * costs requests next time. Synchronous, like the reads: a cold run writes a thousand small
 * files, and four thread-pool round trips each cost more than the system calls themselves.
 */
function writeAtomically(file: string, data: unknown): void {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // Once per folder and process.
    const folder = dirname(file);
    if (!folders.has(folder)) mkdirSync(folder, { recursive: true });
    folders.add(folder);
    writeFileSync(temp, JSON.stringify(data));
    renameSync(temp, file);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing more to do: the entry is simply not kept.
    }
  }
}

/** The document store in `dir`: `documents-v1/<sha256 of the URL>.json`. */
export function createDocumentStore(dir: string): DocumentStore {
  const root = join(dir, 'documents-v1');
  const fileOf = (url: string) => join(root, `${sha256(url)}.json`);
  // Read once per run: the seal cache and the registry client ask for the same documents.
  const read = new Map<string, StoredDocument | undefined>();
  return {
    read(url) {
      if (read.has(url)) return read.get(url);
      const data = readJson(fileOf(url));
      const valid =
        isObject(data) &&
        data.url === url &&
        optionalString(data.etag) &&
        typeof data.fetchedAt === 'number' &&
        Number.isFinite(data.fetchedAt) &&
        isObject(data.versions) &&
        Object.values(data.versions).every(isVersionSeal);
      // Corrupt, truncated, hand-edited or a digest collision: as if absent, so the next request
      // names no ETag and the registry sends the whole document.
      const document = valid
        ? { ...(data as unknown as StoredDocument), versions: Object.assign(Object.create(null), data.versions) }
        : undefined;
      read.set(url, document);
      return document;
    },
    write(document) {
      read.set(document.url, document);
      writeAtomically(fileOf(document.url), document);
    },
  };
}

/**
 * The seals of the sealed versions a project's lockfile pins, for its next run. A published
 * version's `dist` cannot change, so these are used however old they are, while "no seal yet"
 * and a package's history come from the registry documents (`createDocumentStore`), which are
 * revalidated. The cache saves requests, not trust: every run verifies each seal again against
 * the current keyring and revocations.
 *
 * With a `scope` (the project folder), `flush` writes the seals this run used as one file,
 * which the next run of that project reads in one go; a seal not in it is looked up in the
 * kept registry documents, then asked for.
 */
export function createSealCache(dir: string, scope?: string): SealCache {
  const documents = createDocumentStore(dir);
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
    const seals = data?.scope === scope && isObject(data?.seals) ? data.seals : {};
    snapshot = Object.assign(Object.create(null) as Record<string, VersionSeal>, seals);
    return snapshot;
  };

  return {
    documents,
    async get(registry, name, version) {
      const key = keyOf(registry, name, version);
      const kept = readSnapshot()[key];
      if (hasSeal(kept)) {
        used.set(key, kept);
        return kept;
      }
      const seal = documents.read(documentUrl(registry, name))?.versions[version];
      if (!hasSeal(seal)) return undefined;
      used.set(key, seal);
      changed = true;
      return seal;
    },
    async set(registry, name, version, seal) {
      if (!seal.sealpack) return;
      used.set(keyOf(registry, name, version), { integrity: seal.integrity, sealpack: seal.sealpack });
      changed = true;
    },
    async flush() {
      if (snapshotFile === undefined) return;
      // Unchanged when every seal came from it and it holds no others.
      if (!changed && used.size === Object.keys(readSnapshot()).length) return;
      writeAtomically(snapshotFile, { scope, seals: Object.fromEntries(used) });
    },
  };
}

/** A cache that keeps nothing (`cache: false`). */
export const noCache: SealCache = { get: async () => undefined, set: async () => {}, flush: async () => {} };
