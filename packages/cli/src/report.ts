import type { Finding } from '@sealpack/diagnostics';
import type { Verdict } from '@sealpack/verify';
import type { Context } from './main.js';
import { hintFor } from './hints.js';

/** Prints a verdict (one JSON document with `json`) and returns the exit code: 0 pass, 1 fail. */
export function printVerdict(verdict: Verdict, options: { json?: boolean; title: string }, context: Context): number {
  if (options.json) {
    context.out(JSON.stringify(verdict, null, 2));
    return verdict.ok ? 0 : 1;
  }
  for (const subject of verdict.subjects) {
    const label = subject.package ? `${subject.package}@${subject.version}` : subject.artifact;
    const signers = subject.signers.map((s) => `${s.keyName} (${s.fingerprint})`).join(', ');
    const mark = subject.status === 'pass' ? 'ok  ' : 'FAIL';
    context.err(`${mark} ${label}${signers ? ` signed by ${signers}` : ''}`);
  }
  const seenHints = new Set<string>();
  for (const finding of verdict.findings) {
    context.err(formatFinding(finding));
    if (finding.severity === 'error' && !seenHints.has(finding.code)) {
      seenHints.add(finding.code);
      context.err(`  hint: ${hintFor(finding.code)}`);
    }
  }
  const { checked, passed, failed, warnings } = verdict.summary;
  const outcome = verdict.ok ? 'verified' : 'FAILED';
  context.err(
    `${options.title}: ${outcome}: ${checked} checked, ${passed} passed, ${failed} failed` +
      (warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''),
  );
  return verdict.ok ? 0 : 1;
}

export function formatFinding(finding: Finding): string {
  const where = [finding.keyName && `key ${finding.keyName}`, finding.fingerprint, finding.rule && `rule ${finding.rule}`]
    .filter(Boolean)
    .join(', ');
  return `${finding.severity} ${finding.code}: ${finding.message}${where ? ` [${where}]` : ''}`;
}
