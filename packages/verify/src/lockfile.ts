import { join, resolve } from 'node:path';
import {
  isSealError,
  mapLimit,
  MAX_LOCKFILE_BYTES,
  readRegularFile,
  SealError,
  silentLogger,
  type Finding,
  type Logger,
} from '@sealpack/diagnostics';
import type { CoveringRequirement, SealRequirement, Trust } from '@sealpack/trust';
import { coveringRequirement } from '@sealpack/trust/coverage';
import { createSealCache, defaultCacheDir, noCache, type SealCache, type VersionSeal } from './cache.js';
import { downgradeFinding, findSealedBefore } from './downgrade.js';
import type { LockedPackage } from './locked.types.js';
import { readNpmConfig } from './npmrc.js';
import { readPackageLock, type LockedEntry } from './packagelock.js';
import { readPnpmLock } from './pnpmlock.js';
import { RegistryClient } from './registry.js';
import { throttledProgress } from './progress.js';
import { checkSeal, type SealCheck } from './seal.js';
import { unsignedFinding } from './unsigned.js';
import { judgeSubject, unsealedOutcome, verdictOf, type Outcome } from './verdict.js';
import type { Verdict } from './verdict.types.js';

type Subject = { artifact: string; package: string; version: string };

export interface VerifyLockfileOptions {
  trust: Trust;
  /** Kept for compatibility: every locked package is looked up now (downgrade protection needs each one's history). */
  all?: boolean;
  /**
   * Default registry, as npm's `--registry`: it replaces npm's configured `registry`, while a
   * scope's registry (`@acme:registry=…`) still wins for that scope's packages.
   */
  registry?: string;
  /** Cache folder, or `false` for none; default `defaultCacheDir()`. */
  cache?: string | false;
  at?: Date;
  /** Registry requests in flight; default 16. */
  concurrency?: number;
  /** Further attempts after a transient registry failure; default 2. */
  retries?: number;
  /** First retry delay in ms; default 250. */
  backoff?: number;
  logger?: Logger;
  /** How long a registry answer kept in the cache folder is used without asking again; default 5 minutes (`FRESH_FOR_MS`). */
  freshFor?: number;
  /** The clock for `freshFor`; default `Date.now`. */
  now?: () => number;
  /** Where npm configuration (`npm_config_*`, `NPM_CONFIG_USERCONFIG`) and the cache folder are read from. */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_REGISTRY_CONCURRENCY = 16;

/** npm's lockfiles, in the order npm prefers them, then pnpm's. */
const LOCKFILES: [string, (text: string, artifact: string) => LockedEntry[] | Promise<LockedEntry[]>][] = [
  ['npm-shrinkwrap.json', readPackageLock],
  ['package-lock.json', readPackageLock],
  ['pnpm-lock.yaml', readPnpmLock],
];

/**
 * Every package the lockfiles of `dir` pin (those from git, files or links outside the
 * project with `source`). Throws `ESEAL_CONFIG` when there is no lockfile.
 */
export async function readLockedPackages(dir: string): Promise<LockedEntry[]> {
  const locked: LockedEntry[] = [];
  let found = 0;
  for (const [file, read] of LOCKFILES) {
    // npm ignores package-lock.json when npm-shrinkwrap.json exists.
    if (file === 'package-lock.json' && found > 0) continue;
    // Only a regular file within its bound: a FIFO in its place would block forever.
    const bytes = await readRegularFile(join(dir, file), {
      maxBytes: MAX_LOCKFILE_BYTES,
      code: 'ESEAL_CONFIG',
      what: 'a lockfile',
      optional: true,
    });
    if (!bytes) continue;
    const text = bytes.toString('utf8');
    found++;
    locked.push(...(await read(text, join(dir, file))));
  }
  if (found === 0) {
    throw new SealError(
      'ESEAL_CONFIG',
      `${dir}: no lockfile: expected package-lock.json, npm-shrinkwrap.json or pnpm-lock.yaml, found none`,
      { artifact: dir },
    );
  }
  return locked;
}

/** The digests an ssri string lists (`sha512-… sha1-…`), without their `?options`. */
const digestsOf = (integrity: string | undefined) =>
  (integrity ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((part) => part.split('?')[0]!);

/**
 * Compares every digest an integrity string lists with the sealed one. npm and pnpm accept a
 * tarball matching any one of several digests of the strongest algorithm, so one sealed digest
 * next to an attacker's would let the attacker's tarball in: each listed digest must be the
 * sealed one, and anything else (another sha512, a weaker algorithm nobody sealed) is refused.
 */
function compareIntegrity(
  label: string,
  sealed: string,
  found: string | undefined,
  where: string,
  subject: Omit<Finding, 'code' | 'severity' | 'message'>,
): Finding | undefined {
  const digests = digestsOf(found);
  const others = digests.filter((digest) => digest !== sealed);
  if (digests.length > 0 && others.length === 0) return undefined;
  const shown = found ?? 'none';
  const why =
    digests.length === 0
      ? ' (no digest to compare)'
      : digests.length > others.length
        ? ` (besides the sealed digest it lists ${others.join(' ')}, which a package manager would accept too)`
        : '';
  return {
    code: 'ESEAL_INTEGRITY',
    severity: 'error',
    message: `${label}: ${where} integrity differs from the sealed tarball: expected ${sealed}, found ${shown}${why}`,
    ...subject,
    expected: sealed,
    found: shown,
  };
}

/** What one verifyLockedPackages run judges every entry with. */
interface LockfileRun {
  trust: Trust;
  at: Date | undefined;
  client: RegistryClient;
  cache: SealCache;
}

/**
 * Verifies locked packages against the seals their registry publishes (`dist.sealpack`),
 * before anything is downloaded: the seal's signatures against the pinned trust, its identity,
 * and its tarball digest against the lockfile's integrity and the registry's `dist.integrity`.
 * A registry failure for one package becomes that package's `ESEAL_REGISTRY` finding (it could
 * not be checked); the others are still verified.
 */
export async function verifyLockedPackages(
  packages: readonly (LockedPackage | LockedEntry)[],
  dir: string,
  options: VerifyLockfileOptions,
): Promise<Verdict> {
  const run = startRun(dir, options);
  const entries = uniqueEntries(packages as readonly LockedEntry[]);
  const progress = throttledProgress(options.logger ?? silentLogger);
  let done = 0;
  const outcomes = await mapLimit(entries, options.concurrency ?? DEFAULT_REGISTRY_CONCURRENCY, async (pkg) => {
    const outcome = await verifyLockedEntry(run, pkg);
    done++;
    progress(() => `sealpack: checked ${done}/${entries.length} locked packages`);
    return outcome;
  });
  await run.cache.flush();
  return verdictOf(run.trust, outcomes, 'locked');
}

function startRun(dir: string, options: VerifyLockfileOptions): LockfileRun {
  const env = options.env ?? process.env;
  const cacheDir = options.cache === false ? undefined : (options.cache ?? defaultCacheDir(env));
  const cache: SealCache = cacheDir === undefined ? noCache : createSealCache(cacheDir, resolve(dir));
  const client = new RegistryClient({
    config: readNpmConfig({ cwd: dir, env, flags: { registry: options.registry } }),
    retries: options.retries,
    backoff: options.backoff,
    documents: cache.documents,
    freshFor: options.freshFor,
    now: options.now,
  });
  return { trust: options.trust, at: options.at, client, cache };
}

/** Same name, version and integrity pinned in several places: one check. */
function uniqueEntries(packages: readonly LockedEntry[]): LockedEntry[] {
  const unique = new Map<string, LockedEntry>();
  for (const pkg of packages) {
    const id = `${pkg.name}@${pkg.version} ${pkg.integrity ?? ''} ${pkg.source ?? ''} ${pkg.aliases?.join() ?? ''}`;
    if (!unique.has(id)) unique.set(id, pkg);
  }
  return [...unique.values()];
}

/**
 * One lockfile entry, through the pipeline: its names and the rule covering them → identity
 * (aliases) → its registry seal, or policy and the registry's history for one without → the
 * seal check → its tarball digest against the lockfile's and the registry's → its result. Every
 * package is looked up, covered or not: the registry's history can refuse any of them (downgrade).
 */
async function verifyLockedEntry(run: LockfileRun, pkg: LockedEntry): Promise<Outcome> {
  // Policy judges every name the entry answers to: the one it is fetched as and the one it
  // is installed under (the lockfile key), so an entry cannot talk its way out of a rule.
  const coverage = coveringRequirement(run.trust, { name: pkg.name, aliases: pkg.aliases }, pkg.version, run.at);
  const subject = { artifact: pkg.artifact, package: coverage.name, version: pkg.version };
  const identity = aliasFindings(pkg, coverage, subject);
  if (pkg.source)
    return judgeUnsealed(run, pkg, subject, coverage, identity, `from ${pkg.source}, which carries no registry seal`);
  const fetched = await registrySeal(run, pkg);
  // What was found without the registry stays beside its ESEAL_REGISTRY: an alias of a covered
  // package is a verification failure (exit 1), not only something that could not be checked.
  if ('finding' in fetched) return judgeSubject(subject, [...identity, { ...fetched.finding, ...subject }], []);
  const { seal, registry } = fetched;
  if (!seal.sealpack)
    return judgeUnsealed(run, pkg, subject, coverage, identity, `the registry ${registry} has no dist.sealpack for it`);
  const checked = await checkSeal({
    trust: run.trust,
    manifest: Buffer.from(seal.sealpack.manifest, 'utf8'),
    signature: seal.sealpack.signature,
    artifact: pkg.artifact,
    expected: { name: pkg.name, version: pkg.version },
    at: run.at,
  });
  const downgrade =
    checked.signers.length === 0 ? await downgradeOf(run, pkg, subject, coverage.requirement, 'no pinned signer') : undefined;
  const findings = [
    ...identity,
    ...checked.findings,
    ...(downgrade ? [downgrade] : []),
    ...tarballFindings(checked, pkg, seal, subject),
  ];
  return judgeSubject(subject, findings, checked.signers);
}

/** A name policy covers must hold that very package: an `npm:` alias of it is refused. */
function aliasFindings(pkg: LockedEntry, coverage: CoveringRequirement, subject: Subject): Finding[] {
  return coverage.coveredAliases.map((alias) => ({
    code: 'ESEAL_IDENTITY',
    severity: 'error',
    message: `${alias}@${pkg.version}: installed under a name policy covers, but the lockfile pins another package there: expected ${alias}, found ${pkg.name}`,
    ...subject,
    package: alias,
    expected: alias,
    found: pkg.name,
  }));
}

/** The version's registry document (`dist.sealpack`, `dist.integrity`), from the cache or the registry; a registry failure as its finding. */
async function registrySeal(
  run: LockfileRun,
  pkg: LockedEntry,
): Promise<{ seal: VersionSeal; registry: string } | { finding: Finding }> {
  const registry = run.client.registryFor(pkg.name);
  const cached = await run.cache.get(registry, pkg.name, pkg.version);
  if (cached) return { seal: cached, registry };
  let seal: VersionSeal;
  try {
    seal = await run.client.getVersionSeal(pkg.name, pkg.version);
  } catch (error) {
    if (!isSealError(error)) throw error;
    return { finding: error.toFinding() };
  }
  await run.cache.set(registry, pkg.name, pkg.version, seal);
  return { seal, registry };
}

/** An entry without a registry seal: what policy makes of it unsealed, and ESEAL_DOWNGRADE when an earlier version was sealed. */
async function judgeUnsealed(
  run: LockfileRun,
  pkg: LockedEntry,
  subject: Subject,
  coverage: CoveringRequirement,
  identity: Finding[],
  why: string,
): Promise<Outcome> {
  const unsigned = unsignedFinding(coverage, subject, why);
  // From git or a file: it has no place in the registry's order, so any sealed version counts.
  const downgrade = await downgradeOf(run, pkg, subject, coverage.requirement, 'unsealed', Boolean(pkg.source));
  const findings = [...identity, ...(unsigned ? [unsigned] : []), ...(downgrade ? [downgrade] : [])];
  return unsealedOutcome(subject, findings, `${subject.package}@${pkg.version}`);
}

/** The registry's history: an earlier version sealed by a pinned key makes this one a downgrade. */
async function downgradeOf(
  run: LockfileRun,
  pkg: LockedEntry,
  subject: Subject,
  requirement: SealRequirement,
  found: 'unsealed' | 'no pinned signer',
  anyVersion = false,
): Promise<Finding | undefined> {
  let versions: Map<string, VersionSeal> | undefined;
  try {
    versions = await run.client.versionsOf(pkg.name);
  } catch (error) {
    if (!isSealError(error)) throw error;
    return { ...error.toFinding(), ...subject };
  }
  if (!versions) return undefined;
  const { trust, at } = run;
  const before = await findSealedBefore({ trust, name: pkg.name, version: anyVersion ? undefined : pkg.version, versions, at });
  return before && downgradeFinding(subject, before, found, requirement);
}

/**
 * The sealed tarball digest against the lockfile's integrity and the registry's `dist.integrity`;
 * ESEAL_MALFORMED when the registry seal has no tarball digest to compare.
 */
function tarballFindings(checked: SealCheck, pkg: LockedEntry, seal: VersionSeal, subject: Subject): Finding[] {
  if (!checked.manifest) return [];
  const label = `${subject.package}@${pkg.version}`;
  const sealed = checked.manifest.tarball?.integrity;
  if (!sealed) {
    return [
      {
        code: 'ESEAL_MALFORMED',
        severity: 'error',
        message: `${label}: the registry seal has no tarball digest: expected manifest.tarball, found none`,
        ...subject,
      },
    ];
  }
  const lockfile = compareIntegrity(label, sealed, pkg.integrity, 'the lockfile', subject);
  // The registry serving another tarball than it sealed is worth naming even if the lockfile matches.
  const served = seal.integrity ? compareIntegrity(label, sealed, seal.integrity, `the registry's dist`, subject) : undefined;
  return [lockfile, served].filter((f): f is Finding => f !== undefined);
}

/** Verifies the lockfiles of `dir` (`package-lock.json` v2/v3, `npm-shrinkwrap.json`, `pnpm-lock.yaml` v9). */
export async function verifyLockfile(dir: string, options: VerifyLockfileOptions): Promise<Verdict> {
  return verifyLockedPackages(await readLockedPackages(dir), dir, options);
}
