// The `sealpack` command line run in-process from its sources: the exit code it returns and what
// it printed, as a spawned CLI would give them, without a build or a process per run.
import { runCli } from '../../packages/cli/src/bin.js';
import type { Context } from '../../packages/cli/src/main.js';
import type { RunResult } from './index.js';

/** Runs `sealpack ...args` with `cwd` and exactly `env` (not the test process's environment). */
export async function cli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const context: Context = {
    cwd: options.cwd,
    env: { ...options.env },
    out: (text) => void stdout.push(text),
    err: (text) => void stderr.push(text),
    logger: { info: (message) => void stderr.push(message), warn: (message) => void stderr.push(`warning: ${message}`) },
  };
  // cac prints --help and --version with console.log.
  const log = console.log;
  console.log = (...parts: unknown[]) => void stdout.push(parts.join(' '));
  try {
    const status = await runCli([process.execPath, 'sealpack', ...args], context);
    return { status, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
  } finally {
    console.log = log;
  }
}
