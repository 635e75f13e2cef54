import { isSealError, type Finding } from '@sealpack/diagnostics';
import type { Manifest } from '@sealpack/manifest';
import { parseManifest } from '@sealpack/manifest/manifest';
import type { SignatureCheck } from '@sealpack/openpgp';
import { verifySignatures } from '@sealpack/openpgp/signature';
import type { SignerInfo, Trust } from '@sealpack/trust';
import { judgeSignatures, judgeTarballSignatures } from '@sealpack/trust/judgement';

export interface CheckSealInput {
  trust: Trust;
  /** The exact manifest bytes the signature covers. */
  manifest: Uint8Array;
  /** Armored, or binary as `gpg --detach-sign` writes it. */
  signature: string | Uint8Array | undefined;
  /** What the manifest is about, for messages. */
  artifact: string;
  /** The package the seal must be for (its package.json, the lockfile); absent when unreadable. */
  expected?: { name: string; version: string };
  at?: Date;
  /**
   * Another seal of the same version (the registry seal verify-lockfile cached) whose approval
   * signatures count for this one: the embedded seal cannot carry an approval of the bytes
   * that contain it. Only its approvals are taken, and only when it names the same package.
   */
  approvalsFrom?: { manifest: Uint8Array; signature: string; artifact: string };
}

export interface SealCheck {
  /** Present when the manifest parsed: callers compare digests against it. */
  manifest?: Manifest;
  findings: Finding[];
  signers: SignerInfo[];
}

const asFinding = (error: unknown, artifact: string): Finding => {
  if (isSealError(error)) return { artifact, ...error.toFinding() };
  throw error;
};

/**
 * Checks `X.tgz.asc`, the signature over the tarball bytes that gpg users check with
 * `gpg --verify X.tgz.asc X.tgz`: every signature in it is judged by the rules of a seal's
 * signatures (judgeTarballSignatures), and an unreadable file is malformed (gpg reports
 * nothing it can check). It is never the seal: the signed manifest decides which keys count
 * for the package; a signature in it by a key that is not pinned is a warning.
 */
export async function checkTarballSignature(
  trust: Trust,
  tarball: Uint8Array,
  signature: Uint8Array,
  subject: Pick<Finding, 'artifact' | 'package' | 'version'>,
  at?: Date,
): Promise<Finding[]> {
  const file = `${subject.artifact}.asc`;
  const label = `${subject.package ?? subject.artifact}@${subject.version ?? '?'}`;
  let checks: SignatureCheck[];
  try {
    checks = await verifySignatures(
      tarball,
      signature,
      trust.keys.map((k) => k.key),
      file,
    );
  } catch (error) {
    if (!isSealError(error)) throw error;
    return [{ ...error.toFinding(), message: `${label}: ${error.message}`, ...subject }];
  }
  // Packets OpenPGP.js cannot read (a version it does not know) give no check: a file of only
  // those would pass in silence (found by scripts/fuzz.mjs: one changed version byte).
  if (checks.length === 0) {
    const found = 'no signature packet sealpack can read';
    const message = `${label}: ${file}: expected an OpenPGP signature, found ${found}`;
    return [{ code: 'ESEAL_MALFORMED', severity: 'error', message, ...subject, expected: 'an OpenPGP signature', found }];
  }
  return judgeTarballSignatures({ trust, checks, file, subject, at });
}

/**
 * Checks a seal (manifest bytes + armored signatures) for `expected`: the manifest parses,
 * names the same package, and its signatures satisfy the pinned trust. Never throws for a
 * bad seal: every problem becomes a finding.
 */
export async function checkSeal(input: CheckSealInput): Promise<SealCheck> {
  let manifest: Manifest;
  try {
    manifest = parseManifest(input.manifest, input.artifact);
  } catch (error) {
    return unparsedSeal(input, error);
  }
  return { manifest, ...(await judgeSeal(input, manifest, await signatureChecks(input))) };
}

/** What parseManifest gave for the seal's bytes, where they were parsed elsewhere: the package it names, or why it does not parse. */
export type ParsedIdentity = { name: string; version: string } | { error: unknown };

