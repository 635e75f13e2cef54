import { existsSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  isSealError,
  MAX_MANIFEST_BYTES,
  MAX_SIGNATURE_BYTES,
  readRegularFileSync,
  SealError,
  silentLogger,
  type Finding,
  type Logger,
} from '@sealpack/diagnostics';
import { EMBEDDED_MANIFEST_PATH, EMBEDDED_SIGNATURE_PATH } from '@sealpack/manifest/paths';
import type { CoveringRequirement, SealRequirement, Trust } from '@sealpack/trust';
import { coveringRequirement } from '@sealpack/trust/coverage';
import { installAllowance } from '@sealpack/trust/install-scripts';
import { cachedRegistrySeals, type RegistrySealLookup } from './approvals.js';
import { downgradeFinding } from './downgrade.js';
import { fileFindings, INSTALLED_FILES, type FileDiff } from './file-findings.js';
import { checkBinEntry } from './bin.js';
import { findInstalledPackages, nameFromPath, workspaceFolders, type InstalledPackage } from './layout.js';
import { fromPortable } from './hash-worker.js';
import type { ExamineResponse, Hasher } from './hasher.js';
import { startInstalledWorkers } from './installed-workers.js';
import { checkLockedVersion, readLockViews } from './lock-identity.js';
import { forEachLimit } from './limit.js';
import { throttledProgress } from './progress.js';
import { checkSeal, checkSealParsedElsewhere, type ParsedIdentity, type SealCheck } from './seal.js';
import { unsignedFinding } from './unsigned.js';
import { judgeSubject, unsealedOutcome, verdictOf, type Outcome } from './verdict.js';
import type { SubjectResult, Verdict } from './verdict.types.js';

export interface VerifyInstalledOptions {
  trust: Trust;
  /** Verify as of this moment (exceptions, revocations, expiry); default now. */
  at?: Date;
  /** Packages in flight; default `DEFAULT_INSTALLED_CONCURRENCY`. */
  concurrency?: number;
  /** Worker threads that examine packages; default the cores the main thread leaves, at least one (`DEFAULT_HASH_WORKERS`). */
  workers?: number;
  /**
   * The workers, started earlier by `startInstalledWorkers(dir)` (so that they work while the
   * caller loads its trust); verifyInstalled closes them. Default: started by verifyInstalled.
   */
  hasher?: Hasher;
  logger?: Logger;
  /**
   * Where approvals come from for rules that ask for them (the embedded seal cannot carry
   * one): default the registry seals verify-lockfile cached for this project.
   */
  registrySeals?: RegistrySealLookup;
}

/**
 * Packages in flight by default. Each waits mostly on its worker's hashing and on WebCrypto's
 * signature job, so many in flight keep both cores busy; each holds only its manifest.
 */
export const DEFAULT_INSTALLED_CONCURRENCY = 64;

type Subject = Pick<SubjectResult, 'artifact' | 'package' | 'version'>;

/**
 * Seal files are small: read synchronously, like the tree search (see layout.ts). Only a regular
 * file within its bound is read; a FIFO, a folder or a huge file there is ESEAL_MALFORMED.
 */
const readSealFile = (path: string, maxBytes: number, what: string): Buffer | undefined =>
  readRegularFileSync(path, { maxBytes, code: 'ESEAL_MALFORMED', what, optional: true });
const readEmbeddedManifest = (dir: string) => readSealFile(join(dir, EMBEDDED_MANIFEST_PATH), MAX_MANIFEST_BYTES, 'a manifest');
const readEmbeddedSignature = (dir: string) =>
  readSealFile(join(dir, EMBEDDED_SIGNATURE_PATH), MAX_SIGNATURE_BYTES, 'a signature');

/** What one verifyInstalled run judges every entry of the tree with. */
interface InstalledRun {
  trust: Trust;
  at: Date | undefined;
  hasher: Hasher;
  /** The tree's real path: command links are judged against it. */
  root: string;
  /** Declared workspace packages: the consumer's source, not judged; a link anywhere else is. */
  workspaces: ReadonlySet<string>;
  lockViews: ReturnType<typeof readLockViews>;
  /** Registry seals verify-lockfile cached: the seal an installed copy should still carry. */
  knownSeals: RegistrySealLookup;
  /** Where approvals come from, when a rule asks for any (the embedded seal cannot carry one). */
  approvalsFrom: RegistrySealLookup | undefined;
  /** True when a sealed ancestor package, whose seal verifies, lists this path (a bundled dependency). */
  isBundledInSealed: (path: string) => Promise<boolean>;
}

