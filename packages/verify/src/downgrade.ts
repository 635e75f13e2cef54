import lt from 'semver/functions/lt.js';
import rcompare from 'semver/functions/rcompare.js';
import valid from 'semver/functions/valid.js';
import type { Finding } from '@sealpack/diagnostics';
import type { SealRequirement, SignerInfo, Trust } from '@sealpack/trust';
import type { VersionSeal } from './cache.js';
import { checkSeal } from './seal.js';

/** An earlier version of a package that a pinned key sealed: the registry's own memory. */
export interface SealedBefore {
  version: string;
  signer: SignerInfo;
}

/**
 * The newest version below `version` whose registry seal verifies by a pinned key, or
 * undefined. The registry's history is the memory (as pnpm's `trustPolicy: no-downgrade` uses
 * provenance): no server, no rule written by hand. Versions are compared by semver, so a
 * lower version published later does not hide the history of the higher ones.
 */
export async function findSealedBefore(input: {
  trust: Trust;
  name: string;
  /** Undefined: any version counts (a package now from git or a file, which has no place in the registry's order). */
  version: string | undefined;
  versions: ReadonlyMap<string, VersionSeal>;
  at?: Date;
}): Promise<SealedBefore | undefined> {
  const { trust, name, version, versions, at } = input;
  if (version !== undefined && !valid(version)) return undefined;
  const earlier = [...versions.entries()]
    .filter(([v, seal]) => seal.sealpack && valid(v) && (version === undefined || lt(v, version)))
    .sort(([a], [b]) => rcompare(a, b));
  for (const [v, seal] of earlier) {
    const checked = await checkSeal({
      trust,
      manifest: Buffer.from(seal.sealpack!.manifest, 'utf8'),
      signature: seal.sealpack!.signature,
      artifact: `${name}@${v}`,
      expected: { name, version: v },
      at,
    });
    const signer = checked.signers[0];
    if (signer) return { version: v, signer };
  }
  return undefined;
}

/**
 * `ESEAL_DOWNGRADE` for `name@version`, which carries no seal by a pinned key (`found`) while
 * `before` did. An exception in force for the version makes it a warning (it must expire).
 */
export function downgradeFinding(
  subject: { artifact: string; package: string; version: string },
  before: SealedBefore,
  found: 'unsealed' | 'no pinned signer' | 'stripped',
  requirement: Pick<SealRequirement, 'exception'>,
): Finding {
  const label = `${subject.package}@${subject.version}`;
  const what = {
    unsealed: 'the registry has no seal for it',
    'no pinned signer': 'its seal is by no pinned key',
    stripped: 'its registry seal is known, but the installed copy has none',
  }[found];
  const exception = requirement.exception;
  const note = exception
    ? ` (allowed by the exception for ${exception.package} until ${exception.expires.toISOString()}: ${exception.reason})`
    : '';
  const earlier =
    found === 'stripped' ? '' : `, while ${subject.package}@${before.version} was sealed by ${before.signer.keyName}`;
  return {
    code: 'ESEAL_DOWNGRADE',
    severity: exception ? 'warning' : 'error',
    message: `${label}: ${what}${earlier}: expected a seal by a pinned key, found ${found === 'stripped' ? 'none installed' : found}${note}`,
    ...subject,
    fingerprint: before.signer.fingerprint,
    keyName: before.signer.keyName,
    rule: 'downgrade',
    expected: 'a seal by a pinned key',
    found,
  };
}
