import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { SealError } from '@sealpack/diagnostics';

export type PackageManagerName = 'npm' | 'pnpm';

export interface PackageManager {
  name: PackageManagerName;
  /** The program and leading arguments: `['/usr/bin/node', '/…/pnpm.cjs']` or `['npm']`. */
  command: string[];
  /** The folder whose lockfile or workspace file decided. */
  root?: string;
}

/** The environment variable sealpack sets for the package manager it runs; `sealpack guard` looks for it. */
export const GUARD_ENV = 'SEALPACK_PUBLISH';

/** The value of GUARD_ENV sealpack sets: a fresh nonce, so that "1", "0" or "false" left in CI never pass. */
export const GUARD_VALUE = /^sealpack-pack-[0-9a-f]{16}$/;

export const guardNonce = (): string => `sealpack-pack-${randomBytes(8).toString('hex')}`;

/**
 * Which package manager packs `dir`: pnpm when a pnpm-lock.yaml or pnpm-workspace.yaml (or a
 * `packageManager: "pnpm@…"` field) is found from `dir` up to the git root; npm otherwise.
 * pnpm must pack pnpm projects: only it rewrites `workspace:` and `catalog:` ranges.
 */
export async function detectPackageManager(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<PackageManager> {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, 'pnpm-lock.yaml')) || existsSync(join(current, 'pnpm-workspace.yaml'))) {
      return { name: 'pnpm', command: resolveCommand('pnpm', env), root: current };
    }
    const field = await readPackageManagerField(current);
    if (field?.startsWith('pnpm@')) return { name: 'pnpm', command: resolveCommand('pnpm', env), root: current };
    if (existsSync(join(current, 'package-lock.json')) || existsSync(join(current, 'npm-shrinkwrap.json')) || field) {
      return { name: 'npm', command: resolveCommand('npm', env), root: current };
    }
    if (existsSync(join(current, '.git')) || dirname(current) === current) break;
  }
  return { name: 'npm', command: resolveCommand('npm', env) };
}

async function readPackageManagerField(dir: string): Promise<string | undefined> {
  try {
    const json = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { packageManager?: unknown };
    return typeof json.packageManager === 'string' ? json.packageManager : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The program to run: `SEALPACK_NPM` / `SEALPACK_PNPM` when set (a binary or a JS entry),
 * else the package manager that launched us (`npm_execpath`, so `pnpm exec sealpack` packs
 * with that very pnpm), else the name on PATH.
 */
export function resolveCommand(name: PackageManagerName, env: NodeJS.ProcessEnv = process.env): string[] {
  const explicit = env[`SEALPACK_${name.toUpperCase()}`];
  const launcher = env.npm_execpath;
  const fromLauncher =
    launcher &&
    basename(launcher)
      .toLowerCase()
      .startsWith(name === 'npm' ? 'npm-cli' : 'pnpm')
      ? launcher
      : undefined;
  const program = explicit || fromLauncher;
  if (!program) return [name];
  return /\.[cm]?js$/.test(program) ? [process.execPath, program] : [program];
}

const OUTPUT_LIMIT = 1 << 20;

/** Runs a package manager command; rejects with ESEAL_CONFIG and its whole output when it fails. */
export function runPackageManager(pm: PackageManager, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const [program, ...leading] = pm.command;
  return new Promise((resolve, reject) => {
    // A bare name on Windows is npm.cmd / pnpm.cmd: only a shell finds those.
    const child = spawn(program!, [...leading, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32' && leading.length === 0,
      windowsHide: true,
    });
    // The whole output: a failing build's cause is often far above npm's closing lines.
    // Capped, keeping the start (where the first error usually is) and the end.
    let output = '';
    const keep = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > OUTPUT_LIMIT) output = `${output.slice(0, OUTPUT_LIMIT / 2)}\n[…]\n${output.slice(-OUTPUT_LIMIT / 2)}`;
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) =>
      reject(new SealError('ESEAL_CONFIG', `cannot run ${pm.command.join(' ')}: ${error.message}`, { cause: error })),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(output);
      const lines = output.trimEnd().split('\n');
      const command = `\`${pm.name} ${args.join(' ')}\` in ${cwd}`;
      const script = signal ? undefined : failedLifecycleScript(output);
      // `found` names the cause, so the CLI's hint can point at the script rather than at a config.
      reject(
        script
          ? new SealError(
              'ESEAL_CONFIG',
              `${command} failed: its ${script.name} script exited with code ${script.exitCode ?? code}`,
              { details: lines, artifact: cwd, expected: 'exit code 0', found: `lifecycle script ${script.name}` },
            )
          : new SealError('ESEAL_CONFIG', `${command} failed with ${signal ?? `exit code ${code}`}`, {
              details: lines,
              artifact: cwd,
            }),
      );
    });
  });
}