/** An installed package whose package.json names it: what a seal can be checked for. */
type NamedPackage = InstalledPackage & { name: string; version: string };

/**
 * Verifies an installed tree (npm, pnpm, yarn node-modules layouts) against the seals embedded
 * in its packages: signatures against the pinned trust, identity against each package.json,
 * every file's digest, missing and extra files. Packages without a seal: `ESEAL_UNSIGNED` when
 * a trust rule covers them, else the `unsigned` policy (warn: one summary warning).
 */
export async function verifyInstalled(dir: string, options: VerifyInstalledOptions): Promise<Verdict> {
  // Started first: the workers start up, and examine the first packages, while this thread reads
  // the project's workspaces and lockfile.
  const hasher = options.hasher ?? startInstalledWorkers(dir, options.workers);
  try {
    const run = await startRun(dir, options, hasher);
    // A folder with nothing installed would pass with "0 checked": most likely the wrong folder.
    if (!existsSync(join(dir, 'node_modules'))) {
      throw new SealError('ESEAL_CONFIG', `${dir}: nothing installed: expected ${join(dir, 'node_modules')}, found none`, {
        artifact: dir,
      });
    }
    const progress = throttledProgress(options.logger ?? silentLogger);
    const outcomes: Outcome[] = [];
    let seen = 0;
    // Packages in flight are bounded: each holds its manifest and file list, nothing more.
    await forEachLimit(
      findInstalledPackages(dir, run.workspaces),
      options.concurrency ?? DEFAULT_INSTALLED_CONCURRENCY,
      async (pkg) => {
        outcomes.push(await verifyEntry(run, pkg).catch((error: unknown) => unreadableEntry(pkg, error)));
        seen++;
        progress(() => `sealpack: verified ${seen} installed packages`);
      },
    );
    return verdictOf(run.trust, outcomes, 'installed');
  } finally {
    await hasher.close();
  }
}

async function startRun(dir: string, options: VerifyInstalledOptions, hasher: Hasher): Promise<InstalledRun> {
  const { trust, at } = options;
  const approvalsNeeded = trust.policy.trust.some((rule) => rule.approvals > 0);
  // Registry seals verify-lockfile cached: approvals, and the seal an installed copy should still carry.
  const knownSeals = options.registrySeals ?? cachedRegistrySeals(dir);
  const root = existsSync(dir) ? realpathSync.native(dir) : dir;
  return {
    trust,
    at,
    hasher,
    root,
    workspaces: await workspaceFolders(root),
    lockViews: readLockViews(root),
    knownSeals,
    approvalsFrom: approvalsNeeded ? knownSeals : undefined,
    isBundledInSealed: bundledInSealedCheck(trust, at),
  };
}

/**
 * One package that cannot be read (a FIFO or a folder where its seal should be) is that
 * package's finding, naming the path; the rest of the tree is still verified.
 */
function unreadableEntry(pkg: InstalledPackage, error: unknown): Outcome {
  if (!isSealError(error)) throw error;
  const subject: Subject = { artifact: pkg.dir, package: pkg.name ?? nameFromPath(pkg.via) ?? pkg.via, version: pkg.version };
  return judgeSubject(subject, [{ ...subject, ...error.toFinding() }], []);
}

/** One entry of the tree, by kind: a command link, a loose file, or a package folder. */
async function verifyEntry(run: InstalledRun, pkg: InstalledPackage): Promise<Outcome> {
  if (pkg.bin) return judgeCommandLink(run, pkg);
  if (pkg.loose) return judgeLooseFile(run, pkg);
  return verifyPackage(run, pkg);
}

