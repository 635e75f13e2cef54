import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, sep } from 'node:path';
import type * as YarnParsers from '@yarnpkg/parsers';
import type * as Yaml from 'yaml';
import type { Finding } from '@sealpack/diagnostics';
import { nameFromPath, type InstalledPackage } from './layout.js';
import { isRegistryVersion } from './packagelock.js';
import { splitPackageKey } from './pnpmlock.js';

// The lockfile parsers (a hundred modules) load on first use, synchronously: commands that read
// no pnpm or yarn lockfile, like verify, do not load them.
const requireLazily = createRequire(import.meta.url);
const parseYaml = (text: string): unknown => (requireLazily('yaml') as typeof Yaml).parse(text);
const parseSyml = (text: string): unknown => (requireLazily('@yarnpkg/parsers') as typeof YarnParsers).parseSyml(text);

/** What one lockfile says about installed packages. */
interface LockView {
  /** Shown in findings: `package-lock.json`, `node_modules/.package-lock.json`, `pnpm-lock.yaml`. */
  file: string;
  /** The versions the lockfile allows for the package at `pkg`; undefined when it does not know the package at all. */
  versionsFor(pkg: InstalledPackage): readonly string[] | undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw error;
  }
}

/** Versions by name, from `name@version` pairs. */
function byName(pairs: Iterable<{ name: string; version: string }>): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const { name, version } of pairs) {
    if (!map.has(name)) map.set(name, new Set());
    map.get(name)!.add(version);
  }
  return map;
}

/**
 * npm's lockfiles (`npm-shrinkwrap.json`, `package-lock.json`, the hidden
 * `node_modules/.package-lock.json`) name the version at each install path: the package
 * reached as `node_modules/a/node_modules/b` must be that version there.
 */
function npmView(file: string, text: string): LockView | undefined {
  let lock: { packages?: Record<string, { version?: unknown; link?: unknown }> };
  try {
    lock = JSON.parse(text);
  } catch {
    // verify-lockfile reports an unparsable lockfile; here it only cannot vouch for anything.
    return undefined;
  }
  if (!lock.packages || typeof lock.packages !== 'object') return undefined;
  const packages = lock.packages;
  return {
    file,
    versionsFor: (pkg) => {
      const entry = Object.hasOwn(packages, pkg.via) ? packages[pkg.via] : undefined;
      if (!entry || entry.link) return undefined;
      return typeof entry.version === 'string' ? [entry.version] : [];
    },
  };
}

/** A `.pnpm/<id>/node_modules/<name>` folder's id (`@a+b@1.0.0_peer@2`), or undefined elsewhere. */
function storeId(dir: string): string | undefined {
  const parts = dir.split(sep);
  const at = parts.lastIndexOf('.pnpm');
  return at >= 0 && parts[at + 2] === 'node_modules' ? parts[at + 1] : undefined;
}

// pnpm's virtualStoreDirMaxLength default (Linux, macOS): longer store folder names end in a hash.
const PNPM_STORE_NAME_MAX = 120;

/**
 * Whether `.pnpm/<id>` is the store folder pnpm makes for lockfile key `key` (its
 * dependency-path's depPathToFilename: `tiny@file:../pk/tiny-1.0.0.tgz` → `tiny@file+..+pk+tiny-1.0.0.tgz`),
 * with or without a peer suffix (`_peer@1`). A name pnpm shortens with a hash (too long, or
 * upper case) is matched by the part it keeps.
 */
