import { basename } from 'node:path';
import { isSealError, mapLimit, silentLogger, type Finding, type Logger } from '@sealpack/diagnostics';
import {
  compareFiles,
  hashBytes,
  readDetachedSeal,
  type DetachedSeal,
  type Manifest,
  type TarballContents,
} from '@sealpack/manifest';
import type { Trust } from '@sealpack/trust';
import { fileFindings, TARBALL_FILES } from './file-findings.js';
import { readTarballContents, type TarballRead } from './hash-worker.js';
import type { Hasher } from './hasher.js';
import { readTarballs, type TarballReads } from './tarball-reads.js';
import { checkSeal, checkTarballSignature } from './seal.js';
import { judgeSubject, makeVerdict } from './verdict.js';
import type { SubjectResult, Verdict } from './verdict.types.js';

export interface VerifyTarballOptions {
  trust: Trust;
  /** Verify as of this moment (exceptions, key expiry warnings); default now. */
  at?: Date;
  logger?: Logger;
  /** Reads, inflates and hashes on these worker threads; without them, verifyTarballs starts its own for several tarballs. */
  hasher?: Hasher;
}

/** Compares the digests a manifest promises with what the tarball holds: its own, then the shared file-comparison findings. */
export function compareContents(
  manifest: Manifest,
  contents: TarballContents,
  subject: Omit<Finding, 'code' | 'severity' | 'message'>,
): Finding[] {
  const label = `${subject.package}@${subject.version}`;
  const findings: Finding[] = [];
  if (manifest.tarball) {
    const expected = manifest.tarball;
    const found = contents.tarball;
    if (expected.integrity !== found.integrity || expected.size !== found.size) {
      findings.push({
        code: 'ESEAL_INTEGRITY',
        severity: 'error',
        message: `${label}: the tarball differs from its manifest: expected ${expected.integrity} (${expected.size} bytes), found ${found.integrity} (${found.size} bytes)`,
        ...subject,
        expected: expected.integrity,
        found: found.integrity,
      });
    }
  }
  if (manifest.files) {
    const diff = compareFiles(manifest.files, contents.files);
    findings.push(...fileFindings({ ...diff, missing: diff.missing.map((path) => ({ path })) }, subject, TARBALL_FILES));
  }
  return findings;
}

type Subject = Pick<SubjectResult, 'artifact' | 'package' | 'version'>;

/** A tarball as read: its contents (a stand-in when it does not parse) and the package it says it is. */
interface TarballSubject {
  read: TarballRead;
  /** `X.tgz.manifest.json`, its `.asc` and `X.tgz.asc`, where they exist. */
  detached: DetachedSeal;
  contents: TarballContents;
  /** False when the tarball does not parse: no files to compare, no embedded seal to find. */
  parsed: boolean;
  subject: Subject;
  /** The package its package.json names, when it names both. */
  expected?: { name: string; version: string };
  /** ESEAL_MALFORMED: the tarball itself, or its package.json without a name and a version. */
  findings: Finding[];
}

/**
 * Verifies one tarball against its detached seal (`X.tgz.manifest.json` + `.asc`), or, when
 * it has none, against the seal embedded in it: the tarball as read → its seal → the seal
 * check → the tarball signature (`X.tgz.asc`) → the contents against the manifest → its
 * result. A tarball with no seal fails: it was asked to be verified and there is nothing to verify.
 */
export async function verifyTarball(tarball: string, options: VerifyTarballOptions): Promise<SubjectResult> {
  return judgeTarball(tarball, await (options.hasher?.readTarball(tarball) ?? readTarballContents(tarball)), options);
}

/** `verifyTarball` from the tarball as read. */
async function judgeTarball(tarball: string, read: TarballRead, options: VerifyTarballOptions): Promise<SubjectResult> {
  const source = tarballSubject(tarball, read, readDetachedSeal(tarball));
  const seal = sealOf(tarball, source);
  if (!seal) return judgeSubject(source.subject, [...source.findings, ...noSeal(tarball, source)], []);
  const checked = await checkSeal({ trust: options.trust, ...seal, expected: source.expected, at: options.at });
  // With no package.json to name the package, the seal's manifest does.
  const subject =
    checked.manifest && !source.expected
      ? { artifact: tarball, package: checked.manifest.name, version: checked.manifest.version }
      : source.subject;
  const { bytes } = source.read;
  const { detached } = source;
  const findings = [
    ...source.findings,
    ...misnamedFinding(tarball, source),
    ...checked.findings,
    ...(detached.tarballSignature
      ? await checkTarballSignature(options.trust, bytes, detached.tarballSignature, subject, options.at)
      : []),
  ];
  if (checked.manifest) {
    const manifest = source.parsed ? checked.manifest : { ...checked.manifest, files: undefined };
    findings.push(...compareContents(manifest, source.contents, subject));
  }
  return judgeSubject(subject, findings, checked.signers);
}