/** What `npx NAME` and package scripts run: a link or shim into an installed package. */
function judgeCommandLink(run: InstalledRun, pkg: InstalledPackage): Outcome {
  const problem = checkBinEntry(pkg.dir, run.root, run.workspaces);
  if (!problem) return undefined;
  const subject: Subject = { artifact: pkg.dir, package: pkg.via, version: undefined };
  const finding: Finding = {
    code: 'ESEAL_EXTRA_FILE',
    severity: 'error',
    message: `${pkg.via}: a command no package's seal covers: expected a link or a command shim into an installed package, found one that ${problem}`,
    ...subject,
    file: pkg.via,
  };
  return judgeSubject(subject, [finding], []);
}

/**
 * Node resolves `require('a')` to `node_modules/a.js` before the folder `a`: loose code there
 * shadows a package, sealed or not. Tool files (`.package-lock.json`…) start with a dot.
 */
async function judgeLooseFile(run: InstalledRun, pkg: InstalledPackage): Promise<Outcome> {
  if (await run.isBundledInSealed(pkg.dir)) return undefined;
  const subject: Subject = { artifact: pkg.dir, package: nameFromPath(pkg.via) ?? pkg.via, version: undefined };
  const finding: Finding = {
    code: 'ESEAL_EXTRA_FILE',
    severity: 'error',
    message: `${pkg.via}: a file loose in node_modules, no package's and in no manifest: expected only package folders, found a file that require() can load`,
    ...subject,
    file: pkg.via,
  };
  return judgeSubject(subject, [finding], []);
}

/**
 * One package folder, through the pipeline: its names and the rule covering them → identity
 * (aliases, the lockfile's version) → its embedded seal, or policy for a package without one →
 * its files on disk against the sealed manifest → its result.
 */
async function verifyPackage(run: InstalledRun, pkg: InstalledPackage): Promise<Outcome> {
  const coverage = coverageOf(run, pkg);
  const subject: Subject = { artifact: pkg.dir, package: coverage.name, version: pkg.version };
  const identity = identityFindings(run, pkg, coverage);
  if (pkg.unreadable) {
    const finding: Finding = {
      code: 'ESEAL_MALFORMED',
      severity: 'error',
      message: pkg.unreadable,
      ...subject,
      file: 'package.json',
    };
    return judgeSubject({ ...subject, artifact: pkg.linkOnly ? pkg.via : pkg.dir }, [...identity, finding], []);
  }
  const manifest = readEmbeddedManifest(pkg.dir);
  if (pkg.linkOnly) return judgeLink(pkg, subject, coverage, identity, manifest !== undefined);
  if (!manifest) return judgeUnsealed(run, pkg, subject, coverage, identity);
  if (!pkg.name || !pkg.version) {
    const finding: Finding = {
      code: 'ESEAL_MALFORMED',
      severity: 'error',
      message: `${pkg.via}: expected a package.json with a name and a version, found ${pkg.name ? 'no version' : 'no name'}`,
      ...subject,
      file: 'package.json',
    };
    // Still judged against the lockfile and its folder names (identity), which need no seal.
    return judgeSubject(subject, [...identity, finding], []);
  }
  const named = pkg as NamedPackage;
  // The worker parses the manifest and compares the files on disk with it while this thread
  // checks the signatures over the same bytes.
  const examined = run.hasher.examine(pkg.dir, manifest);
  const seal = await checkEmbeddedSeal(run, named, manifest, examined.then(parsedIdentity));
  const files = compareWithDisk(run, named, await examined, subject);
  return judgeSubject(subject, [...identity, ...seal.findings, ...files], seal.signers);
}

/**
 * Every name the package answers to is judged (trust's coveringRequirement): the one `require`
 * resolves (its path, and its real folder's in a store layout) and the one its package.json
 * claims. Judging only the claim let an unsealed package posing as `left-pad` sit at
 * `node_modules/@acme/widget`. A folder without package.json is judged under its path's name:
 * Node loads its index.js.
 */
function coverageOf(run: InstalledRun, pkg: InstalledPackage): CoveringRequirement {
  const pathNames = [...new Set([nameFromPath(pkg.via), nameFromPath(pkg.dir)])].filter((n): n is string => !!n);
  const names = { name: pkg.name ?? pathNames[0] ?? pkg.via, aliases: pathNames };
  return coveringRequirement(run.trust, names, pkg.version ?? '0.0.0', run.at);
}

