import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { detectPackageManager, failedLifecycleScript, resolveCommand } from '../../packages/publish/src/package-manager.js';
import { readGitSource } from '../../packages/publish/src/git.js';
import { cleanTempDirs, tempDir } from '../helpers/index.js';

const test = suite('package manager detection and git source');
test.after(cleanTempDirs);

async function repo(files: Record<string, string>): Promise<string> {
  const root = await tempDir();
  await mkdir(join(root, '.git'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

test('pnpm-workspace.yaml or pnpm-lock.yaml up the tree: pnpm; package-lock or nothing: npm', async () => {
  const pnpmRoot = await repo({ 'pnpm-workspace.yaml': 'packages: [packages/*]\n', 'packages/a/package.json': '{}' });
  assert.is((await detectPackageManager(join(pnpmRoot, 'packages', 'a'), {})).name, 'pnpm');
  const byField = await repo({ 'package.json': '{"packageManager":"pnpm@10.0.0"}' });
  assert.is((await detectPackageManager(byField, {})).name, 'pnpm');
  const npmRoot = await repo({ 'package-lock.json': '{}', 'packages/a/package.json': '{}' });
  assert.is((await detectPackageManager(join(npmRoot, 'packages', 'a'), {})).name, 'npm');
  // The search stops at the git root: a pnpm lockfile above it belongs to another project.
  const outer = await repo({ 'pnpm-lock.yaml': '', 'inner/package.json': '{}' });
  await mkdir(join(outer, 'inner', '.git'));
  assert.is((await detectPackageManager(join(outer, 'inner'), {})).name, 'npm');
});

test('the program: SEALPACK_PNPM, then the launching package manager, then PATH', () => {
  assert.equal(resolveCommand('pnpm', { SEALPACK_PNPM: '/opt/pnpm' }), ['/opt/pnpm']);
  assert.equal(resolveCommand('pnpm', { SEALPACK_PNPM: '/opt/pnpm.cjs' }), [process.execPath, '/opt/pnpm.cjs']);
  assert.equal(resolveCommand('pnpm', { npm_execpath: '/x/pnpm/bin/pnpm.cjs' }), [process.execPath, '/x/pnpm/bin/pnpm.cjs']);
  assert.equal(resolveCommand('npm', { npm_execpath: '/x/pnpm/bin/pnpm.cjs' }), ['npm']);
  assert.equal(resolveCommand('npm', { npm_execpath: '/x/npm/bin/npm-cli.js' }), [process.execPath, '/x/npm/bin/npm-cli.js']);
});

test('git source: origin and HEAD, credentials stripped; none outside a checkout', async () => {
  const dir = await tempDir();
  const git = (...args: string[]) =>
    spawnSync('git', args, {
      cwd: dir,
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' },
    });
  assert.is(await readGitSource(dir), undefined);
  git('init', '-q');
  git('commit', '-q', '--allow-empty', '-m', 'x');
  git('remote', 'add', 'origin', 'https://ci-bot:ghp_secret@github.com/acme/widget.git');
  const source = await readGitSource(dir);
  assert.is(source?.repository, 'https://github.com/acme/widget.git');
  assert.match(source?.commit ?? '', /^[0-9a-f]{40}$/);
});

// Captured from `npm pack` (npm 11.19) and `pnpm pack` (pnpm 10.34, 12.21) of a package whose
// scripts fail; test/e2e/publish.test.ts runs the real ones.
const NPM_PREPARE = `
> lc-fail@1.0.0 prepack
> echo ok

ok

> lc-fail@1.0.0 prepare
> echo 'prep fails' && exit 3

prep fails
npm error code 3
npm error path /tmp/lc/npm
npm error command failed
npm error command sh -c echo 'prep fails' && exit 3
npm error A complete log of this run can be found in: /root/.npm/_logs/2026-11-27T07_37_30_986Z-debug-0.log
`;
const PNPM10_PREPACK = `
> @acme/lc-fail@1.0.0 prepack /tmp/lc/pnpm
> echo building && echo 'boom: missing rollup' >&2 && exit 7

building
boom: missing rollup
 ELIFECYCLE  Command failed with exit code 7.
`;
const PNPM12_POSTPACK = `. postpack$ echo 'post fails' && exit 4
. postpack: post fails
. postpack: Failed
Error: ERR_PNPM_EXECUTOR_LIFECYCLE_SCRIPT_FAILED

  × pack the package
  ╰─▶ /tmp/lc/pnpm postpack: \`echo 'post fails' && exit 4\` exited with exit status: 4
`;

test('a failed lifecycle script is named with its exit code, from npm 11, pnpm 10 and pnpm 12 output', () => {
  assert.equal(failedLifecycleScript(NPM_PREPARE), { name: 'prepare', exitCode: 3 });
  assert.equal(failedLifecycleScript(PNPM10_PREPACK), { name: 'prepack', exitCode: 7 });
  // The same in colour (pnpm colours its lines when FORCE_COLOR is set).
  const colored = PNPM10_PREPACK.replace(
    ' ELIFECYCLE  Command failed with exit code 7.',
    '\x1b[41m\x1b[30m ELIFECYCLE \x1b[39m\x1b[49m \x1b[31mCommand failed with exit code 7.\x1b[39m',
  );
  assert.equal(failedLifecycleScript(colored), { name: 'prepack', exitCode: 7 });
  assert.equal(failedLifecycleScript(PNPM12_POSTPACK), { name: 'postpack', exitCode: 4 });
  // Scripts that ran and passed do not take the blame for a pack that failed otherwise.
  const passedThenFailed = `\n> lc@1.0.0 prepack\n> echo ok\n\nok\nnpm error code ENOENT\nnpm error syscall open\n`;
  assert.is(failedLifecycleScript(passedThenFailed), undefined);
  assert.is(failedLifecycleScript('npm error code E403\n'), undefined);
  assert.is(failedLifecycleScript(''), undefined);
});

test.run();
