import { isSealError, INPUT_CODES, SealError, type Logger } from '@sealpack/diagnostics';
import type { EventFacts } from '@sealpack/ledger';
import type { Policy } from '@sealpack/trust';
import { hidePrivateKeys, REFUSED } from './arguments.js';
import { hintFor } from './hints.js';
import { LEDGERED, recordInLedger } from './ledger.js';
import { jsonDocument, type JsonReport } from './tool.js';

export interface Context {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The report: verdict lines, findings, summaries, what was written, a failed run's diagnostic (or the --json document). */
  out: (text: string) => void;
  /** Not the report: usage errors, internal errors, and the human diagnostic beside a --json document. */
  err: (text: string) => void;
  /** Progress, notes and warnings from the libraries: stderr. */
  logger: Logger;
  /**
   * With --json, takes the run's one document (report.ts printJson): the wrapper prints it, or an
   * error's document instead, once the run is over; the command's human lines go to stderr meanwhile.
   */
  report?: (report: JsonReport) => void;
  /** Tells the audit ledger what the command did (one fact per subject); the wrapper appends them. */
  record?: (...facts: EventFacts[]) => void;
  /** Hands the wrapper the policy the command loaded, so the ledger does not search for it again. */
  usePolicy?: (policy: Policy) => void;
}

/** A command module: maps positional arguments and flags to library calls; returns the exit code. */
export interface CommandModule {
  run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number>;
}

/** Loads a command's module; `command` is the command's name (bin.ts sets it). */
export type CommandLoader = (() => Promise<CommandModule>) & { command?: string };

// A reader that stops early (`sealpack verify … | head -2`) closes the pipe: the writes that
// follow fail with EPIPE, which Node raises as an 'error' event, a crash with a stack trace when
// nobody listens. Such a stream is done: later writes are dropped, and the run carries on to its
// verdict and exits with the verdict's code (a failure never turns into 0 for want of a reader;
// with `set -o pipefail` the pipeline fails as the verification did). Set once per process.
const closed = new Set<NodeJS.WriteStream>();
let guarded = false;
function guardStreams(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      closed.add(stream);
      // Another failure (a full disk behind `> report.txt`) is said once, where it can still be read.
      if (error.code !== 'EPIPE' && stream === process.stdout && !closed.has(process.stderr)) {
        process.stderr.write(`sealpack: the report could not be written to stdout (${error.code ?? error.message})\n`);
      }
    });
  }
}
const write = (stream: NodeJS.WriteStream, text: string) =>
  void (closed.has(stream) || stream.write(text.endsWith('\n') ? text : `${text}\n`));

/** The context of the process: its working directory, environment and standard streams. */
export function processContext(): Context {
  guardStreams();
  const err = (text: string) => write(process.stderr, text);
  const tty = process.stderr.isTTY === true;
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) process.stderr.write('\r\x1b[K');
    progressShown = false;
  };
  // The report starts on a clean line: a progress line still shown is cleared first.
  return {
    cwd: process.cwd(),
    env: process.env,
    out: (text) => (clearProgress(), write(process.stdout, text)),
    err: (text) => (clearProgress(), err(text)),
    logger: {
      info: (message) => (clearProgress(), err(message)),
      warn: (message) => (clearProgress(), err(`warning: ${message}`)),
      progress: tty
        ? (message) => {
            process.stderr.write(`\r\x1b[K${message}`);
            progressShown = true;
          }
        : undefined,
    },
  };
}

/**
 * Prints a thrown error as a diagnostic with a hint: never a stack trace for a known failure.
 * The diagnostic of a failed run is its report, so it goes where reports go, stdout; with `json`
 * stdout holds one JSON document instead (`{tool, ok: false, exitCode, error: {code, message, hint}}`)
 * and the human lines go to stderr, so a log still shows the cause. An internal error (a bug) is
 * not a report: its stack goes to stderr, readable even when stdout is captured.
 */