/**
 * npm, pnpm and yarn install a package under its own name; only an `npm:` alias installs it
 * under another. A name policy covers must hold that very package: an alias of a covered name
 * is refused (aliasing under an uncovered name, `x` → `npm:@acme/widget@1`, is fine, and the
 * package is judged under its own name). And the version installed must be the one the
 * lockfile pins, sealed or not (a link's folder is checked once).
 */
function identityFindings(run: InstalledRun, pkg: InstalledPackage, coverage: CoveringRequirement): Finding[] {
  // A package.json without a name is judged too: its folders' names are all it answers to, and
  // one of them naming a covered package while another does not is the same disguise.
  const found = pkg.name ?? 'no name';
  const findings: Finding[] = coverage.coveredAliases.map((pathName) => ({
    code: 'ESEAL_IDENTITY',
    severity: 'error',
    message: `${pathName}@${pkg.version}: ${pkg.via} is installed under a name policy covers, but holds another package: expected ${pathName}, found ${found} in its package.json`,
    artifact: pkg.dir,
    package: pathName,
    version: pkg.version,
    file: 'package.json',
    expected: pathName,
    found,
  }));
  const locked = pkg.linkOnly ? undefined : checkLockedVersion(pkg, run.lockViews);
  return locked ? [...findings, locked] : findings;
}

/** Another link to a folder already verified: only the new name is news. */
function judgeLink(
  pkg: InstalledPackage,
  subject: Subject,
  coverage: CoveringRequirement,
  identity: Finding[],
  sealed: boolean,
): Outcome {
  const unsigned =
    !sealed && coverage.requirement.required
      ? unsignedFinding(coverage, subject, `${pkg.via} has no ${EMBEDDED_MANIFEST_PATH}`)
      : undefined;
  const findings = unsigned ? [...identity, unsigned] : identity;
  return findings.length > 0 ? judgeSubject({ ...subject, artifact: pkg.via }, findings, []) : undefined;
}

/**
 * A package without an embedded seal: nothing when a sealed ancestor's seal lists it (bundled);
 * else what policy makes of it unsealed, and ESEAL_DOWNGRADE when its registry seal is known.
 */
async function judgeUnsealed(
  run: InstalledRun,
  pkg: InstalledPackage,
  subject: Subject,
  coverage: CoveringRequirement,
  identity: Finding[],
): Promise<Outcome> {
  if (await run.isBundledInSealed(pkg.dir)) return undefined;
  const { name } = coverage;
  const why = pkg.name
    ? `${pkg.via} has no ${EMBEDDED_MANIFEST_PATH}${pkg.name !== name ? ` (its package.json says ${pkg.name})` : ''}`
    : `${pkg.via} has no package.json and no seal`;
  const unsigned = unsignedFinding(coverage, subject, why);
  const stripped =
    pkg.name && pkg.version
      ? await strippedSeal(run, { artifact: pkg.dir, package: name, version: pkg.version }, pkg.name, coverage.requirement)
      : undefined;
  const findings = [...identity, ...(unsigned ? [unsigned] : []), ...(stripped ? [stripped] : [])];
  return unsealedOutcome(subject, findings, pkg.version ? `${name}@${pkg.version}` : name);
}

/** ESEAL_DOWNGRADE when the registry seal of `name@version`, by a pinned key, is known but the installed copy has none. */
async function strippedSeal(
  run: InstalledRun,
  subject: { artifact: string; package: string; version: string },
  name: string,
  requirement: SealRequirement,
): Promise<Finding | undefined> {
  const known = await run.knownSeals(name, subject.version);
  if (!known) return undefined;
  const checked = await checkSeal({ ...known, trust: run.trust, expected: { name, version: subject.version }, at: run.at });
  const signer = checked.signers[0];
  return signer && downgradeFinding(subject, { version: subject.version, signer }, 'stripped', requirement);
}

/** What the worker's parse of the manifest gave, for the seal check: a bug on the worker fails the run. */
function parsedIdentity(examined: ExamineResponse): ParsedIdentity {
  if (examined.error !== undefined) throw new Error(`examining an installed package on a worker: ${examined.error}`);
  if (examined.malformed) return { error: fromPortable(examined.malformed) };
  if (!examined.identity) throw new Error('examining an installed package on a worker: no answer about its manifest');
  return examined.identity;
}

