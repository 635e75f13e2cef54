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
import { EMBEDDED_MANIFEST_PATH, EMBEDDED_SIGNATURE_PATH, type Manifest } from '@sealpack/manifest';
import { coveringRequirement, installAllowance, type InstallAllowance, type SealRequirement, type Trust } from '@sealpack/trust';
import { cachedRegistrySeals, type RegistrySealLookup } from './approvals.js';
import { downgradeFinding } from './downgrade.js';
import { bundledPrefixes, isInBundle } from './files.js';
import { checkBinEntry } from './bin.js';
import { findInstalledPackages, nameFromPath, workspaceFolders, type InstalledPackage } from './layout.js';
import { createHasher, type InspectResponse } from './hasher.js';
import { checkLockedVersion, readLockViews } from './lock-identity.js';
import { forEachLimit } from './limit.js';
import { checkSeal } from './seal.js';
import { unsignedFinding, unsignedSummary } from './unsigned.js';
import { judgeSubject, makeVerdict } from './verdict.js';
import type { SubjectResult, Verdict } from './verdict.types.js';

export interface VerifyInstalledOptions {
  trust: Trust;
  /** Verify as of this moment (exceptions, revocations, expiry); default now. */
  at?: Date;
  /** Packages in flight; default `DEFAULT_INSTALLED_CONCURRENCY`. */
  concurrency?: number;
  /** Hashing worker threads; default one per core (`DEFAULT_HASH_WORKERS`). */
  workers?: number;
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

const NESTED_BIN = /(^|\/)node_modules\/\.bin\/[^/]+$/;

/** The embedded seal's own files: they cannot list themselves, and are checked by the signature. */
const SEAL_FILES = new Set([EMBEDDED_MANIFEST_PATH, EMBEDDED_SIGNATURE_PATH]);

/**
 * Compares an installed package's files on disk with its manifest, from what a worker found
 * (`inspection`: the folder's entries and the digests of the paths the manifest lists): every
 * listed file must match unless the package's install scripts may change it, and every file
 * the manifest does not list is an extra unless they may add it (policy `installScripts`).
 */
function compareInstalledFiles(
  manifest: Manifest,
  inspection: InspectResponse,
  paths: readonly string[],
  subject: Subject,
  allowance: InstallAllowance,
): Finding[] {
  const label = `${subject.package}@${subject.version}`;
  const listed = manifest.files ?? [];
  const bundled = bundledPrefixes(listed.map((f) => f.path));
  const onDisk = new Map(inspection.entries);
  const digests = new Map(paths.map((path, i) => [path, inspection.results[i] ?? null]));
  const findings: Finding[] = [];
  const hashed = listed.map((want) => {
    const kind = onDisk.get(want.path);
    // A link where the manifest lists a file is a finding, never followed.
    if (kind === 'other') return { want, found: { integrity: 'not a regular file', size: -1 } };
    const result = digests.get(want.path);
    // Removed while we looked: as missing as can be.
    if (!result || ('error' in result && result.error === 'ENOENT')) return { want, found: undefined };
    if ('error' in result) return { want, found: { integrity: `unreadable (${result.error})`, size: -1 } };
    return { want, found: result };
  });
  for (const { want, found } of hashed) {
    if (!found) {
      findings.push({
        code: 'ESEAL_MISSING_FILE',
        severity: 'error',
        message: `${label}: ${want.path} is in the manifest but not installed`,
        ...subject,
        file: want.path,
        expected: want.integrity,
      });
    } else if ((found.integrity !== want.integrity || found.size !== want.size) && !allowance.changes(want.path)) {
      findings.push({
        code: 'ESEAL_INTEGRITY',
        severity: 'error',
        message: `${label}: ${want.path} differs from the manifest: expected ${want.integrity} (${want.size} bytes), found ${found.integrity} (${found.size} bytes)`,
        ...subject,
        file: want.path,
        rule: 'installScripts',
        expected: want.integrity,
        found: found.integrity,
      });
    }
  }
  const listedPaths = new Set(listed.map((f) => f.path));
  for (const path of [...onDisk.keys()].sort()) {
    if (listedPaths.has(path) || SEAL_FILES.has(path)) continue;
    // The command links npm makes in the package's own and its bundled dependencies' `.bin`
    // folders: links to a file this seal lists, or into a nested package verified on its own.
    // Files under the package's own node_modules belong to other packages, unless bundled; the
    // command links npm writes in bundled dependencies' `.bin` folders are judged by the tree
    // walk, as every `.bin` entry is (`checkBinEntry`).
    if (path.startsWith('node_modules/') && (!isInBundle(path, bundled) || NESTED_BIN.test(path))) continue;
    if (allowance.adds(path)) continue;
    findings.push({
      code: 'ESEAL_EXTRA_FILE',
      severity: 'error',
      message: `${label}: ${path} is installed but not in the manifest`,
      ...subject,
      file: path,
      rule: 'installScripts',
    });
  }
  return findings;
}

/**
 * Verifies an installed tree (npm, pnpm, yarn node-modules layouts) against the seals embedded
 * in its packages: signatures against the pinned trust, identity against each package.json,
 * every file's digest, missing and extra files. Packages without a seal: `ESEAL_UNSIGNED` when
 * a trust rule covers them, else the `unsigned` policy (warn: one summary warning).
 */
export async function verifyInstalled(dir: string, options: VerifyInstalledOptions): Promise<Verdict> {
  const { trust, at } = options;
  const logger = options.logger ?? silentLogger;
  const concurrency = options.concurrency ?? DEFAULT_INSTALLED_CONCURRENCY;
  const hasher = createHasher(options.workers);
  const approvalsNeeded = trust.policy.trust.some((rule) => rule.approvals > 0);
  // Registry seals verify-lockfile cached: approvals, and the seal an installed copy should still carry.
  const knownSeals = options.registrySeals ?? cachedRegistrySeals(dir);
  const registrySeals = approvalsNeeded ? knownSeals : undefined;
  /** ESEAL_DOWNGRADE when the registry seal of `name@version`, by a pinned key, is known but the installed copy has none. */
  const strippedSeal = async (
    subject: { artifact: string; package: string; version: string },
    name: string,
    requirement: SealRequirement,
  ): Promise<Finding | undefined> => {
    const known = await knownSeals(name, subject.version);
    if (!known) return undefined;
    const checked = await checkSeal({ ...known, trust, expected: { name, version: subject.version }, at });
    const signer = checked.signers[0];
    return signer && downgradeFinding(subject, { version: subject.version, signer }, 'stripped', requirement);
  };
  const subjects: SubjectResult[] = [];
  const unsignedAllowed: string[] = [];
  let seen = 0;
  // A declared workspace package is the consumer's source; a link anywhere else is judged.
  const rootReal = existsSync(dir) ? realpathSync.native(dir) : dir;
  const workspaces = await workspaceFolders(rootReal);
  const lockViews = readLockViews(rootReal);

  // The files a folder's seal lists, only when that seal verifies against the pinned trust:
  // an unsigned (or badly signed) `.sealpack/manifest.json` at the project root, or in any
  // folder, must excuse nothing. One check per folder, however many files ask.
  const verifiedListings = new Map<string, Promise<readonly string[]>>();
  const verifiedListing = (folder: string): Promise<readonly string[]> => {
    let listing = verifiedListings.get(folder);
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
      verifiedListings.set(folder, listing);
    }
    return listing;
  };
  /**
   * True when a sealed ancestor package, whose seal verifies, lists this file or files under this
   * folder: a bundled dependency, whose bytes are in the ancestor's tarball and are checked
   * against the ancestor's seal.
   */
  const isBundledInSealed = async (path: string): Promise<boolean> => {
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

  const verifyOne = async (pkg: InstalledPackage): Promise<void> => {
    if (pkg.bin) {
      // What `npx NAME` and package scripts run: a link or shim into an installed package.
      const problem = checkBinEntry(pkg.dir, rootReal, workspaces);
      if (!problem) return;
      const subject: Subject = { artifact: pkg.dir, package: pkg.via, version: undefined };
      const finding: Finding = {
        code: 'ESEAL_EXTRA_FILE',
        severity: 'error',
        message: `${pkg.via}: a command no package's seal covers: expected a link or a command shim into an installed package, found one that ${problem}`,
        ...subject,
        file: pkg.via,
      };
      subjects.push(judgeSubject(subject, [finding], []));
      return;
    }
    if (pkg.loose) {
      // Node resolves `require('a')` to `node_modules/a.js` before the folder `a`: loose code
      // there shadows a package, sealed or not. Tool files (`.package-lock.json`…) start with a dot.
      if (await isBundledInSealed(pkg.dir)) return;
      const subject: Subject = { artifact: pkg.dir, package: nameFromPath(pkg.via) ?? pkg.via, version: undefined };
      const finding: Finding = {
        code: 'ESEAL_EXTRA_FILE',
        severity: 'error',
        message: `${pkg.via}: a file loose in node_modules, no package's and in no manifest: expected only package folders, found a file that require() can load`,
        ...subject,
        file: pkg.via,
      };
      subjects.push(judgeSubject(subject, [finding], []));
      return;
    }
    // Every name the package answers to is judged: the one `require` resolves (its path, and
    // its real folder's in a store layout) and the one its package.json claims. Judging only
    // the claim let an unsealed package posing as `left-pad` sit at `node_modules/@acme/widget`.
    const pathNames = [...new Set([nameFromPath(pkg.via), nameFromPath(pkg.dir)])].filter((n): n is string => !!n);
    // A folder without package.json is judged under its path's name: Node loads its index.js.
    const coverage = coveringRequirement(
      trust,
      { name: pkg.name ?? pathNames[0] ?? pkg.via, aliases: pathNames },
      pkg.version ?? '0.0.0',
      at,
    );
    const { name } = coverage;
    const subject: Subject = { artifact: pkg.dir, package: name, version: pkg.version };
    // npm, pnpm and yarn install a package under its own name; only an `npm:` alias installs it
    // under another. A name policy covers must hold that very package: an alias of a covered
    // name is refused (aliasing under an uncovered name, `x` → `npm:@acme/widget@1`, is fine,
    // and the package is judged under its own name).
    const identity: Finding[] = [];
    for (const pathName of pkg.name ? coverage.coveredAliases : []) {
      identity.push({
        code: 'ESEAL_IDENTITY',
        severity: 'error',
        message: `${pathName}@${pkg.version}: ${pkg.via} is installed under a name policy covers, but holds another package: expected ${pathName}, found ${pkg.name} in its package.json`,
        artifact: pkg.dir,
        package: pathName,
        version: pkg.version,
        file: 'package.json',
        expected: pathName,
        found: pkg.name,
      });
    }
    // The version installed must be the one the lockfile pins, sealed or not (a link's folder is checked once).
    const locked = pkg.linkOnly ? undefined : checkLockedVersion(pkg, lockViews);
    if (locked) identity.push(locked);
    if (pkg.unreadable) {
      const finding: Finding = {
        code: 'ESEAL_MALFORMED',
        severity: 'error',
        message: pkg.unreadable,
        ...subject,
        file: 'package.json',
      };
      subjects.push(judgeSubject({ ...subject, artifact: pkg.linkOnly ? pkg.via : pkg.dir }, [...identity, finding], []));
      return;
    }
    const manifestBytes = readEmbeddedManifest(pkg.dir);
    if (pkg.linkOnly) {
      // Another link to a folder already verified: only the new name is news.
      const unsigned =
        !manifestBytes && coverage.requirement.required
          ? unsignedFinding(coverage, subject, `${pkg.via} has no ${EMBEDDED_MANIFEST_PATH}`)
          : undefined;
      const findings = unsigned ? [...identity, unsigned] : identity;
      if (findings.length > 0) subjects.push(judgeSubject({ ...subject, artifact: pkg.via }, findings, []));
      return;
    }
    if (!manifestBytes) {
      if (await isBundledInSealed(pkg.dir)) return;
      const why = pkg.name
        ? `${pkg.via} has no ${EMBEDDED_MANIFEST_PATH}${pkg.name !== name ? ` (its package.json says ${pkg.name})` : ''}`
        : `${pkg.via} has no package.json and no seal`;
      const finding = unsignedFinding(coverage, subject, why);
      const stripped =
        pkg.name && pkg.version
          ? await strippedSeal({ artifact: pkg.dir, package: name, version: pkg.version }, pkg.name, coverage.requirement)
          : undefined;
      const findings = [...identity, ...(finding ? [finding] : []), ...(stripped ? [stripped] : [])];
      if (findings.length > 0) subjects.push(judgeSubject(subject, findings, []));
      else unsignedAllowed.push(pkg.version ? `${name}@${pkg.version}` : name);
      return;
    }
    if (!pkg.name || !pkg.version) {
      const finding: Finding = {
        code: 'ESEAL_MALFORMED',
        severity: 'error',
        message: `${pkg.via}: expected a package.json with a name and a version, found ${pkg.name ? 'no version' : 'no name'}`,
        ...subject,
        file: 'package.json',
      };
      subjects.push(judgeSubject(subject, [finding], []));
      return;
    }
    const signature = readEmbeddedSignature(pkg.dir)?.toString('utf8');
    const seal = await checkSeal({
      trust,
      manifest: manifestBytes,
      signature,
      artifact: join(pkg.dir, EMBEDDED_MANIFEST_PATH),
      expected: { name: pkg.name, version: pkg.version },
      at,
      approvalsFrom: await registrySeals?.(pkg.name, pkg.version),
    });
    const findings = [...identity, ...seal.findings];
    const listed = seal.manifest?.files;
    if (seal.manifest && !listed) {
      // A registry-style manifest (tarball digest only) says nothing about files on disk.
      findings.push({
        code: 'ESEAL_MALFORMED',
        severity: 'error',
        message: `${pkg.name}@${pkg.version}: the embedded manifest lists no files: expected "files", found only a tarball digest`,
        ...subject,
        file: EMBEDDED_MANIFEST_PATH,
      });
    } else if (seal.manifest && listed) {
      // Hashed on a worker: with many packages in flight, one package's files are hashed
      // while the main thread checks the next one's signature.
      const paths = listed.map((f) => f.path);
      const found = await hasher.inspect(
        pkg.dir,
        paths,
        listed.map((f) => f.size),
      );
      if (found.error)
        throw new SealError('ESEAL_CONFIG', `${pkg.dir}: cannot read the installed package (${found.error})`, {
          artifact: pkg.dir,
          package: pkg.name,
          version: pkg.version,
        });
      findings.push(...compareInstalledFiles(seal.manifest, found, paths, subject, installAllowance(trust, pkg.name)));
    }
    subjects.push(judgeSubject(subject, findings, seal.signers));
  };

  // A folder with nothing installed would pass with "0 checked": most likely the wrong folder.
  if (!existsSync(join(dir, 'node_modules'))) {
    throw new SealError('ESEAL_CONFIG', `${dir}: nothing installed: expected ${join(dir, 'node_modules')}, found none`, {
      artifact: dir,
    });
  }
  // Packages in flight are bounded: each holds its manifest and file list, nothing more.
  let shown = 0;
  try {
    await forEachLimit(findInstalledPackages(dir, workspaces), concurrency, async (pkg) => {
      try {
        await verifyOne(pkg);
      } catch (error) {
        // One package that cannot be read (a FIFO or a folder where its seal should be) is that
        // package's finding, naming the path; the rest of the tree is still verified.
        if (!isSealError(error)) throw error;
        const subject: Subject = {
          artifact: pkg.dir,
          package: pkg.name ?? nameFromPath(pkg.via) ?? pkg.via,
          version: pkg.version,
        };
        subjects.push(judgeSubject(subject, [{ ...subject, ...error.toFinding() }], []));
      }
      seen++;
      // A terminal redraw per package would cost more than some packages take to verify.
      if (logger.progress && Date.now() - shown > 100) {
        shown = Date.now();
        logger.progress(`sealpack: verified ${seen} installed packages`);
      }
    });
  } finally {
    await hasher.close();
  }
  const extra = unsignedSummary(trust, unsignedAllowed, 'installed');
  return makeVerdict(subjects, extra ? [extra] : [], { unsealed: unsignedAllowed.length });
}
