import { SealError } from '@sealpack/diagnostics';
import type { LockedPackage } from './locked.types.js';

type Entry = { name?: string; version?: string; integrity?: string; resolved?: string; link?: boolean; inBundle?: boolean };

/** A registry version (`1.2.3`, `1.0.0-rc.1`), not `file:`, `git+…` or a tarball URL. */
export const isRegistryVersion = (version: string | undefined): version is string =>
  !!version && /^\d+\.\d+\.\d+(?:[-+][\w.+-]*)?$/.test(version);

/**
 * The registry packages of an npm `package-lock.json` or `npm-shrinkwrap.json`, versions 2
 * and 3 (the `packages` map). Skipped: the root project, workspace folders and links (the
 * consumer's own sources), bundled dependencies (their bytes are in the parent's tarball,
 * which its seal covers), and non-registry sources (git, local folders and tarballs).
 */
export function readPackageLock(text: string, artifact: string): LockedPackage[] {
  let lock: { lockfileVersion?: number; packages?: Record<string, Entry> };
  try {
    lock = JSON.parse(text);
  } catch (error) {
    throw new SealError(
      'ESEAL_CONFIG',
      `${artifact}: expected a JSON lockfile, found unparsable text (${(error as Error).message})`,
      { artifact, cause: error },
    );
  }
  if (!lock.packages || typeof lock.packages !== 'object') {
    throw new SealError(
      'ESEAL_CONFIG',
      `${artifact}: expected lockfileVersion 2 or 3 with a "packages" map, found lockfileVersion ${lock.lockfileVersion ?? 'none'}; run npm install with npm 7 or later to upgrade it`,
      {
        artifact,
        expected: '2 or 3',
        found: String(lock.lockfileVersion ?? 'none'),
      },
    );
  }
  const locked: LockedPackage[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    const at = key.lastIndexOf('node_modules/');
    if (at < 0 || entry.link || entry.inBundle) continue;
    if (!isRegistryVersion(entry.version)) continue;
    if (entry.resolved && !/^https?:/.test(entry.resolved)) continue;
    // `name` is set for aliases (`"x": "npm:y@1"` installs y under node_modules/x).
    const name = entry.name ?? key.slice(at + 'node_modules/'.length);
    locked.push({ name, version: entry.version, integrity: entry.integrity, artifact: `${artifact}#${key}` });
  }
  return locked;
}