/** The seal check: the embedded manifest and signature, for the package its package.json names. */
async function checkEmbeddedSeal(
  run: InstalledRun,
  pkg: NamedPackage,
  manifest: Buffer,
  parsed: Promise<ParsedIdentity>,
): Promise<Omit<SealCheck, 'manifest'>> {
  const input = {
    trust: run.trust,
    manifest,
    signature: readEmbeddedSignature(pkg.dir)?.toString('utf8'),
    artifact: join(pkg.dir, EMBEDDED_MANIFEST_PATH),
    expected: { name: pkg.name, version: pkg.version },
    at: run.at,
    approvalsFrom: await run.approvalsFrom?.(pkg.name, pkg.version),
  };
  return checkSealParsedElsewhere(input, parsed);
}

/**
 * The files on disk against the manifest, as the worker compared them, within what the
 * package's install scripts may add or change (policy `installScripts`): the shared
 * file-comparison findings.
 */
function compareWithDisk(run: InstalledRun, pkg: NamedPackage, examined: ExamineResponse, subject: Subject): Finding[] {
  // A manifest that does not parse is the seal check's finding: there is nothing to compare with.
  if (!examined.identity) return [];
  if (examined.unreadable !== undefined)
    throw new SealError('ESEAL_CONFIG', `${pkg.dir}: cannot read the installed package (${examined.unreadable})`, {
      artifact: pkg.dir,
      package: pkg.name,
      version: pkg.version,
    });
  if (!examined.diff) {
    // A registry-style manifest (tarball digest only) says nothing about files on disk.
    return [
      {
        code: 'ESEAL_MALFORMED',
        severity: 'error',
        message: `${pkg.name}@${pkg.version}: the embedded manifest lists no files: expected "files", found only a tarball digest`,
        ...subject,
        file: EMBEDDED_MANIFEST_PATH,
      },
    ];
  }
  const allowance = installAllowance(run.trust, pkg.name);
  const { changed, missing, extra } = examined.diff;
  const diff: FileDiff = {
    changed: changed.filter((c) => !allowance.changes(c.path)),
    missing,
    extra: extra.filter((path) => !allowance.adds(path)),
  };
  return fileFindings(diff, subject, INSTALLED_FILES);
}

/**
 * The check for bundled dependencies and loose files: true when a sealed ancestor package,
 * whose seal verifies, lists this file or files under this folder (its bytes are in the
 * ancestor's tarball and are checked against the ancestor's seal). A folder's listing counts
 * only when its seal verifies against the pinned trust: an unsigned (or badly signed)
 * `.sealpack/manifest.json` at the project root, or in any folder, must excuse nothing. One
 * check per folder, however many files ask.
 */
function bundledInSealedCheck(trust: Trust, at: Date | undefined): (path: string) => Promise<boolean> {
  const listings = new Map<string, Promise<readonly string[]>>();
  const verifiedListing = (folder: string): Promise<readonly string[]> => {
    let listing = listings.get(folder);
    if (!listing) {
      listing = (async () => {
        try {
          const manifest = readEmbeddedManifest(folder);
          const signature = readEmbeddedSignature(folder)?.toString('utf8');
          if (!manifest || signature === undefined) return [];
          const seal = await checkSeal({ trust, manifest, signature, artifact: join(folder, EMBEDDED_MANIFEST_PATH), at });
          if (seal.findings.some((f) => f.severity === 'error')) return [];
          return (seal.manifest?.files ?? []).map((f) => f.path);
        } catch (error) {
          // The folder's own verification reports its unreadable seal.
          if (isSealError(error)) return [];
          throw error;
        }
      })();
      listings.set(folder, listing);
    }
    return listing;
  };
  return async (path) => {
    const marker = `${sep}node_modules${sep}`;
    for (let current = path; current.lastIndexOf(marker) > 0;) {
      const ancestor = current.slice(0, current.lastIndexOf(marker));
      const rel = relative(ancestor, path).split(sep).join('/');
      const listed = await verifiedListing(ancestor);
      if (listed.some((p) => p === rel || p.startsWith(`${rel}/`))) return true;
      current = ancestor;
    }
    return false;
  };
}