export function reportError(error: unknown, context: Pick<Context, 'err' | 'out'>, json = false): number {
  const exitCode = printError(error, json ? context.err : context.out, context.err);
  if (json) {
    const sealError = isSealError(error) ? error : undefined;
    const code = sealError?.code ?? 'ESEAL_CONFIG';
    const message = hidePrivateKeys(sealError?.message ?? String((error as Error)?.message ?? error));
    const hint = hintFor(code, sealError?.info.found);
    const details = sealError?.details ? { details: hidePrivateKeys(sealError.details).split('\n') } : {};
    context.out(jsonDocument({ ok: false, exitCode, error: { code, message, hint, ...details } }));
  }
  return exitCode;
}

/**
 * A usage error (cac's unknown option or missing value, an unknown command, an argument refused
 * before parsing): exit 2, on stderr as usage errors go; with `json`, the one document on stdout too.
 */
export function reportUsageError(error: unknown, context: Pick<Context, 'err' | 'out'>, json: boolean): number {
  const usage =
    (error as Error)?.name === 'CACError'
      ? new SealError('ESEAL_CONFIG', (error as Error).message, { found: REFUSED.usage })
      : error;
  return reportError(usage, json ? context : { out: context.err, err: context.err }, json);
}

function printError(error: unknown, report: (text: string) => void, err: (text: string) => void): number {
  if (isSealError(error)) {
    report(`error ${error.code}: ${hidePrivateKeys(error.message)}`);
    for (const line of error.details ? hidePrivateKeys(error.details).split('\n') : []) report(`  ${line}`);
    const hint = hintFor(error.code, error.info.found);
    if (hint) report(`hint: ${hint}`);
    return INPUT_CODES.has(error.code) ? 2 : 1;
  }
  const code = (error as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && (error as Error).message) {
    report(`error ESEAL_CONFIG: ${hidePrivateKeys((error as Error).message)}`);
    report(`hint: ${hintFor('ESEAL_CONFIG')}`);
    return 2;
  }
  err(`sealpack: internal error: ${hidePrivateKeys((error as Error)?.stack ?? String(error))}`);
  err('This is a bug in sealpack: please report it with the command you ran.');
  return 2;
}

// The context of the run in progress, which `runCli` sets, so that tests run commands in-process.
// (Not AsyncLocalStorage: on Node 20 it hooks every promise, which costs verification time.)
let current: Context | undefined;
export async function withContext<T>(context: Context, fn: () => Promise<T>): Promise<T> {
  const outer = current;
  current = context;
  try {
    return await fn();
  } finally {
    current = outer;
  }
}

/** A command's action: loads its module, runs it, and returns its exit code. */
export function main(load: CommandLoader) {
  return async (...params: unknown[]): Promise<number> => {
    const options = (params.pop() ?? {}) as Record<string, unknown>;
    const facts: EventFacts[] = [];
    let policy: Policy | undefined;
    const outer = current ?? processContext();
    // --json: stdout gets exactly one document, whatever the command printed and however it ended.
    const json = options.json === true;
    let report: JsonReport | undefined;
    const context: Context = {
      ...outer,
      ...(json ? { out: outer.err, report: (r: JsonReport) => void (report = r) } : {}),
      record: (...more) => void facts.push(...more),
      usePolicy: (used) => void (policy = used),
    };
    const started = new Date();
    const clock = performance.now();
    let exitCode: number;
    let thrown: unknown;
    try {
      const command = await load();
      exitCode = await command.run(params, options, context);
      if (json) outer.out(jsonDocument(report ? { ...report, exitCode } : { ok: exitCode === 0, exitCode }));
    } catch (error) {
      thrown = error;
      exitCode = reportError(error, outer, json);
    }
    // The one place runs reach the audit ledger, after the exit code is decided.
    if (load.command && LEDGERED.has(load.command)) {
      const code = thrown === undefined ? undefined : isSealError(thrown) ? thrown.code : 'ESEAL_CONFIG';
      await recordInLedger(
        {
          command: load.command,
          args: params.flat().map(String),
          exitCode,
          options,
          facts,
          ...(policy ? { policy } : {}),
          ...(code ? { error: { code } } : {}),
          started,
          durationMs: performance.now() - clock,
        },
        context,
      );
    }
    return exitCode;
  };
}
