// sealpack releases itself the way it asks others to: `sealpack publish -r` on this very
// workspace, to a real Verdaccio (third-party dependencies come through its uplink to the
// npm registry, or SEALPACK_TEST_UPSTREAM); then a fresh project installs `sealpack` with npm
// and with pnpm, and the installed sealpack verifies its own packages. With sealpack in the
// registry, the examples' GitHub Actions workflows run their shell steps against it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, cleanTempDirs, tempDir } from '../helpers/index.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { exec, PNPM10, sealpackAsync, setUp, writeTree, type Setup } from './publish-helpers.js';
import { runWorkflowJob, type StepResult } from '../helpers/workflow.js';

const test = suite('e2e: sealpack publishes itself sealed; a fresh project installs and verifies it');
const ctx = {} as { registry: Registry; setup: Setup; env: NodeJS.ProcessEnv };

const OWN = ['sealpack', '@sealpack/*'];
const VERSION = JSON.parse(readFileSync(join(ROOT, 'packages', 'cli', 'package.json'), 'utf8')).version as string;
// Third-party tarballs are found by integrity in a cache kept inside this checkout between
// runs (node_modules/.cache): the registry documents still come through Verdaccio each run.
const CACHE = join(ROOT, 'node_modules', '.cache', 'sealpack-self-release');
const UPSTREAM = process.env.SEALPACK_TEST_UPSTREAM ?? 'https://registry.npmjs.org/';

test.before(async () => {
  [ctx.registry, ctx.setup] = await Promise.all([startRegistry({ uplink: { url: UPSTREAM, local: OWN } }), setUp()]);
  await mkdir(CACHE, { recursive: true });
  ctx.env = {
    ...ctx.setup.env,
    npm_config_cache: join(CACHE, 'npm'),
    npm_config_store_dir: join(CACHE, 'pnpm-store'),
    npm_config_prefer_offline: 'true',
  };
});
test.after(async () => {
  await ctx.registry?.stop();
  await cleanTempDirs();
});

/** A fresh project that pins the release key and requires a seal on sealpack's packages. */
async function consumer(): Promise<string> {
  const dir = await tempDir('sealpack-adopter-');
  await writeTree(dir, {
    'package.json': { name: 'adopter', version: '1.0.0', private: true },
    '.sealpack/keys/release.asc': ctx.setup.publicKey,
    '.sealpackrc.json': { trust: [{ packages: OWN, keys: ['release'] }], unsigned: 'allow' },
  });
  await writeTree(dir, { '.npmrc': `registry=${ctx.registry.url}\n` });
  return dir;
}

/** The verdict's subjects for sealpack's own packages, as `name pass|fail sealed|unsealed`. */
function ownSubjects(stdout: string): string[] {
  const verdict = JSON.parse(stdout) as { subjects: { package?: string; status: string; signers: unknown[] }[] };
  return verdict.subjects
    .filter((s) => s.package === 'sealpack' || s.package?.startsWith('@sealpack/'))
    .map((s) => `${s.package} ${s.status} ${s.signers.length > 0 ? 'sealed' : 'unsealed'}`)
    .sort();
}

