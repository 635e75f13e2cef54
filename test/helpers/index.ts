// Shared test helpers. Keep them few: each one is used by several suites.
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Under the runner's --coverage, a wrapper that measures the CLI's coverage runs it.
export const CLI = process.env.COVERAGE_SEALPACK
  ? join(ROOT, 'test', 'helpers', 'cli-coverage.mjs')
  : join(ROOT, 'packages', 'cli', 'dist', 'bin.js');
// Unit tests run from the sources, before any build: a CLI they spawn runs from the sources too
// (a stale or missing dist/ would otherwise be what they test).
const FROM_SOURCES = process.execArgv.includes('--conditions=sealpack-source');
const CLI_ARGS = FROM_SOURCES
  ? [
      '--conditions=sealpack-source',
      '--import',
      pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
      join(ROOT, 'packages', 'cli', 'src', 'bin.ts'),
    ]
  : [CLI];

/** uvu's assert.throws does not await: this does, and checks the error's code. */
export async function rejects(fn: () => Promise<unknown>, code: string, message?: RegExp): Promise<Error & { code: string }> {
  try {
    await fn();
  } catch (error) {
    const e = error as Error & { code: string };
    assert.is(e.code, code, `expected code ${code}, got ${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.unreachable(`expected a rejection with ${code}`);
  throw new Error('unreachable');
}

const made: string[] = [];
/** A fresh temporary folder, removed by `cleanTempDirs()` (call it in `suite.after`). */
export async function tempDir(prefix = 'sealpack-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
export async function cleanTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}
/** Runs the `sealpack` CLI (built, or from the sources in unit tests) with the current Node (so the Node 24 CI pass runs it on 24). */
export function runCli(args: string[], options: SpawnSyncOptions = {}): RunResult {
  return run(process.execPath, [...CLI_ARGS, ...args], options);
}
export function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): RunResult {
  const result = spawnSync(cmd, args, { encoding: 'utf8', ...options, env: { ...process.env, NO_COLOR: '1', ...options.env } });
  return { status: result.status, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}
