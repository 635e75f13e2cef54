import { SealError } from '@sealpack/diagnostics';
import { isNonRegistrySource, isRegistryVersion, type LockedEntry } from './packagelock.js';

type PnpmPackage = {
  name?: string;
  version?: string;
  resolution?: { integrity?: string; tarball?: string; type?: string; repo?: string; directory?: string };
};
/** The lockfile as pnpm writes it (v9) or hands it to `afterAllResolved` (same `packages` shape). */
type DependencyMap = Record<string, string | { version?: string }>;
type Dependent = { dependencies?: DependencyMap; optionalDependencies?: DependencyMap; devDependencies?: DependencyMap };
export type PnpmLockfile = {
  lockfileVersion?: string | number;
  importers?: Record<string, Dependent>;
  packages?: Record<string, PnpmPackage>;
  snapshots?: Record<string, Dependent>;
};

/**
 * The names each package is installed under besides its own: an `npm:` alias
 * (`x: {specifier: npm:y@1, version: y@1.0.0}` in an importer, `x: y@1.0.0` in a snapshot),
 * keyed by the package key without peer suffix (`y@1.0.0`).
 */
function aliasesOf(lockfile: PnpmLockfile): Map<string, Set<string>> {
  const aliases = new Map<string, Set<string>>();
  const dependents = [...Object.values(lockfile.importers ?? {}), ...Object.values(lockfile.snapshots ?? {})];
  for (const dependent of dependents) {
    for (const map of [dependent?.dependencies, dependent?.optionalDependencies, dependent?.devDependencies]) {
      for (const [dep, ref] of Object.entries(map ?? {})) {
        const version = typeof ref === 'string' ? ref : ref?.version;
        // `1.0.0(peer@2.0.0)` is the same name; `link:…` a workspace folder; `y@1.0.0` an alias.
        if (!version || /^(\d|link:|file:)/.test(version)) continue;
        const target = splitPackageKey(version);
        if (!target || target.name === dep) continue;
        const key = `${target.name}@${target.version}`;
        if (!aliases.has(key)) aliases.set(key, new Set());
        aliases.get(key)!.add(dep);
      }
    }
  }
  return aliases;
}

/**
 * `name@version` from a pnpm package key: `@a/b@1.0.0`, `a@1.0.0(peer@2.0.0)` (peer suffixes
 * of in-memory snapshots), `/a@1.0.0` and `/a/1.0.0` (older in-memory depPaths).
 */
export function splitPackageKey(key: string): { name: string; version: string } | undefined {
  const bare = key.replace(/^\//, '').replace(/\(.*$/, '');
  const at = bare.indexOf('@', 1);
  if (at > 0) return { name: bare.slice(0, at), version: bare.slice(at + 1) };
  const slash = bare.lastIndexOf('/');
  return slash > 0 ? { name: bare.slice(0, slash), version: bare.slice(slash + 1) } : undefined;
}

/**
 * The packages of a pnpm lockfile object (v9 `packages:` keyed `name@version`). Directory,
 * git and tarball dependencies come with `source`: they carry no registry seal.
 */
export function lockedFromPnpm(lockfile: PnpmLockfile, artifact: string): LockedEntry[] {
  const locked: LockedEntry[] = [];
  const seen = new Set<string>();
  const aliasedAs = aliasesOf(lockfile);
  for (const [key, entry] of Object.entries(lockfile.packages ?? {})) {
    const parsed = splitPackageKey(key);
    // The key's version is a URL or a path for tarball, git and local dependencies.
    const spec = parsed?.version;
    const name = parsed?.name ?? entry?.name;
    if (!name) continue;
    // The key names what pnpm fetched; a differing `name` field is judged too.
    const other = new Set(aliasedAs.get(`${name}@${spec}`));
    if (entry?.name && entry.name !== name) other.add(entry.name);
    const aliases = other.size > 0 ? { aliases: [...other].sort() } : {};
    const resolution = entry?.resolution;
    const id = `${name}@${spec}`;
    // In-memory lockfiles list one snapshot per peer set: the tarball is the same.
    if (seen.has(id)) continue;
    seen.add(id);
    const source = resolution?.type
      ? `${resolution.type}:${resolution.repo ?? resolution.directory ?? spec}`
      : resolution?.tarball && isNonRegistrySource(resolution.tarball)
        ? resolution.tarball
        : !isRegistryVersion(spec)
          ? (resolution?.tarball ?? spec ?? 'an unknown source')
          : undefined;
    const version = isRegistryVersion(spec) ? spec : isRegistryVersion(entry?.version) ? entry.version : '0.0.0';
    locked.push({
      name,
      version,
      integrity: resolution?.integrity,
      artifact: `${artifact}#${id}`,
      ...aliases,
      ...(source ? { source } : {}),
    });
  }
  return locked;
}

/** Reads `pnpm-lock.yaml` text (version 9; a leading document, as newer pnpm versions write, is skipped). */
export async function readPnpmLock(text: string, artifact: string): Promise<LockedEntry[]> {
  // Loaded on demand: the YAML parser is a sixth of the start-up of commands that never read YAML.
  const { parseAllDocuments } = await import('yaml');
  const documents = parseAllDocuments(text);
  const docs = (Array.isArray(documents) ? documents : [documents]).map((d) => {
    if (d.errors.length)
      throw new SealError('ESEAL_CONFIG', `${artifact}: expected YAML, found ${d.errors[0]!.message}`, { artifact });
    return d.toJS() as PnpmLockfile | null;
  });
  const lockfile = docs.find((d) => d && (d.packages || 'importers' in d)) ?? docs[docs.length - 1];
  const version = String(lockfile?.lockfileVersion ?? 'none');
  if (!/^9\./.test(version)) {
    throw new SealError(
      'ESEAL_CONFIG',
      `${artifact}: expected lockfileVersion 9.x, found ${version}; run pnpm install with pnpm 9 or later`,
      { artifact, expected: '9.0', found: version },
    );
  }
  return lockedFromPnpm(lockfile!, artifact);
}
