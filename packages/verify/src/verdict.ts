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
export function makeVerdict(subjects: SubjectResult[], extra: Finding[] = []): Verdict {
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
    },
  };
}
