import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { silentLogger, type Finding, type Logger } from '@sealpack/diagnostics';
import { EMBEDDED_MANIFEST_PATH, EMBEDDED_SIGNATURE_PATH, hashFile, type Manifest } from '@sealpack/manifest';
import { sealRequirement, type Trust } from '@sealpack/trust';
import { bundledPrefixes, isInBundle, listPackageFiles } from './files.js';
import { findInstalledPackages, type InstalledPackage } from './layout.js';
import { createLimiter, forEachLimit, type Limiter } from './limit.js';
import { DEFAULT_CONCURRENCY } from './pool.js';
import { checkSeal } from './seal.js';
import { unsignedFinding, unsignedSummary } from './unsigned.js';
import { judgeSubject, makeVerdict } from './verdict.js';
import type { SubjectResult, Verdict } from './verdict.types.js';

export interface VerifyInstalledOptions {
  trust: Trust;
  /** Verify as of this moment (exceptions, revocations, expiry); default now. */
  at?: Date;
  /** Files hashed at once (and packages in flight); default `DEFAULT_CONCURRENCY`. */
  concurrency?: number;
  logger?: Logger;
}

type Subject = Pick<SubjectResult, 'artifact' | 'package' | 'version'>;

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** The embedded seal's own files: they cannot list themselves, and are checked by the signature. */
const SEAL_FILES = new Set([EMBEDDED_MANIFEST_PATH, EMBEDDED_SIGNATURE_PATH]);

/**
 * Compares an installed package's files on disk with its manifest: every listed file is hashed
 * (streamed, through the shared `limit`), and every file on disk the manifest does not list is
 * an extra unless `extraFiles` allows it.
 */
async function compareInstalledFiles(
  pkg: InstalledPackage,
  manifest: Manifest,
  subject: Subject,
  allowExtra: (path: string) => boolean,
  limit: Limiter,
): Promise<Finding[]> {
  const label = `${subject.package}@${subject.version}`;
  const listed = manifest.files ?? [];
  const bundled = bundledPrefixes(listed.map((f) => f.path));
  const onDisk = await listPackageFiles(pkg.dir, bundled);
  const findings: Finding[] = [];
  const hashed = await Promise.all(
    listed.map((want) =>
      limit(async () => {
        const kind = onDisk.get(want.path);
        if (kind === undefined) return { want, found: undefined };
        if (kind === 'other') return { want, found: { integrity: 'not a regular file', size: -1 } };
        try {
          return { want, found: await hashFile(join(pkg.dir, want.path)) };
        } catch (error) {
          // Removed while we looked: as missing as can be.
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { want, found: undefined };
          throw error;
        }
      }),
    ),
  );
  for (const { want, found } of hashed) {
    if (!found) {
      findings.push({ code: 'ESEAL_MISSING_FILE', severity: 'error', message: `${label}: ${want.path} is in the manifest but not installed`, ...subject, file: want.path, expected: want.integrity });
    } else if (found.integrity !== want.integrity || found.size !== want.size) {
      findings.push({
        code: 'ESEAL_INTEGRITY',
        severity: 'error',
        message: `${label}: ${want.path} differs from the manifest: expected ${want.integrity} (${want.size} bytes), found ${found.integrity} (${found.size} bytes)`,
        ...subject,
        file: want.path,
        expected: want.integrity,
        found: found.integrity,
      });
    }
  }
  const listedPaths = new Set(listed.map((f) => f.path));
  for (const path of [...onDisk.keys()].sort()) {
    if (listedPaths.has(path) || SEAL_FILES.has(path)) continue;
    // Files under the package's own node_modules belong to other packages, unless bundled.
    if (path.startsWith('node_modules/') && !isInBundle(path, bundled)) continue;
    if (allowExtra(path)) continue;
    findings.push({ code: 'ESEAL_EXTRA_FILE', severity: 'error', message: `${label}: ${path} is installed but not in the manifest`, ...subject, file: path, rule: 'extraFiles' });
  }
  return findings;
}

/**
 * True when a sealed ancestor package lists files under this folder: a bundled dependency,
 * whose bytes are in the ancestor's tarball and are checked against the ancestor's seal.
 */
async function isBundledInSealed(dir: string): Promise<boolean> {
  const marker = `${sep}node_modules${sep}`;
  for (let current = dir; current.lastIndexOf(marker) > 0; ) {
    const ancestor = current.slice(0, current.lastIndexOf(marker));
    const bytes = await readOptional(join(ancestor, EMBEDDED_MANIFEST_PATH));
    if (bytes) {
      const prefix = `${relative(ancestor, dir).split(sep).join('/')}/`;
      try {
        const manifest = JSON.parse(bytes.toString('utf8')) as { files?: { path?: unknown }[] };
        if (manifest.files?.some((f) => typeof f.path === 'string' && f.path.startsWith(prefix))) return true;
      } catch {
        // The ancestor's own verification reports its unreadable manifest.
      }
    }
    current = ancestor;
  }
  return false;
}

/** Folder name of an installed package from how it was reached: `node_modules/@a/b` → `@a/b`. */
function nameFromPath(via: string): string {
  const parts = via.split('/');
  const at = parts.lastIndexOf('node_modules');
  const rest = parts.slice(at + 1);
  return rest[0]?.startsWith('@') ? rest.slice(0, 2).join('/') : (rest[0] ?? via);
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
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const limit = createLimiter(concurrency);
  const isExtraAllowed = trust.policy.extraFiles.length > 0 ? picomatch(trust.policy.extraFiles, { dot: true }) : () => false;
  const subjects: SubjectResult[] = [];
  const unsignedAllowed: string[] = [];
  let seen = 0;

  const verifyOne = async (pkg: InstalledPackage): Promise<void> => {
    const name = pkg.name ?? nameFromPath(pkg.via);
    const subject: Subject = { artifact: pkg.dir, package: name, version: pkg.version };
    const manifestBytes = await readOptional(join(pkg.dir, EMBEDDED_MANIFEST_PATH));
    if (!manifestBytes) {
      if (await isBundledInSealed(pkg.dir)) return;
      const requirement = sealRequirement(trust, name, pkg.version ?? '0.0.0', at);
      const finding = unsignedFinding(trust, requirement, subject, `${pkg.via} has no ${EMBEDDED_MANIFEST_PATH}`);
      if (finding) subjects.push(judgeSubject(subject, [finding], []));
      else unsignedAllowed.push(`${name}@${pkg.version}`);
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
    const signature = (await readOptional(join(pkg.dir, EMBEDDED_SIGNATURE_PATH)))?.toString('utf8');
    const seal = await checkSeal({
      trust,
      manifest: manifestBytes,
      signature,
      artifact: join(pkg.dir, EMBEDDED_MANIFEST_PATH),
      expected: { name: pkg.name, version: pkg.version },
      at,
    });
    const findings = [...seal.findings];
    if (seal.manifest) findings.push(...(await compareInstalledFiles(pkg, seal.manifest, subject, isExtraAllowed, limit)));
    subjects.push(judgeSubject(subject, findings, seal.signers));
  };

  // Packages in flight are bounded too: each holds its manifest and file list, nothing more.
  await forEachLimit(findInstalledPackages(dir), Math.max(2, Math.ceil(concurrency / 4)), async (pkg) => {
    await verifyOne(pkg);
    logger.progress?.(`sealpack: verified ${++seen} installed packages`);
  });
  const extra = unsignedSummary(trust, unsignedAllowed, 'installed');
  return makeVerdict(subjects, extra ? [extra] : []);
}
