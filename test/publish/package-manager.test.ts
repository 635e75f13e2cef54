import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { detectPackageManager, resolveCommand } from '../../packages/publish/src/package-manager.js';
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

test.run();
