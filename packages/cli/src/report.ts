import type { Finding } from '@sealpack/diagnostics';
import type { Verdict } from '@sealpack/verify';
import { exitCodeOf } from '@sealpack/verify/verdict';
import type { Context } from './main.js';
import { verdictFacts } from './facts.js';
import { hintFor } from './hints.js';
import { jsonDocument, type JsonReport } from './tool.js';

const hintOf = (finding: Finding) => hintFor(finding.code, finding.found);

/** A finding as --json documents show it: with its hint. */
export const withHint = (finding: Finding) => ({ ...finding, hint: hintOf(finding) });

/**
 * A command's --json document (`{tool, ok, exitCode, …}`, tool.ts): to the run's wrapper, which
 * prints exactly one per run (main.ts), or straight to stdout when a command runs on its own.
 */
export function printJson(context: Pick<Context, 'out' | 'report'>, report: JsonReport): void {
  if (context.report) context.report(report);
  else context.out(jsonDocument(report));
}

/**
 * Prints a verdict and returns its exit code (`exitCodeOf`). With `json`, one JSON document
 * on stdout: the tool, the exit code, every subject and finding, each finding with its hint,
 * and when nothing could be checked (exit 2) the `error` that says why, as a thrown error's has.
 */
export function printVerdict(verdict: Verdict, options: { json?: boolean; title: string }, context: Context): number {
  const exitCode = exitCodeOf(verdict);
  context.record?.(...verdictFacts(verdict));
  if (options.json) {
    const first = verdict.findings.find((f) => f.severity === 'error');
    const { ok, ...rest } = verdict;
    printJson(context, {
      ok,
      exitCode,
      ...(exitCode === 2 && first ? { error: { code: first.code, message: first.message, hint: hintOf(first) } } : {}),
      ...rest,
      subjects: verdict.subjects.map((s) => ({ ...s, findings: s.findings.map(withHint) })),
      findings: verdict.findings.map(withHint),
    });
    return exitCode;
  }
  const rolledUp = rollUpRevocations(verdict.findings);
  for (const subject of verdict.subjects) {
    // A package that fails only for a revoked key is named on its key's line instead.
    if (subject.findings.length > 0 && subject.findings.every((f) => rolledUp.covered.has(f))) continue;
    const label = subject.package ? `${subject.package}@${subject.version}` : subject.artifact;
    const signers = subject.signers.map((s) => `${s.keyName} (${s.fingerprint})`).join(', ');
    const mark = subject.status === 'pass' ? 'ok  ' : 'FAIL';
    context.out(`${mark} ${label}${signers ? ` signed by ${signers}` : ''}`);
  }
  const seenHints = new Set<string>();
  const hint = (finding: Finding) => {
    const text = hintOf(finding);
    if (finding.severity !== 'error' || seenHints.has(text)) return;
    seenHints.add(text);
    context.out(`  hint: ${text}`);
  };
  for (const finding of verdict.findings) {
    if (rolledUp.covered.has(finding)) continue;
    context.out(formatFinding(finding));
    hint(finding);
  }
  for (const { line, finding } of rolledUp.lines) {
    context.out(line);
    hint(finding);
  }
  const { checked, passed, failed, warnings, unsealed } = verdict.summary;
  const outcome = verdict.ok ? 'verified' : exitCode === 2 ? 'NOT CHECKED' : 'FAILED';
  context.out(
    `${options.title}: ${outcome}: ${checked} checked, ${passed} passed, ${failed} failed` +
      (unsealed === undefined ? '' : `, ${unsealed} unsealed`) +
      (warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''),
  );
  return exitCode;
}

/**
 * Revocation findings, one line per key and severity instead of one per package: a revoked
 * release key fails every package it signed, and a hundred identical lines hide the rest.
 */
function rollUpRevocations(findings: readonly Finding[]) {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.code !== 'ESEAL_KEY_REVOKED' || !f.fingerprint) continue;
    const key = `${f.severity} ${f.fingerprint} ${f.found ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const covered = new Set<Finding>();
  const lines: { line: string; finding: Finding }[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    for (const f of group) covered.add(f);
    const first = group[0]!;
    const labels = group.map((f) => (f.version ? `${f.package}@${f.version}` : (f.package ?? f.artifact ?? '')));
    const shown = labels.slice(0, 5).join(', ') + (labels.length > 5 ? `, and ${labels.length - 5} more` : '');
    const key = first.keyName ? `${first.keyName} (${first.fingerprint})` : first.fingerprint;
    lines.push({
      line: `${first.severity} ${first.code}: key ${key} ${first.found ?? 'revoked'}: ${group.length} packages signed by it: ${shown}`,
      finding: first,
    });
  }
  return { covered, lines };
}

export function formatFinding(finding: Finding): string {
  const where = [finding.keyName && `key ${finding.keyName}`, finding.fingerprint, finding.rule && `rule ${finding.rule}`]
    .filter(Boolean)
    .join(', ');
  return `${finding.severity} ${finding.code}: ${finding.message}${where ? ` [${where}]` : ''}`;
}
