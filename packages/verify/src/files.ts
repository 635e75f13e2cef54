import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestFile } from '@sealpack/manifest';
import { isEmbeddedSealPath } from '@sealpack/manifest/paths';
import type { FileDiff } from './file-findings.js';
import type { HashResult } from './hash-worker.js';

/** What a path inside an installed package is: a regular file, or anything else (a link, a socket…). */
export type EntryKind = 'file' | 'other';

/**
 * Lists what an installed package folder holds, paths `/`-separated relative to `dir`. Links
 * are listed as `other`, never followed: a manifest lists regular files only, and a link could
 * point anywhere. The package's own `node_modules` holds other packages (each verified on its
 * own), so it is entered only for the `bundled` prefixes (`node_modules/x`) the manifest lists:
 * bundled dependencies are part of this package's tarball.
 */
export function listPackageFiles(dir: string, bundled: ReadonlySet<string>): Map<string, EntryKind> {
  const found = new Map<string, EntryKind>();
  // Synchronous, as the tree search: many tiny calls, each far cheaper than a thread-pool hop.
  const walk = (rel: string): void => {
    const entries = readdirSync(rel ? join(dir, rel) : dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (path === 'node_modules') continue;
        walk(path);
      } else {
        found.set(path, entry.isFile() ? 'file' : 'other');
      }
    }
  };
  walk('');
  if (bundled.size > 0) {
    // `node_modules` itself was skipped above: enter it for the bundled prefixes only.
    for (const prefix of bundled) {
      try {
        walk(prefix);
      } catch (error) {
        ignoreMissing(error);
      }
    }
  }
  return found;
}

const ignoreMissing = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
};

/** The bundled dependency folders a manifest lists: `node_modules/x`, `node_modules/@s/x`. */
export function bundledPrefixes(paths: Iterable<string>): Set<string> {
  const prefixes = new Set<string>();
  for (const path of paths) {
    if (!path.startsWith('node_modules/')) continue;
    const parts = path.split('/');
    const depth = parts[1]?.startsWith('@') ? 3 : 2;
    if (parts.length > depth) prefixes.add(parts.slice(0, depth).join('/'));
  }
  return prefixes;
}

/** True when `path` is inside a bundled prefix: such files belong to this package. */
export function isInBundle(path: string, bundled: ReadonlySet<string>): boolean {
  for (const prefix of bundled) if (path.startsWith(`${prefix}/`)) return true;
  return false;
}

const NESTED_BIN = /(^|\/)node_modules\/\.bin\/[^/]+$/;

/**
 * What differs between an installed package's files on disk and its manifest, before policy:
 * every listed file that is missing, or whose digest or size differs, and every file on disk
 * the manifest does not list. `onDisk` is the folder's listing (`listPackageFiles`), `digests`
 * the listed paths' digests (null where no regular file is). The caller drops what the
 * package's install scripts may change or add (policy `installScripts`).
 */
export function diffInstalledFiles(
  listed: readonly ManifestFile[],
  onDisk: ReadonlyMap<string, EntryKind>,
  digests: ReadonlyMap<string, HashResult | null>,
): FileDiff {
  const bundled = bundledPrefixes(listed.map((f) => f.path));
  const diff: FileDiff = { changed: [], missing: [], extra: [] };
  for (const want of listed) {
    const found = foundOnDisk(want.path, onDisk, digests);
    if (!found) diff.missing.push({ path: want.path, integrity: want.integrity });
    else if (found.integrity !== want.integrity || found.size !== want.size) {
      const expected = { integrity: want.integrity, size: want.size };
      diff.changed.push({ path: want.path, expected, found: { integrity: found.integrity, size: found.size } });
    }
  }
  const listedPaths = new Set(listed.map((f) => f.path));
  for (const path of [...onDisk.keys()].sort()) {
    // The embedded seal's own files cannot list themselves: the signature checks them.
    if (listedPaths.has(path) || isEmbeddedSealPath(path)) continue;
    // The command links npm makes in the package's own and its bundled dependencies' `.bin`
    // folders: links to a file this seal lists, or into a nested package verified on its own.
    // Files under the package's own node_modules belong to other packages, unless bundled; the
    // command links npm writes in bundled dependencies' `.bin` folders are judged by the tree
    // walk, as every `.bin` entry is (`checkBinEntry`).
    if (path.startsWith('node_modules/') && (!isInBundle(path, bundled) || NESTED_BIN.test(path))) continue;
    diff.extra.push(path);
  }
  return diff;
}

/** What was found at a listed path: its digest and size, a stand-in for what is not a readable file, or undefined when missing. */
function foundOnDisk(
  path: string,
  onDisk: ReadonlyMap<string, EntryKind>,
  digests: ReadonlyMap<string, HashResult | null>,
): { integrity: string; size: number } | undefined {
  // A link where the manifest lists a file is a finding, never followed.
  if (onDisk.get(path) === 'other') return { integrity: 'not a regular file', size: -1 };
  const result = digests.get(path);
  // Removed while we looked: as missing as can be.
  if (!result || ('error' in result && result.error === 'ENOENT')) return undefined;
  if ('error' in result) return { integrity: `unreadable (${result.error})`, size: -1 };
  return result;
}