/**
 * The lifecycle script (prepack, prepare, postpack…) whose failure ended a package manager run,
 * and its exit code, read from the package manager's own output: npm 11 and pnpm 10 announce
 * each script with `> name@version SCRIPT` and end a failed one with `npm error command failed`
 * or `ELIFECYCLE … exit code N`; pnpm 12 prints `. SCRIPT: Failed` and `exited with exit status: N`.
 * Undefined when the output shows no failed script (the run failed for another reason, or ran silent).
 */
export function failedLifecycleScript(colored: string): { name: string; exitCode?: number } | undefined {
  // pnpm colours its own lines whenever something in the environment asks it to (FORCE_COLOR…).
  const output = stripVTControlCharacters(colored);
  const pnpm12 = /^\. ([\w:.-]+): Failed$/m.exec(output);
  if (pnpm12) {
    const status = /exited with exit status: (\d+)/.exec(output);
    return { name: pnpm12[1]!, exitCode: status ? Number(status[1]) : undefined };
  }
  const npmFailed = /^npm error command failed$/m.test(output);
  const pnpmFailed = /ELIFECYCLE\s+Command failed with exit code (\d+)/.exec(output);
  if (!npmFailed && !pnpmFailed) return undefined;
  const banners = [...output.matchAll(/^> (?:@[^/\s]+\/)?[^@\s]+@\S+ ([\w:.-]+)(?: .*)?\n> /gm)];
  const name = banners.at(-1)?.[1];
  if (!name) return undefined;
  const code = npmFailed ? /^npm error code (\d+)$/m.exec(output)?.[1] : pnpmFailed![1];
  return { name, exitCode: code === undefined ? undefined : Number(code) };
}

/**
 * Packs `dir` into the empty folder `dest` with the project's package manager, its
 * lifecycle scripts included (prepack builds) unless `ignoreScripts` (a build that needs
 * devDependencies the release job has not installed), and returns the tarball's path. The child
 * gets `SEALPACK_PUBLISH=<nonce>`, so a `sealpack guard` in `prepack` lets it through.
 */
export async function packWithPackageManager(
  pm: PackageManager,
  dir: string,
  dest: string,
  env: NodeJS.ProcessEnv = process.env,
  options: { ignoreScripts?: boolean } = {},
): Promise<string> {
  const childEnv = { ...env, [GUARD_ENV]: guardNonce() };
  // pnpm's `pack` refuses `--ignore-scripts` as an unknown option; the config form works in 10 and 12.
  const noScripts = options.ignoreScripts ? [pm.name === 'npm' ? '--ignore-scripts' : '--config.ignore-scripts=true'] : [];
  await runPackageManager(pm, ['pack', '--pack-destination', dest, ...noScripts], dir, childEnv);
  const tarballs = (await readdir(dest)).filter((name) => name.endsWith('.tgz'));
  if (tarballs.length !== 1) {
    throw new SealError(
      'ESEAL_CONFIG',
      `\`${pm.name} pack\` in ${dir}: expected one tarball in ${dest}, found ${tarballs.length}`,
      { artifact: dir },
    );
  }
  return join(dest, tarballs[0]!);
}
