import { resolve } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import {
  computeMetrics,
  findAnomalies,
  parseEntry,
  readLedger,
  renderHtml,
  renderMarkdown,
  verifyLedger,
  writeCheckpoint,
  type LedgerEvent,
  type LedgerReport,
} from '@sealpack/ledger';
import { writeFileAtomic } from '@sealpack/sign';
import { loadTrust, type Trust } from '@sealpack/trust';
import { formatFinding, printJson, withHint } from '../report.js';
import type { Context } from '../main.js';
import { loadSigner } from '../options.js';

/** `sealpack audit verify | report | checkpoint`: the ledger's own checks and reports. */
export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const action = String(args[0] ?? '');
  if (!['verify', 'report', 'checkpoint'].includes(action)) {
    throw new SealError('ESEAL_CONFIG', `audit: expected verify, report or checkpoint, found ${action || 'nothing'}`);
  }
  const trust = await loadTrust({ cwd: context.cwd, configFile: options.config as string | undefined });
  for (const warning of trust.warnings) context.logger.warn(warning);
  const dir = trust.policy.ledger.path;
  const log = await readLedger(dir);
  if (log.lines.length === 0 && !log.torn && action !== 'checkpoint') {
    throw new SealError('ESEAL_CONFIG', `no ledger entries in ${log.file}: set \`ledger\` in the policy, or create ${dir}`, {
      artifact: log.file,
    });
  }
  if (action === 'verify') return verify(dir, trust, options, context);
  if (action === 'checkpoint') return checkpoint(dir, trust, options, context);
  return report(dir, trust, options, context);
}

async function audit(dir: string, trust: Trust, checkpoint?: string) {
  return verifyLedger(dir, { keys: trust.keys, revocations: trust.revocations, checkpoint });
}

async function verify(dir: string, trust: Trust, options: Record<string, unknown>, context: Context): Promise<number> {
  const checkpoint = typeof options.checkpoint === 'string' ? resolve(context.cwd, options.checkpoint) : undefined;
  const result = await audit(dir, trust, checkpoint);
  if (options.json === true) {
    const { ok, ...rest } = result;
    printJson(context, { ok, exitCode: ok ? 0 : 1, ledger: dir, ...rest, findings: rest.findings.map(withHint) });
  } else {
    for (const finding of result.findings) context.out(formatFinding(finding));
    context.out(
      `sealpack audit verify: ${result.ok ? 'verified' : 'FAILED'}: ${result.size} entries, root ${result.root}` +
        (result.proof ? `, consistent with ${checkpoint} (tree size ${result.proof.from})` : ''),
    );
  }
  return result.ok ? 0 : 1;
}

// A checkpoint vouches for the log as it is: a log that fails its checks is not signed.
async function checkpoint(dir: string, trust: Trust, options: Record<string, unknown>, context: Context): Promise<number> {
  const signer = await loadSigner(options, context);
  const result = await audit(dir, trust);
  if (!result.ok) {
    for (const finding of result.findings) context.out(formatFinding(finding));
    context.out('sealpack audit checkpoint: the ledger fails its checks; no checkpoint was signed');
    if (options.json === true)
      printJson(context, { ok: false, exitCode: 1, ledger: dir, findings: result.findings.map(withHint) });
    return 1;
  }
  const written = await writeCheckpoint(dir, signer, { origin: String(options.origin ?? 'sealpack ledger') });
  if (options.json === true)
    printJson(context, { ok: true, exitCode: 0, file: written.file, size: written.size, root: written.root.toString('base64') });
  context.out(written.file);
  context.out(`sealpack audit checkpoint: signed tree size ${written.size}, root ${written.root.toString('base64')}`);
  return 0;
}

async function report(dir: string, trust: Trust, options: Record<string, unknown>, context: Context): Promise<number> {
  const result = await audit(dir, trust);
  const events = (await readLedger(dir)).lines.map((l) => parseEntry(l.bytes)).filter((e): e is LedgerEvent => e !== undefined);
  const data: LedgerReport = {
    generated: new Date().toISOString(),
    ledger: dir,
    integrity: {
      ok: result.ok,
      size: result.size,
      root: result.root,
      problems: result.findings.filter((f) => f.severity === 'error').map((f) => f.message),
    },
    metrics: computeMetrics(events),
    anomalies: findAnomalies(events, { signingWindow: trust.policy.alerts.signingWindow }),
  };
  if (typeof options.html === 'string') {
    const file = resolve(context.cwd, options.html);
    await writeFileAtomic(file, renderHtml(data));
    // With --json or --markdown, stdout holds that document alone: the note goes beside it.
    const note = options.json === true || options.markdown === true ? context.logger.info : context.out;
    note(`sealpack audit report: wrote ${file}`);
  }
  if (options.json === true)
    printJson(context, { ok: result.ok, exitCode: result.ok ? 0 : 1, ...data, findings: result.findings.map(withHint) });
  else if (options.markdown === true || typeof options.html !== 'string') context.out(renderMarkdown(data));
  // A report of a ledger that fails its checks says so, and so does the exit code.
  return result.ok ? 0 : 1;
}