test('publish -r releases every workspace package sealed (the documented release script)', async () => {
  const env = {
    ...ctx.env,
    SEALPACK_PNPM: PNPM10,
    npm_config_registry: ctx.registry.url,
    [`npm_config_//127.0.0.1:${ctx.registry.port}/:_authToken`]: ctx.registry.token,
  };
  const result = await sealpackAsync(['publish', '-r', '--no-git-tag', '--key', ctx.setup.key], ROOT, env);
  assert.is(result.status, 0, result.stdout + result.stderr);
  const published = result.stdout.split('\n').filter((l) => /\spublished$/.test(l.trim()) || /\spublished \(/.test(l));
  assert.ok(
    published.some((l) => l.startsWith('sealpack ')),
    result.stdout,
  );
  assert.ok(published.length >= 9, result.stdout);
  const doc = await ctx.registry.fetchJson('sealpack', true);
  assert.ok(doc.body.versions[VERSION].dist.sealpack, 'the registry seal rides in install metadata');
  assert.is(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.release, 'tsc -b && sealpack publish -r');
});

test('npm: npm i -D sealpack, then the installed copy verifies sealpack and @sealpack/* (npx --no-install)', async () => {
  const dir = await consumer();
  const installed = exec('npm', ['install', '--save-dev', '--ignore-scripts', 'sealpack'], dir, ctx.env);
  assert.is(installed.status, 0, installed.stdout + installed.stderr);
  const version = exec('npx', ['--no-install', 'sealpack', '--version'], dir, ctx.env);
  assert.is(version.status, 0, version.stdout + version.stderr);
  assert.match(version.stdout, new RegExp(`^sealpack/${VERSION.replace(/\./g, '\\.')} `));
  const lockfile = exec('npx', ['--no-install', 'sealpack', 'verify-lockfile'], dir, ctx.env);
  assert.is(lockfile.status, 0, lockfile.stdout + lockfile.stderr);
  const verified = exec('npx', ['--no-install', 'sealpack', 'verify-installed', '--json'], dir, ctx.env);
  assert.is(verified.status, 0, verified.stdout + verified.stderr);
  const own = ownSubjects(verified.stdout);
  assert.ok(own.length >= 8, own.join('\n'));
  for (const line of own) assert.match(line, / pass sealed$/, line);
});

test('pnpm: pnpm add -D sealpack, then pnpm exec sealpack verifies its own installed packages', async () => {
  const dir = await consumer();
  const pnpm = (args: string[]) => exec(process.execPath, [PNPM10, ...args], dir, ctx.env);
  const installed = pnpm(['add', '--save-dev', '--ignore-scripts', 'sealpack']);
  assert.is(installed.status, 0, installed.stderr + installed.stdout);
  const verified = pnpm(['exec', 'sealpack', 'verify-installed', '--json']);
  assert.is(verified.status, 0, verified.stdout + verified.stderr);
  const own = ownSubjects(verified.stdout);
  assert.ok(own.length >= 8, own.join('\n'));
  for (const line of own) assert.match(line, / pass sealed$/, line);
});

const show = (steps: StepResult[]) =>
  steps.map((s) => `${s.skipped ? 'skipped' : `exit ${s.status}`}: ${s.name}\n${s.stdout}${s.stderr}`).join('\n');

/** A library repository set up as examples/publish.yml expects; returns its folder. */
async function publisherRepo(): Promise<string> {
  const dir = await tempDir('sealpack-publisher-');
  const host = `//127.0.0.1:${ctx.registry.port}/`;
  await writeTree(dir, {
    'package.json': {
      name: 'example-lib',
      version: '1.0.0',
      main: 'index.js',
      files: ['index.js'],
      scripts: { release: 'sealpack publish -r' },
      devDependencies: { sealpack: VERSION },
    },
    'index.js': 'module.exports = 42;\n',
    '.sealpack/keys/release.asc': ctx.setup.publicKey,
    // What actions/setup-node writes with registry-url, pointed at the test registry.
    '.npmrc': `registry=${ctx.registry.url}\n${host}:_authToken=\${NODE_AUTH_TOKEN}\n`,
  });
  const lock = exec('npm', ['install', '--package-lock-only', '--ignore-scripts'], dir, { ...ctx.env, NODE_AUTH_TOKEN: 'x' });
  assert.is(lock.status, 0, lock.stdout + lock.stderr);
  return dir;
}

test('examples/publish.yml: npm ci, doctor, and the changesets/action publish command, against the registry', async () => {
  const dir = await publisherRepo();
  // The guard, as `sealpack init` adds it (doctor checks for it).
  await writeTree(dir, {
    'package.json': {
      ...JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')),
      scripts: { release: 'sealpack publish -r', prepublishOnly: 'sealpack guard' },
    },
  });
  const steps = runWorkflowJob(join(ROOT, 'examples', 'publish.yml'), 'release', {
    cwd: dir,
    env: ctx.env,
    secrets: {
      SEALPACK_KEY: await readFile(ctx.setup.key, 'utf8'),
      SEALPACK_PASSPHRASE: String(ctx.setup.env.SEALPACK_PASSPHRASE),
      NPM_TOKEN: ctx.registry.token,
      GITHUB_TOKEN: 'unused',
    },
    // Provenance needs GitHub's OIDC token, which only a real runner has (publish-release.test.ts
    // shows the setting reaching libnpmpublish).
    override: { NPM_CONFIG_PROVENANCE: 'false' },
  });
  const ran = steps.filter((s) => !s.skipped);
  assert.equal(
    ran.map((s) => s.command.split('\n')[0]),
    ['npm ci --ignore-scripts', 'npx --no-install sealpack doctor', 'npm run release'],
  );
  for (const step of ran) assert.is(step.status, 0, show(steps));
  assert.match(ran[1]!.stdout, /registry: \S+ \(logged in as sealpack-test\)/);
  // A single-package repository: changesets tags it v1.0.0, and changesets/action looks for "New tag:".
  assert.match(ran[2]!.stdout, /^New tag:\s+v1\.0\.0$/m);
  const doc = await ctx.registry.fetchJson('example-lib', true);
  assert.ok(doc.body.versions['1.0.0'].dist.sealpack);
});

/** A project depending on example-lib and sealpack, set up as examples/verify.yml expects. */
async function consumerRepo(policy: object): Promise<string> {
  const dir = await tempDir('sealpack-verifier-');
  await writeTree(dir, {
    'package.json': {
      name: 'example-app',
      version: '1.0.0',
      private: true,
      dependencies: { 'example-lib': '1.0.0' },
      devDependencies: { sealpack: VERSION },
    },
    '.npmrc': `registry=${ctx.registry.url}\n`,
    '.sealpack/keys/release.asc': ctx.setup.publicKey,
    '.sealpackrc.json': policy,
  });
  const lock = exec('npm', ['install', '--package-lock-only', '--ignore-scripts'], dir, ctx.env);
  assert.is(lock.status, 0, lock.stdout + lock.stderr);
  return dir;
}

test('examples/verify.yml: install without scripts, both checks, the verdict as Markdown in $GITHUB_STEP_SUMMARY', async () => {
  const dir = await consumerRepo({ trust: [{ packages: ['example-lib', ...OWN], keys: ['release'] }], unsigned: 'allow' });
  const summary = join(dir, 'summary.md');
  const env = { ...ctx.env, GITHUB_STEP_SUMMARY: summary, SEALPACK_CACHE_DIR: join(dir, '.seal-cache') };
  const steps = runWorkflowJob(join(ROOT, 'examples', 'verify.yml'), 'verify', { cwd: dir, env, secrets: {} });
  const ran = steps.filter((s) => !s.skipped);
  assert.is(ran.length, 5, show(steps));
  for (const step of ran) assert.is(step.status, 0, show(steps));
  const markdown = await readFile(summary, 'utf8');
  assert.match(markdown, /^## sealpack$/m);
  assert.match(markdown, /^### Lockfile: verified/m);
  assert.match(markdown, /^### Installed: verified/m);

  // A policy that requires a seal on everything: the third-party packages fail; the job fails
  // at that step, npm rebuild never runs, and the summary still says why.
  await rm(summary, { force: true });
  const strict = await consumerRepo({ trust: [{ packages: ['**'], keys: ['release'] }] });
  const failing = runWorkflowJob(join(ROOT, 'examples', 'verify.yml'), 'verify', {
    cwd: strict,
    env: { ...env, GITHUB_STEP_SUMMARY: summary },
    secrets: {},
  });
  const failed = failing.find((s) => !s.skipped && s.status !== 0);
  assert.ok(failed, show(failing));
  assert.match(failed!.name, /Lockfile against registry seals|Installed files/);
  assert.ok(failing.at(-1)!.skipped, 'npm rebuild does not run after a failed verification');
  const report = await readFile(summary, 'utf8');
  assert.match(report, /FAILED/);
  assert.match(report, /\| ❌ \| ESEAL_UNSIGNED \|/);
});

test.run();
