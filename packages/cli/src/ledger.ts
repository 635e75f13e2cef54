// Appends a run to the audit ledger. Called by the command wrapper (main.ts) for the
// commands in LEDGERED, after the command has decided its exit code: nothing here can
// change a verdict or an exit code; a ledger that cannot be written is a warning.
import { resolve } from 'node:path';
import type { SealCode } from '@sealpack/diagnostics';
import type { EventFacts } from '@sealpack/ledger';
import type { Policy } from '@sealpack/trust';
import type { Context } from './main.js';
import { TOOL } from './tool.js';

/** The commands whose runs are recorded (DESIGN.md, "The ledger"). */
export const LEDGERED: ReadonlySet<string> = new Set([
  'sign',
  'seal',
  'approve',
  'pack',
  'publish',
  'verify',
  'verify-installed',
  'verify-lockfile',
]);

export interface FinishedRun {
  command: string;
  /** Positional arguments, for a command that recorded no facts of its own. */
  args: string[];
  exitCode: number;
  options: Record<string, unknown>;
  facts: EventFacts[];
  error?: { code: SealCode | string };
  started: Date;
  durationMs: number;
  /** The policy the command loaded, when it got that far: the same search, not done twice. */
  policy?: Policy;
}

/**
 * DECISION: a run is recorded only where the policy names a ledger (`ledger`) or the
 * default folder (.sealpack/ledger) exists: a repository opts in by creating it. The
 * policy is the one the command's own trust comes from (the working directory, `--config`).
 */
export async function recordInLedger(run: FinishedRun, context: Context): Promise<void> {
  let policy: Policy;
  try {
    policy = await policyOf(run, context);
  } catch (error) {
    // A run that already failed (on this same policy, usually) has said what is wrong with it.
    if (!run.error) context.logger.warn(`ledger: this run was not recorded: ${(error as Error).message}`);
    return;
  }
  if (!policy.ledger.enabled) return;
  try {
    const { recordRun } = await import('@sealpack/ledger');
    const facts = run.facts.length > 0 || run.error ? run.facts : fallbackFacts(run, context.cwd);
    const wanted = facts.some((f) => f.keys?.length);
    const { readKeyring } = await import('@sealpack/trust');
    const pinned = wanted ? ((await readKeyring(policy.keyring).catch(() => undefined))?.keys ?? []) : [];
    const result = await recordRun(
      policy.ledger.path,
      {
        command: run.command,
        facts,
        ...(run.error ? { error: run.error } : {}),
        started: run.started,
        durationMs: run.durationMs,
        env: context.env,
        tool: `${TOOL.name}@${TOOL.version}`,
        describeKey: (fingerprint) => {
          const found = pinned.find((k) => k.key.fingerprint === fingerprint);
          return found ? { name: found.name, algorithm: algorithmOf(found.key) } : undefined;
        },
      },
      { alerts: policy.alerts },
    );
    if (result.repaired > 0) context.logger.warn(`ledger: removed a torn last line (${result.repaired} bytes) before appending`);
    for (const failed of result.alerts?.failed ?? []) {
      context.logger.warn(`ledger: alert not delivered to alerts.webhook (${failed.reason}): ${failed.alert.text}`);
    }
  } catch (error) {
    context.logger.warn(`ledger: this run was not recorded: ${(error as Error).message}`);
  }
}

/** The policy the command loaded, or the same search again (for a run that failed before it got that far). */
async function policyOf(run: FinishedRun, context: Context): Promise<Policy> {
  if (run.policy) return run.policy;
  const { loadPolicy } = await import('@sealpack/trust');
  const configFile = typeof run.options.config === 'string' ? run.options.config : undefined;
  return (await loadPolicy({ cwd: context.cwd, configFile })).policy;
}

/**
 * A ledgered command that finished without telling the ledger anything still leaves a trace:
 * one entry per positional argument (or one for the run), its outcome from the exit code.
 */
function fallbackFacts(run: FinishedRun, cwd: string): EventFacts[] {
  const outcome = run.exitCode === 0 ? 'ok' : run.exitCode === 1 ? 'fail' : 'error';
  return run.args.length > 0 ? run.args.map((arg) => ({ outcome, artifact: resolve(cwd, arg) })) : [{ outcome }];
}

function algorithmOf(key: { algorithm: string; bits?: number }): string {
  return key.algorithm === 'rsa' && key.bits ? `rsa${key.bits}` : key.algorithm;
}
