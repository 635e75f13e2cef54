import { readdirSync } from 'node:fs';
import { join } from 'node:path';

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