/** The subject source step: what was read, and the package the tarball's package.json names. */
function tarballSubject(tarball: string, read: TarballRead, detached: DetachedSeal): TarballSubject {
  const findings: Finding[] = [];
  // A tarball that does not parse is still compared with its detached seal: "the tarball differs
  // from what was signed" is the more useful finding next to "malformed".
  if (read.malformed) findings.push({ artifact: tarball, ...read.malformed.toFinding() });
  const contents: TarballContents = read.contents ?? { tarball: hashBytes(read.bytes), root: 'package', files: [] };
  const parsed = findings.length === 0;
  const name = contents.packageJson?.name;
  const version = contents.packageJson?.version;
  if (parsed && (!name || !version)) {
    findings.push({
      code: 'ESEAL_MALFORMED',
      severity: 'error',
      message: `${tarball}: expected ${contents.root}/package.json with a name and a version, found none`,
      artifact: tarball,
      file: 'package.json',
    });
  }
  const subject = { artifact: tarball, package: name, version };
  return { read, detached, contents, parsed, subject, ...(name && version ? { expected: { name, version } } : {}), findings };
}

/** The seal a tarball is checked against: its detached seal, else the one embedded in it. */
function sealOf(
  tarball: string,
  { detached, contents }: TarballSubject,
): { manifest: Uint8Array; signature: string | Uint8Array | undefined; artifact: string } | undefined {
  if (detached.manifest)
    return { manifest: detached.manifest, signature: detached.manifestSignature, artifact: `${tarball}.manifest.json` };
  const embedded = contents.embedded;
  if (!embedded) return undefined;
  return {
    manifest: embedded.manifest,
    signature: embedded.signature,
    artifact: `${tarball}!/${contents.root}/.sealpack/manifest.json`,
  };
}

/**
 * ESEAL_UNSIGNED for a tarball with no seal at all. A tarball that does not parse has no
 * embedded seal to find: "no seal" next to "malformed" would send the reader looking for a
 * seal that was never the problem.
 */
function noSeal(tarball: string, { parsed, subject }: TarballSubject): Finding[] {
  if (!parsed) return [];
  return [
    {
      code: 'ESEAL_UNSIGNED',
      severity: 'error',
      message: `${subject.package ?? tarball}@${subject.version ?? '?'}: no seal: expected ${tarball}.manifest.json or an embedded .sealpack/manifest.json, found neither`,
      ...subject,
    },
  ];
}

/** ESEAL_IDENTITY when the file is named for another version of the package its package.json names. */
function misnamedFinding(tarball: string, { expected, subject }: TarballSubject): Finding[] {
  const renamed = expected && misnamed(tarball, expected.name, expected.version);
  return renamed ? [{ code: 'ESEAL_IDENTITY', severity: 'error', ...subject, ...renamed }] : [];
}

/**
 * npm names a tarball `name-version.tgz` (`@scope/x` → `scope-x-1.0.0.tgz`). A file named for
 * this package but another version is a swapped (for example downgraded) tarball, even when
 * its own seal is genuine. Names that do not follow npm's form are not judged.
 */
function misnamed(tarball: string, name: string, version: string): Pick<Finding, 'message' | 'expected' | 'found'> | undefined {
  const stem = name.replace(/^@/, '').replace('/', '-');
  const expected = `${stem}-${version}.tgz`;
  const found = basename(tarball);
  if (found === expected || !found.startsWith(`${stem}-`) || !/^\d+\.\d+\.\d+/.test(found.slice(stem.length + 1)))
    return undefined;
  return {
    message: `${name}@${version}: the file is named for another version: expected ${expected}, found ${found}`,
    expected,
    found,
  };
}

export interface VerifyTarballsOptions extends VerifyTarballOptions {
  /** The tarballs' reads, when the caller started them (`readTarballs`, for these tarballs in this order); the caller closes them. */
  reads?: TarballReads;
}

// Tarballs in flight on this thread: while one waits for its read from a worker, another is
// judged (signature checks themselves are synchronous: aeb9471).
const CHECKS_IN_FLIGHT = 8;

/**
 * Verifies many tarballs: reading, inflating and hashing ahead on worker threads (for more than
 * one: a worker costs more to start than one tarball takes), signature checks on this thread.
 * One verdict, in a deterministic order.
 */
export async function verifyTarballs(tarballs: readonly string[], options: VerifyTarballsOptions): Promise<Verdict> {
  const logger = options.logger ?? silentLogger;
  const reads = options.reads ?? readTarballs(tarballs, { hasher: options.hasher });
  let done = 0;
  try {
    const subjects = await mapLimit(tarballs, CHECKS_IN_FLIGHT, async (tarball, index) => {
      // One tarball that cannot be read is its own finding, naming it: the rest are still verified.
      const result = await reads
        .take(index, tarball)
        .then((read) => judgeTarball(tarball, read, options))
        .catch((error: unknown) => {
          if (!isSealError(error)) throw error;
          return judgeSubject({ artifact: tarball }, [{ artifact: tarball, ...error.toFinding() }], []);
        });
      logger.progress?.(`verified ${++done}/${tarballs.length}`);
      return result;
    });
    return makeVerdict(subjects);
  } finally {
    if (reads !== options.reads) await reads.close();
  }
}