function isStoreFolderOf(id: string, key: string): boolean {
  const folder = key.replace(/[\\/:*?"<>|#]/g, '+');
  if (id === folder || id.startsWith(`${folder}_`)) return true;
  const hashed = folder.length > PNPM_STORE_NAME_MAX || (folder !== folder.toLowerCase() && !folder.startsWith('file+'));
  return hashed && id.startsWith(`${folder.slice(0, PNPM_STORE_NAME_MAX - 33)}_`);
}

/**
 * pnpm's lockfile names the versions of each package; pnpm's store folder names its own
 * (`.pnpm/ms@2.0.0/node_modules/ms`): both must agree with the package.json found there. A
 * tarball, git or directory dependency is keyed by where it came from (`tiny@file:../pk/tiny-1.0.0.tgz`):
 * the version its entry records (`version: 1.0.0`, from the package.json pnpm read) is the one
 * the installed package must have.
 */
function pnpmView(file: string, text: string): LockView | undefined {
  let lock: { packages?: Record<string, { version?: unknown } | null> };
  try {
    lock = parseYaml(text) as typeof lock;
  } catch {
    return undefined;
  }
  const pairs: { name: string; version: string }[] = [];
  const recorded = new Map<string, string>();
  for (const [key, entry] of Object.entries(lock?.packages ?? {})) {
    const pair = splitPackageKey(key);
    if (!pair) continue;
    pairs.push(pair);
    if (typeof entry?.version === 'string') recorded.set(`${pair.name}@${pair.version}`, entry.version);
  }
  const versions = byName(pairs);
  return {
    file,
    versionsFor: (pkg) => {
      const name = nameFromPath(pkg.dir) ?? pkg.name;
      const locked = name === undefined ? undefined : versions.get(name);
      const id = storeId(pkg.dir);
      if (!locked || !id || !name) return locked && [...locked];
      // The store folder is made for one version: `ms@2.0.0`, `ms@2.0.0_peer@1`, `ms@2.0.0(peer@1)`.
      const prefix = `${name.replace('/', '+')}@`;
      const folderVersion = id.startsWith(prefix) ? /^[^_(]+/.exec(id.slice(prefix.length))?.[0] : undefined;
      return [...locked].flatMap((v) => {
        if (isRegistryVersion(v)) return folderVersion === undefined || v === folderVersion ? [v] : [];
        const key = `${name}@${v}`;
        return isStoreFolderOf(id, key) ? [recorded.get(key) ?? v] : [];
      });
    },
  };
}

/** yarn.lock (classic and berry) names the versions of each package, under the name it is installed as. */
function yarnView(file: string, text: string): LockView | undefined {
  let lock: Record<string, { version?: unknown }>;
  try {
    lock = parseSyml(text) as typeof lock;
  } catch {
    return undefined;
  }
  const pairs: { name: string; version: string }[] = [];
  for (const [keys, entry] of Object.entries(lock)) {
    if (keys === '__metadata' || typeof entry?.version !== 'string') continue;
    for (const key of keys.split(/,\s*/)) pairs.push({ name: key.slice(0, key.indexOf('@', 1)), version: entry.version });
  }
  const versions = byName(pairs);
  return {
    file,
    versionsFor: (pkg) => {
      const name = nameFromPath(pkg.via) ?? pkg.name;
      const locked = name === undefined ? undefined : versions.get(name);
      return locked && [...locked];
    },
  };
}

/**
 * The lockfiles of the project at `root` that describe its installed tree: pnpm's for a pnpm
 * layout; otherwise npm's (shrinkwrap, else package-lock, and the hidden lockfile npm keeps in
 * node_modules) and yarn.lock, each where present.
 */
export function readLockViews(root: string): LockView[] {
  const views: (LockView | undefined)[] = [];
  const read = (relative: string, make: (file: string, text: string) => LockView | undefined) => {
    const text = readText(join(root, relative));
    if (text !== undefined) views.push(make(relative, text));
  };
  if (readText(join(root, 'node_modules', '.modules.yaml')) !== undefined) {
    read('pnpm-lock.yaml', pnpmView);
  } else {
    const shrinkwrap = readText(join(root, 'npm-shrinkwrap.json'));
    if (shrinkwrap !== undefined) views.push(npmView('npm-shrinkwrap.json', shrinkwrap));
    else read('package-lock.json', npmView);
    read(join('node_modules', '.package-lock.json'), npmView);
    read('yarn.lock', yarnView);
  }
  return views.filter((v): v is LockView => v !== undefined);
}

/**
 * `ESEAL_IDENTITY` when an installed package is not the version its lockfile pins (or one the
 * lockfile does not know), or names no package where the lockfile pins one: a validly sealed
 * impostor — `ms@2.1.3` where the lockfile pins `2.0.0` — is still not what was reviewed and
 * locked, and neither is a package.json that dropped its name or version.
 */
export function checkLockedVersion(pkg: InstalledPackage, views: readonly LockView[]): Finding | undefined {
  const name = pkg.name ?? nameFromPath(pkg.via) ?? basename(pkg.dir);
  const found = pkg.version ?? 'no version';
  for (const view of views) {
    const expected = view.versionsFor(pkg);
    // A git, file or tarball-URL entry names no registry version to compare with.
    if (expected?.includes(found) || expected?.some((v) => !isRegistryVersion(v))) {
      // Listed here, so the lockfile names a package at this path: one without a name is not it.
      // (An unreadable package.json is reported as ESEAL_MALFORMED already.)
      if (pkg.name !== undefined || pkg.unreadable) continue;
      return {
        code: 'ESEAL_IDENTITY',
        severity: 'error',
        message: `${name}@${found}: ${pkg.via} names no package in its package.json, where ${view.file} pins ${name}: expected ${name}, found no name`,
        artifact: pkg.dir,
        package: name,
        version: pkg.version,
        file: 'package.json',
        rule: 'lockfile',
        expected: name,
        found: 'no name',
      };
    }
    const want = expected === undefined ? `a package ${view.file} lists` : expected.join(' or ') || 'a version';
    const what =
      expected === undefined
        ? `${pkg.via} is installed but ${view.file} does not list it`
        : `${pkg.via} is not the version ${view.file} pins`;
    return {
      code: 'ESEAL_IDENTITY',
      severity: 'error',
      message: `${name}@${found}: ${what}: expected ${want}, found ${found}`,
      artifact: pkg.dir,
      package: name,
      version: pkg.version,
      file: 'package.json',
      rule: 'lockfile',
      expected: want,
      found,
    };
  }
  return undefined;
}
