import { isAbsolute } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import type { LockedPackage } from './locked.types.js';

/**
 * A locked package with what the lockfile says beyond name and version: other names it is
 * installed under, and where it comes from when that is not a registry.
 */
export interface LockedEntry extends LockedPackage {
  /** Names it is installed under besides `name` (an `npm:` alias's folder name, a path that disagrees with the entry). */
  aliases?: string[];
  /** Set when it does not come from a registry (`git+ssh://…`, `file:…`, `link:../x`, a tarball URL): no registry seal can exist. */
  source?: string;
}

/** A source that is no registry, so carries no registry seal: git, local files and folders. */
export const isNonRegistrySource = (spec: string) =>
  /^(git\+|git:|github:|gitlab:|bitbucket:|ssh:|file:|link:|portal:)/.test(spec);

type Entry = { name?: string; version?: string; integrity?: string; resolved?: string; link?: boolean; inBundle?: boolean };

/** A registry version (`1.2.3`, `1.0.0-rc.1`), not `file:`, `git+…` or a tarball URL. */
export const isRegistryVersion = (version: string | undefined): version is string =>
  !!version && /^\d+\.\d+\.\d+(?:[-+][\w.+-]*)?$/.test(version);

/**
 * The installed packages of an npm `package-lock.json` or `npm-shrinkwrap.json`, versions 2
 * and 3 (the `packages` map). Skipped: the root project, workspace folders and links inside
 * the project (the consumer's own sources), bundled dependencies (their bytes are in the
 * parent's tarball, which its seal covers). Non-registry sources (git, local tarballs and
 * folders, links outside the project, tarball URLs without a registry version) are returned
 * with `source`: policy decides whether a package without a registry seal may come from them.
 */
export function readPackageLock(text: string, artifact: string): LockedEntry[] {
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
  const locked: LockedEntry[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    const at = key.lastIndexOf('node_modules/');
    if (at < 0 || entry.inBundle) continue;
    const pathName = key.slice(at + 'node_modules/'.length);
    // `name` is set for aliases (`"x": "npm:y@1"` installs y under node_modules/x): y is what is
    // fetched, and x is what `require` finds, so both are judged.
    const name = entry.name ?? pathName;
    const aliases = name === pathName ? {} : { aliases: [pathName] };
    const version = isRegistryVersion(entry.version) ? entry.version : '0.0.0';
    const pinned = { name, version, integrity: entry.integrity, artifact: `${artifact}#${key}`, ...aliases };
    if (entry.link) {
      // A link to a workspace folder is the consumer's own source; one leading out of the project is not.
      const target = entry.resolved ?? '';
      if (target && !target.startsWith('..') && !isAbsolute(target) && !/^[a-z]+:/i.test(target)) continue;
      locked.push({ ...pinned, source: `link:${target || 'unknown'}` });
    } else if (entry.resolved && (isNonRegistrySource(entry.resolved) || !/^https?:/.test(entry.resolved))) {
      locked.push({ ...pinned, source: entry.resolved });
    } else if (!isRegistryVersion(entry.version)) {
      locked.push({ ...pinned, source: entry.resolved ?? entry.version ?? 'an unknown source' });
    } else {
      // A tarball URL with a registry version is checked against the registry's seal: only the
      // sealed tarball's integrity passes, wherever it is downloaded from.
      locked.push(pinned);
    }
  }
  return locked;
}
