import { compareFindings, type Finding } from '@sealpack/diagnostics';
import type { SignerInfo } from '@sealpack/trust';
import type { SubjectResult, Verdict } from './verdict.types.js';

const hasError = (findings: readonly Finding[]) => findings.some((f) => f.severity === 'error');

/** A subject's result from its findings: any error fails it. */
export function judgeSubject(
  subject: Pick<SubjectResult, 'artifact' | 'package' | 'version'>,
  findings: Finding[],
  signers: SignerInfo[],
): SubjectResult {
  const sorted = [...findings].sort(compareFindings);
  return { ...subject, status: hasError(sorted) ? 'fail' : 'pass', signers, findings: sorted };
}

/** Same subjects in any order give the same verdict: subjects sort by artifact, findings by `compareFindings`. */
export function makeVerdict(subjects: SubjectResult[], extra: Finding[] = [], counts: { unsealed?: number } = {}): Verdict {
  const sorted = [...subjects].sort((a, b) => (a.artifact < b.artifact ? -1 : a.artifact > b.artifact ? 1 : 0));
  const findings = [...extra, ...sorted.flatMap((s) => s.findings)].sort(compareFindings);
  const count = (status: SubjectResult['status']) => sorted.filter((s) => s.status === status).length;
  return {
    ok: !hasError(findings),
    subjects: sorted,
    findings,
    summary: {
      checked: sorted.length,
      passed: count('pass'),
      failed: count('fail'),
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warning').length,
      ...(counts.unsealed === undefined ? {} : { unsealed: counts.unsealed }),
    },
  };
}

/**
 * The exit code a verdict gets, decided here only: 0 passed (warnings allowed); 2 when every
 * error says something could not be checked (a registry unreachable or refusing, a
 * configuration problem) and nothing was found wrong, so CI can retry an outage rather than
 * page someone about an attack; otherwise 1.
 */
export function exitCodeOf(verdict: Pick<Verdict, 'ok' | 'findings'>): 0 | 1 | 2 {
  if (verdict.ok) return 0;
  const errors = verdict.findings.filter((f) => f.severity === 'error');
  return errors.every((f) => UNCHECKED.has(f.code)) ? 2 : 1;
}

const UNCHECKED: ReadonlySet<Finding['code']> = new Set(['ESEAL_REGISTRY', 'ESEAL_CONFIG']);
