// Shared by the publish e2e suites: a clean environment for real npm/pnpm and the CLI,
// a `sealpack` shim on PATH (for `prepublishOnly: sealpack guard`), a release key.
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { suite } from 'uvu';
import { generateKey } from '@sealpack/openpgp';
import { CLI, ROOT, cleanTempDirs, tempDir, type RunResult } from '../helpers/index.js';
import { startRegistry, type Registry } from '../helpers/registry.js';

export const PNPM10 = join(ROOT, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
export const PNPM12 = join(ROOT, 'node_modules', 'pnpm12', 'pnpm');
export const CHANGESET = join(ROOT, 'node_modules', '@changesets', 'cli', 'bin.js');
export const PASS = 'release passphrase';

export interface Setup {
  home: string;
  bin: string;
  key: string;
  publicKey: string;
  fingerprint: string;
  env: NodeJS.ProcessEnv;
}

/**
 * A uvu suite whose tests share one Verdaccio (`ctx.registry`) and one `setUp()` (`ctx.setup`),
 * started before the first test, stopped and cleaned up after the last. `ctx` also holds what
 * the suite's own hooks and tests keep there (`Extra`); a further `test.before` runs after this one.
 */
export function registrySuite<Extra extends object = object>(
  name: string,
  options: Parameters<typeof startRegistry>[0] = {},
): { test: ReturnType<typeof suite>; ctx: { registry: Registry; setup: Setup } & Extra } {
  const test = suite(name);
  const ctx = {} as { registry: Registry; setup: Setup } & Extra;
  test.before(async () => {
    [ctx.registry, ctx.setup] = await Promise.all([startRegistry(options), setUp()]);
  });
  test.after(async () => {
    await ctx.registry?.stop();
    await cleanTempDirs();
  });
  return { test, ctx };
}

/**
 * The runner's own npm_* variables (a `pnpm test` sets many) and any SEALPACK_* must not leak
 * into the processes under test: they would change which registry or key they use.
 */
export async function setUp(): Promise<Setup> {
  const home = await tempDir('sealpack-home-');
  const bin = join(home, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'sealpack'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  await chmod(join(bin, 'sealpack'), 0o755);
  // changesets runs `pnpm publish` by name in a pnpm workspace: make pnpm 10 that name.
  await writeFile(join(bin, 'pnpm'), `#!/bin/sh\nexec "${process.execPath}" "${PNPM10}" "$@"\n`);
  await chmod(join(bin, 'pnpm'), 0o755);
  await writeFile(join(home, '.npmrc'), '');
  const generated = await generateKey({ name: 'release', email: 'release@example.com', passphrase: PASS });
  const key = join(home, 'release.key.asc');
  await writeFile(key, generated.privateKey);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^(npm_|pnpm_|sealpack_)/i.test(name)) env[name] = value;
  Object.assign(env, {
    HOME: home,
    npm_config_userconfig: join(home, '.npmrc'),
    npm_config_cache: join(home, 'npm-cache'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    PATH: `${bin}${delimiter}${process.env.PATH}`,
    NO_COLOR: '1',
    SEALPACK_PNPM: PNPM10,
    SEALPACK_PASSPHRASE: PASS,
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    COREPACK_ENABLE_STRICT: '0',
  });
  return { home, bin, key, publicKey: generated.publicKey, fingerprint: generated.fingerprint, env };
}

export function exec(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): RunResult {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

export function sealpack(args: string[], cwd: string, env: NodeJS.ProcessEnv): RunResult {
  return exec(process.execPath, [CLI, ...args], cwd, env);
}

/** The CLI without blocking the event loop (an in-process proxy must keep serving). */
export function sealpackAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Writes a package folder from a file map (objects become JSON). */
export async function writeTree(dir: string, files: Record<string, string | object>): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    await mkdir(join(target, '..'), { recursive: true });
    await writeFile(target, typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n');
  }
  return dir;
}

export const noStack = (r: RunResult): boolean => !/\n\s+at .+:\d+:\d+/.test(r.stdout + r.stderr);
