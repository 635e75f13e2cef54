import type { Finding } from '@sealpack/diagnostics';
import type { CoveringRequirement, Trust } from '@sealpack/trust';

type Subject = { artifact: string; package?: string; version?: string };

/**
 * The finding for a package that has no seal, or none when policy lets it be, as
 * `coveringRequirement` decided: an explicit trust rule covering it makes the seal mandatory;
 * otherwise an exception excuses it, `unsigned: deny` refuses it and `warn`/`allow` let it pass
 * (warn is reported once, by `unsignedSummary`).
 */
export function unsignedFinding(
  { unsealed, requirement }: Pick<CoveringRequirement, 'unsealed' | 'requirement'>,
  subject: Subject,
  why: string,
): Finding | undefined {
  const label = subject.version ? `${subject.package}@${subject.version}` : (subject.package ?? subject.artifact);
  if (unsealed === 'required') {
    return {
      code: 'ESEAL_UNSIGNED',
      severity: 'error',
      message: `${label}: no seal where policy requires one (${requirement.rule ?? 'trust'}): expected a seal, found none: ${why}`,
      ...subject,
      rule: requirement.rule,
      expected: 'a seal',
      found: 'none',
    };
  }
  if (unsealed === 'deny') {
    return {
      code: 'ESEAL_UNSIGNED',
      severity: 'error',
      message: `${label}: no seal, and policy refuses unsigned packages (unsigned: deny): ${why}`,
      ...subject,
      rule: 'unsigned',
      expected: 'a seal',
      found: 'none',
    };
  }
  return undefined;
}

/**
 * One warning for every unsigned package policy lets through under `unsigned: warn` — a
 * count and a few names, not a line per package, which would bury the findings that matter.
 */
export function unsignedSummary(trust: Trust, labels: string[], where: string): Finding | undefined {
  if (trust.policy.unsigned !== 'warn' || labels.length === 0) return undefined;
  const sorted = [...labels].sort();
  const shown = sorted.slice(0, 5).join(', ') + (sorted.length > 5 ? `, and ${sorted.length - 5} more` : '');
  return {
    code: 'ESEAL_UNSIGNED',
    severity: 'warning',
    message: `${sorted.length} ${where} package${sorted.length === 1 ? ' has' : 's have'} no seal and no trust rule requiring one (unsigned: warn): ${shown}`,
    rule: 'unsigned',
    found: String(sorted.length),
  };
}