/**
 * checkSeal for manifest bytes parsed elsewhere (a hash worker parses an installed package's
 * manifest from the very bytes given here, while this thread checks their signatures): the
 * same findings checkSeal gives, without the parsed manifest.
 */
export async function checkSealParsedElsewhere(
  input: CheckSealInput,
  parsed: Promise<ParsedIdentity>,
): Promise<Omit<SealCheck, 'manifest'>> {
  // Started before waiting for the parse: never reported when the manifest does not parse.
  const checks = signatureChecks(input);
  const identity = await parsed;
  if ('error' in identity) return unparsedSeal(input, identity.error);
  return judgeSeal(input, identity, await checks);
}

/** A manifest that does not parse: that one finding, nothing checked. */
function unparsedSeal(input: CheckSealInput, error: unknown): SealCheck {
  const about = input.expected && { package: input.expected.name, version: input.expected.version };
  return { findings: [{ ...asFinding(error, input.artifact), ...about }], signers: [] };
}

/** The seal's signature checks, or what verifySignatures threw (judged as a finding); undefined when unsigned. */
async function signatureChecks(input: CheckSealInput): Promise<{ checks: SignatureCheck[] } | { error: unknown } | undefined> {
  if (input.signature === undefined) return undefined;
  try {
    const checks = await verifySignatures(
      input.manifest,
      input.signature,
      input.trust.keys.map((k) => k.key),
      `${input.artifact}.asc`,
    );
    return { checks };
  } catch (error) {
    return { error };
  }
}

/** The findings and signers of a parsed seal naming `manifest`'s package, from its signature checks. */
async function judgeSeal(
  input: CheckSealInput,
  manifest: { name: string; version: string },
  signatures: Awaited<ReturnType<typeof signatureChecks>>,
): Promise<Omit<SealCheck, 'manifest'>> {
  const { trust, artifact } = input;
  const expected = input.expected ?? { name: manifest.name, version: manifest.version };
  const label = `${expected.name}@${expected.version}`;
  const subject = { artifact, package: expected.name, version: expected.version };
  const findings: Finding[] = [];
  if (manifest.name !== expected.name || manifest.version !== expected.version) {
    findings.push({
      code: 'ESEAL_IDENTITY',
      severity: 'error',
      message: `${label}: the manifest is for another package: expected ${label}, found ${manifest.name}@${manifest.version}`,
      ...subject,
      expected: label,
      found: `${manifest.name}@${manifest.version}`,
    });
  }
  if (signatures === undefined) {
    findings.push({
      code: 'ESEAL_UNSIGNED',
      severity: 'error',
      message: `${label}: the manifest has no signature: expected ${artifact}.asc, found none`,
      ...subject,
    });
    return { findings, signers: [] };
  }
  try {
    if ('error' in signatures) throw signatures.error;
    const { checks } = signatures;
    const approvals = input.approvalsFrom ? await approvalChecks(input.approvalsFrom, trust, expected, checks.length) : [];
    const judgement = judgeSignatures({
      trust,
      name: expected.name,
      version: expected.version,
      checks: [...checks, ...approvals],
      artifact,
      at: input.at,
    });
    findings.push(...judgement.findings);
    return { findings, signers: judgement.signers };
  } catch (error) {
    findings.push({ ...asFinding(error, artifact), ...subject });
    return { findings, signers: [] };
  }
}

/** The approval signatures of another seal of `expected`, numbered after the seal's own; none when it is for another package. */
async function approvalChecks(
  seal: NonNullable<CheckSealInput['approvalsFrom']>,
  trust: Trust,
  expected: { name: string; version: string },
  offset: number,
) {
  let manifest: Manifest;
  try {
    manifest = parseManifest(seal.manifest, seal.artifact);
  } catch {
    return [];
  }
  if (manifest.name !== expected.name || manifest.version !== expected.version) return [];
  const checks = await verifySignatures(
    seal.manifest,
    seal.signature,
    trust.keys.map((k) => k.key),
    `${seal.artifact}.asc`,
  ).catch(() => []);
  return checks.filter((c) => c.approval).map((c, i) => ({ ...c, index: offset + i }));
}
