import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import { writeFileAtomic } from '@sealpack/sign';
import { loadTrust, planKeyUpdate, type KeyUpdatePlan } from '@sealpack/trust';
import type { Context } from '../main.js';
import { requirePaths } from '../options.js';
import { printJson } from '../report.js';

/**
 * `sealpack keys update FILE…` (consumer): pins a successor key its pinned predecessors
 * certified, records revocations the pinned keys made of themselves, and prints the change for
 * the pull request that commits it. All or nothing: any refusal leaves every file untouched.
 */
export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const files = requirePaths(args, 'key or revocation file', context);
  const trust = await loadTrust({ cwd: context.cwd, configFile: options.config as string | undefined });
  for (const warning of trust.warnings) context.logger.warn(warning);
  const inputs = await Promise.all(
    files.map(async (file) => {
      try {
        return { file, data: new Uint8Array(await readFile(file)) };
      } catch (error) {
        throw new SealError('ESEAL_CONFIG', `${file}: cannot be read (${(error as NodeJS.ErrnoException).code})`, {
          cause: error,
        });
      }
    }),
  );
  const plan = await planKeyUpdate(trust, inputs, { ...(typeof options.name === 'string' ? { name: options.name } : {}) });
  for (const warning of plan.warnings) context.logger.warn(warning);
  const dryRun = options.dryRun === true;
  // Stricter first: a run stopped half-way has recorded the revocation before pinning the successor.
  if (!dryRun) for (const write of plan.writes) await writeFileAtomic(write.file, write.text);
  if (options.json === true) printJson(context, { ok: true, exitCode: 0, dryRun, ...summaryOf(plan, context.cwd) });
  else for (const line of describePlan(plan, context.cwd, dryRun)) context.out(line);
  return 0;
}

const shown = (file: string, cwd: string): string => {
  const path = relative(cwd, file);
  return path.startsWith('..') ? file : path;
};
const day = (date: Date | null): string => (date ? date.toISOString().replace(/\.000Z$/, 'Z') : 'never');

function summaryOf(plan: KeyUpdatePlan, cwd: string) {
  return {
    keys: plan.keys.map((k) => ({
      name: k.name,
      file: shown(k.file, cwd),
      fingerprint: k.key.fingerprint,
      algorithm: k.key.algorithm,
      created: k.key.created,
      expires: k.key.expires,
      userIds: k.key.userIds,
      certifiedBy: k.certifiedBy,
    })),
    revocations: plan.revocations.map((r) => ({ keyName: r.keyName, ...r.entry })),
    rules: plan.rules,
    manual: plan.manual,
    written: plan.writes.map((w) => shown(w.file, cwd)),
  };
}

/** The change as a reviewer reads it in a pull request: one diff-like block per file. */
export function describePlan(plan: KeyUpdatePlan, cwd: string, dryRun = false): string[] {
  const lines = [
    `sealpack keys update: ${dryRun ? 'would change' : 'changed'} ${plan.writes.length} file(s); review before merging`,
  ];
  for (const key of plan.keys) {
    lines.push('', `+++ ${shown(key.file, cwd)} (new pinned key "${key.name}")`);
    lines.push(`+ fingerprint  ${key.key.fingerprint}`);
    lines.push(`+ algorithm    ${key.key.algorithm}${key.key.bits ? ` ${key.key.bits} bits` : ''} (v${key.key.version})`);
    lines.push(`+ created      ${day(key.key.created)}`, `+ expires      ${day(key.key.expires)}`);
    for (const userId of key.key.userIds) lines.push(`+ user ID      ${userId}`);
    for (const c of key.certifiedBy) lines.push(`+ certified by ${c.name} (${c.fingerprint}) on ${day(c.created)}`);
  }
  if (plan.revocations.length > 0) {
    const file = shown(plan.writes.find((w) => w.kind === 'revocations')!.file, cwd);
    lines.push('', `--- ${file}`, `+++ ${file}`);
    for (const r of plan.revocations) {
      lines.push(`+ ${JSON.stringify(r.entry)}`);
      const hard = r.entry.reason === 'compromised' || r.entry.reason === 'unspecified';
      lines.push(
        hard
          ? `  ${r.keyName}: every signature it made fails from now on, whatever its date`
          : `  ${r.keyName}: signatures made before ${r.entry.date} keep verifying; later ones fail`,
      );
    }
  }
  if (plan.rules.length > 0) {
    const file = shown(plan.writes.find((w) => w.kind === 'config')!.file, cwd);
    lines.push('', `--- ${file}`, `+++ ${file}`);
    for (const r of plan.rules) lines.push(`~ ${r.path}: + "${r.added}" (beside ${r.beside.join(', ')})`);
  }
  for (const r of plan.manual)
    lines.push('', `to do by hand: add "${r.added}" to ${r.path} (beside ${r.beside.join(', ')}): the config is not JSON`);
  for (const warning of plan.warnings) lines.push('', `note: ${warning}`);
  return lines;
}
