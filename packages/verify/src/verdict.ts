import { compareFindings, type Finding } from '@sealpack/diagnostics';
import type { SignerInfo, Trust } from '@sealpack/trust';
import { unsignedSummary } from './unsigned.js';
import type { SubjectResult, Verdict } from './verdict.types.js';

type Subject = Pick<SubjectResult, 'artifact' | 'package' | 'version'>;

/**
 * What verifying one subject comes to: its result; `passedUnsealed`, the label of a package
 * without a seal that policy lets through (`unsigned: warn | allow`, an exception), counted once
 * by the unsigned summary; or nothing to report (a link to a folder verified on its own, a
 * bundled dependency its ancestor's seal covers).
 */
export type Outcome = SubjectResult | { passedUnsealed: string } | undefined;

const hasError = (findings: readonly Finding[]) => findings.some((f) => f.severity === 'error');

/** A subject's result from its findings: any error fails it. */
export function judgeSubject(subject: Subject, findings: Finding[], signers: SignerInfo[]): SubjectResult {
  const sorted = [...findings].sort(compareFindings);
  return { ...subject, status: hasError(sorted) ? 'fail' : 'pass', signers, findings: sorted };
}

/** An unsealed subject: judged when anything was found, else one more package the unsigned summary counts. */
export function unsealedOutcome(subject: Subject, findings: Finding[], label: string): Outcome {
  return findings.length > 0 ? judgeSubject(subject, findings, []) : { passedUnsealed: label };
}

/** The verdict of a run over many subjects, with the `unsigned: warn` summary of those that passed unsealed. */
export function verdictOf(trust: Trust, outcomes: readonly Outcome[], where: 'installed' | 'locked'): Verdict {
  const subjects: SubjectResult[] = [];
  const unsealed: string[] = [];
  for (const outcome of outcomes) {
    if (outcome === undefined) continue;
    if ('passedUnsealed' in outcome) unsealed.push(outcome.passedUnsealed);
    else subjects.push(outcome);
  }
  const summary = unsignedSummary(trust, unsealed, where);
  return makeVerdict(subjects, summary ? [summary] : [], { unsealed: unsealed.length });
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
