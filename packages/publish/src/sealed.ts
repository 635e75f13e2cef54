import { SealError, type Finding } from '@sealpack/diagnostics';
import { readDetachedSeal, sealPaths, type TarballContents } from '@sealpack/manifest';
import type { Signer } from '@sealpack/openpgp';
import { findRevocation, type Trust } from '@sealpack/trust';

// How many signers and approvals a release needs is the consumer's rule, met by appending
// signatures to the detached and registry seals (the embedded seal cannot carry an approval of
// the bytes that contain it): a publisher's own check reports it but does not stop the publish.
const CONSUMER_RULES: ReadonlySet<Finding['code']> = new Set(['ESEAL_THRESHOLD', 'ESEAL_APPROVAL']);
export const blocks = (finding: Finding): boolean => finding.severity === 'error' && !CONSUMER_RULES.has(finding.code);

const errorOf = (finding: Finding): SealError => {
  const { code, message, severity: _severity, ...info } = finding;
  return new SealError(code, message, info);
};

/**
 * Before a tarball sealed in another job (`sealpack pack`, `seal` or `sign`) is published:
 * its detached seal (`X.tgz.manifest.json` + `.asc`) and its embedded seal, when it has
 * one, must match its bytes, and their signatures must satisfy the publisher's own pinned
 * trust. Without a pinned keyring
 * the tarball is refused: digests alone accept a tarball re-sealed by anyone's key, and the
 * release key would then sign dist.sealpack over it.
 * Throws the first problem as a SealError; returns warnings.
 */
export async function checkSealedTarball(
  tarball: string,
  contents: TarballContents,
  trust: Trust | undefined,
): Promise<string[]> {
  const name = contents.packageJson?.name ?? '';
  const version = contents.packageJson?.version ?? '';
  const label = `${name}@${version}`;
  const subject = { artifact: tarball, package: name, version };
  if (!trust || trust.keys.length === 0) {
    throw new SealError(
      'ESEAL_CONFIG',
      `${label}: publishing a tarball needs a pinned keyring to check its signatures: expected keys in .sealpack/keys, found none; nothing was published`,
      {
        ...subject,
        details: [
          'hint: pin the release key (`sealpack init --consumer --key RELEASE.pub.asc`, or copy it to .sealpack/keys/NAME.asc) where `sealpack publish X.tgz` runs',
        ],
      },
    );
  }
  const paths = sealPaths(tarball);
  const { manifest: detached, manifestSignature: detachedSignature } = readDetachedSeal(tarball);
  if (!detached || !detachedSignature) {
    throw new SealError(
      'ESEAL_UNSIGNED',
      `${label}: expected the detached seal ${paths.manifest} and its .asc beside the tarball, found ${detached ? 'no .asc' : 'none'}`,
      {
        ...subject,
        details: ['seal it first: `sealpack seal X.tgz` (embedded and detached seal) or `sealpack pack`'],
      },
    );
  }
  const seals: { bytes: Buffer; signature: string | Uint8Array | undefined; artifact: string }[] = [
    { bytes: detached, signature: detachedSignature, artifact: paths.manifest },
  ];
  const warnings: string[] = [];
  // A tarball sealed with `sign` alone is published (its detached seal is checked), but its
  // installed files carry no seal for verify-installed to check: say so.
  if (contents.embedded) {
    seals.unshift({
      bytes: contents.embedded.manifest,
      signature: contents.embedded.signature,
      artifact: `${tarball}!/${contents.root}/.sealpack/manifest.json`,
    });
  } else {
    warnings.push(
      `${label}: ${tarball} has no embedded seal (sealed with \`sealpack sign\`): consumers can check the tarball and the registry seal, but \`verify-installed\` finds nothing to check; \`sealpack seal\` embeds one`,
    );
  }
  // Loaded only here: the verifier is not needed to publish what this process just sealed.
  const { checkSeal, compareContents } = await import('@sealpack/verify');
  for (const seal of seals) {
    const findings: Finding[] = [];
    const check = await checkSeal({
      trust,
      manifest: seal.bytes,
      signature: seal.signature,
      artifact: seal.artifact,
      expected: { name, version },
    });
    findings.push(...check.findings);
    if (check.manifest) findings.push(...compareContents(check.manifest, contents, { ...subject, artifact: seal.artifact }));
    const error = findings.find(blocks);
    if (error) throw errorOf(error);
    warnings.push(...findings.map((f) => f.message));
  }
  return warnings;
}

/**
 * Refuses to sign with a key the publisher's own revocation list (or a revocation inside a
 * pinned key file) revokes: every signature it made now would fail for consumers.
 */
export function checkSignerNotRevoked(signer: Signer, trust: Trust | undefined, now = new Date()): void {
  // A signature made now: trust's own rule (hard whatever the date, soft from its date on).
  const revocation = findRevocation([signer.fingerprint], now, trust?.revocations ?? []);
  if (revocation) {
    const date = revocation.date.toISOString().slice(0, 10);
    throw new SealError(
      'ESEAL_KEY_REVOKED',
      `signing key ${signer.fingerprint} is revoked (${revocation.reason}, ${date}): expected a valid key, found a revoked one; nothing was published`,
      {
        fingerprint: signer.fingerprint,
        expected: 'a signing key that is not revoked',
        found: `revoked: ${revocation.reason} on ${date}`,
      },
    );
  }
}

/** When the publisher pins its own signing key, a fresh seal must pass its own policy (scope, expiry, algorithms). */
export async function checkOwnSeal(
  seal: { manifest: Buffer; signature: string },
  signer: Signer,
  trust: Trust | undefined,
  expected: { name: string; version: string },
): Promise<void> {
  if (!trust || !trust.keys.some((k) => k.key.fingerprint.toUpperCase() === signer.fingerprint.toUpperCase())) return;
  const { checkSeal } = await import('@sealpack/verify');
  const check = await checkSeal({
    trust,
    manifest: seal.manifest,
    signature: seal.signature,
    artifact: 'registry seal',
    expected,
  });
  const error = check.findings.find(blocks);
  if (error) throw errorOf(error);
}
