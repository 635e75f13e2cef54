// The README's consumer recipe, end to end, against a real Verdaccio with npm 11 and pnpm 10:
//   sealpack verify-lockfile && <ci> --ignore-scripts && sealpack verify-installed
//     && <rebuild> && sealpack verify-installed
// on fixtures shaped like real packages (esbuild's postinstall rewriting its bin, a node-gyp
// build adding build/, bundled dependencies with a bin, an @types-style scoped package), and
// the attacks it must refuse: a stripped seal, a swapped sealed version, an unsealed newer version.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { CLI, cleanTempDirs, tempDir, type RunResult } from '../helpers/index.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { exec, PNPM10, sealpack, sealpackAsync, setUp, writeTree, type Setup } from './publish-helpers.js';

const test = suite('e2e: the consumer recipe on realistic shapes');
const ctx = {} as { registry: Registry; setup: Setup };

// What each package's own install script may write into its own folder, and nothing more.
const INSTALL_SCRIPTS = {
  'esbuild-like': { changes: ['bin/esbuild'] },
  'greedy-esbuild': { changes: ['bin/esbuild'] },
  'gyp-like': { adds: ['build/**'] },
};
const NATIVE = '\x7fELF a platform binary\n';

// esbuild's shape: bin/esbuild is a JS stub in the tarball that its postinstall replaces.
const esbuildLike = (name: string, alsoWrites = '') => ({
  'package.json': {
    name,
    version: '1.0.0',
    main: 'lib/main.js',
    bin: { esbuild: 'bin/esbuild' },
    scripts: { postinstall: 'node install.js' },
  },
  'bin/esbuild': '#!/usr/bin/env node\nrequire("../install.js");\n',
  'lib/main.js': 'exports.build = () => {};\n',
  'install.js': `const fs = require('fs');\nfs.writeFileSync(__dirname + '/bin/esbuild', ${JSON.stringify(NATIVE)});\n${alsoWrites}`,
});

const FIXTURES: Record<string, Record<string, string | object>> = {
  'esbuild-like': esbuildLike('esbuild-like'),
  // The same, but its script also rewrites a file its entry does not name.
  'greedy-esbuild': esbuildLike('greedy-esbuild', "fs.appendFileSync(__dirname + '/lib/main.js', 'steal();\\n');\n"),
  // node-gyp's shape: an install script that writes build/Release/*.node (a plain file: no compiler).
  'gyp-like': {
    'package.json': { name: 'gyp-like', version: '1.0.0', main: 'index.js', scripts: { install: 'node build.js' } },
    'binding.gyp': '{ "targets": [{ "target_name": "x", "sources": ["x.cc"] }] }\n',
    'x.cc': '// the addon\n',
    'index.js': 'module.exports = require("./build/Release/x.node");\n',
    'build.js':
      "const fs = require('fs');\nfs.mkdirSync(__dirname + '/build/Release', { recursive: true });\n" +
      "fs.writeFileSync(__dirname + '/build/Release/x.node', 'addon');\n",
  },
  // A package shipping its dependency inside its tarball (bundleDependencies), that dependency with a bin.
  bundler: {
    'package.json': {
      name: 'bundler',
      version: '1.0.0',
      main: 'index.js',
      dependencies: { inner: '1.0.0' },
      bundleDependencies: ['inner'],
    },
    'index.js': 'module.exports = require("inner");\n',
    'node_modules/inner/package.json': { name: 'inner', version: '1.0.0', main: 'index.js', bin: { inner: 'bin/inner.js' } },
    'node_modules/inner/index.js': 'module.exports = "inner";\n',
    'node_modules/inner/bin/inner.js': '#!/usr/bin/env node\nconsole.log("inner");\n',
  },
  // DefinitelyTyped's shape: scoped, types only, no main.
  '@types/widget': {
    'package.json': { name: '@types/widget', version: '1.0.0', types: 'index.d.ts', license: 'MIT' },
    'index.d.ts': 'export declare function widget(): string;\n',
  },
};

async function publish(name: string, version: string, files: Record<string, string | object>, sealed = true) {
  const dir = await tempDir('sealpack-pub-');
  const manifest = { ...(files['package.json'] as object), version };
  await writeTree(dir, { 'index.js': `module.exports = ${JSON.stringify(name)};\n`, ...files, 'package.json': manifest });
  await ctx.registry.writeNpmrc(dir);
  const r = sealed
    ? await sealpackAsync(['publish', '--key', ctx.setup.key], dir, ctx.setup.env)
    : exec('npm', ['publish'], dir, ctx.setup.env);
  assert.is(r.status, 0, `${name}@${version}: ${r.stdout}${r.stderr}`);
}

test.before(async () => {
  [ctx.registry, ctx.setup] = await Promise.all([startRegistry(), setUp()]);
  await Promise.all([
    ...Object.entries(FIXTURES).map(([name, files]) => publish(name, '1.0.0', files)),
    publish('multi', '1.0.0', { 'package.json': { name: 'multi' } }),
    publish('multi', '2.0.0', { 'package.json': { name: 'multi' } }),
  ]);
  // Published after the sealed ones, without a seal: what a stolen npm token publishes.
  await publish('multi', '2.1.0', { 'package.json': { name: 'multi' } }, false);
});
test.after(async () => {
  await ctx.registry?.stop();
  await cleanTempDirs();
});

/** A consumer pinning the release key, with the README's policy (no trust rule, `installScripts`). */
async function consumer(dependencies: Record<string, string>, installScripts: object = INSTALL_SCRIPTS): Promise<string> {
  const dir = await tempDir('sealpack-consumer-');
  await writeTree(dir, {
    // pnpm 10 runs no dependency's build script unless it is listed.
    'package.json': {
      name: 'consumer',
      version: '1.0.0',
      private: true,
      dependencies,
      pnpm: { onlyBuiltDependencies: Object.keys(INSTALL_SCRIPTS) },
    },
    '.sealpack/keys/release.asc': ctx.setup.publicKey,
    '.sealpackrc.json': { installScripts },
  });
  await ctx.registry.writeNpmrc(dir);
  return dir;
}

type Step = [label: string, cmd: string, args: string[]];
const cli = (command: string): Step => [command, process.execPath, [CLI, command, '--json']];
const CLIENTS: { name: string; lock: Step; recipe: Step[] }[] = [
  {
    name: 'npm',
    lock: ['npm lock', 'npm', ['install', '--package-lock-only', '--ignore-scripts']],
    recipe: [
      cli('verify-lockfile'),
      ['npm ci', 'npm', ['ci', '--ignore-scripts']],
      cli('verify-installed'),
      ['npm rebuild', 'npm', ['rebuild']],
      cli('verify-installed'),
    ],
  },
  {
    name: 'pnpm10',
    lock: ['pnpm lock', process.execPath, [PNPM10, 'install', '--lockfile-only']],
    recipe: [
      cli('verify-lockfile'),
      ['pnpm install', process.execPath, [PNPM10, 'install', '--frozen-lockfile', '--ignore-scripts']],
      cli('verify-installed'),
      ['pnpm rebuild', process.execPath, [PNPM10, 'rebuild']],
      cli('verify-installed'),
    ],
  },
];

/** Locks, then runs the recipe until a step fails: that step's label and result, or the last one's. */
function recipe(dir: string, client: (typeof CLIENTS)[number], env = ctx.setup.env): { step: string; r: RunResult } {
  const locked = exec(client.lock[1], client.lock[2], dir, env);
  assert.is(locked.status, 0, locked.stdout + locked.stderr);
  let last = { step: '', r: locked };
  for (const [step, cmd, args] of client.recipe) {
    last = { step, r: exec(cmd, args, dir, env) };
    if (last.r.status !== 0) break;
  }
  return last;
}

/**
 * The root `postinstall` that `init --consumer` writes into the consumer's package.json (its
 * .pnpmfile.cjs is left out: the recipe's own steps check the lockfile here), and an environment
 * whose PATH finds `sealpack`, as node_modules/.bin would in a project that installed it.
 */
async function addInitHook(dir: string): Promise<{ env: NodeJS.ProcessEnv; runs: () => Promise<string> }> {
  const init = sealpack(['init', '--consumer'], dir, ctx.setup.env);
  assert.is(init.status, 0, init.stdout + init.stderr);
  await rm(join(dir, '.pnpmfile.cjs'));
  const { scripts } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { scripts: { postinstall: string } };
  assert.match(scripts.postinstall, /sealpack verify-installed/);
  // The shim notes each run: npm rebuild shows a root script's output only when it fails.
  const bin = await tempDir('sealpack-bin-');
  const runs = join(bin, 'runs');
  await writeFile(runs, '');
  await writeFile(join(bin, 'sealpack'), `#!/bin/sh\necho "$*" >> "${runs}"\nexec "${process.execPath}" "${CLI}" "$@"\n`, {
    mode: 0o755,
  });
  const env = { ...ctx.setup.env, PATH: `${bin}${delimiter}${ctx.setup.env.PATH ?? process.env.PATH}` };
  return { env, runs: () => readFile(runs, 'utf8') };
}

type Finding = { code: string; severity: string; package?: string; file?: string };
const errors = (r: RunResult) =>
  (JSON.parse(r.stdout) as { findings: Finding[] }).findings
    .filter((f) => f.severity === 'error')
    .map((f) => `${f.code} ${f.package}${f.file ? ` ${f.file}` : ''}`)
    .sort();
const verifyInstalled = (dir: string) => sealpack(['verify-installed', '--json'], dir, ctx.setup.env);
const setPolicy = (dir: string, installScripts: object) =>
  writeFile(join(dir, '.sealpackrc.json'), JSON.stringify({ installScripts }));

/** Where the client put `name` (pnpm: its virtual store; the top-level entry is a symlink). */
const installedAt = (dir: string, name: string) => join(dir, 'node_modules', name);

for (const client of CLIENTS) {
  test(`${client.name}: the recipe passes on esbuild-, node-gyp-, bundled- and @types-shaped packages; without an allowance it fails`, async () => {
    const dir = await consumer({
      'esbuild-like': '1.0.0',
      'gyp-like': '1.0.0',
      bundler: '1.0.0',
      '@types/widget': '1.0.0',
    });
    // With the root hook `init --consumer` writes: the rebuild step runs it after the packages' own scripts.
    const { env, runs } = await addInitHook(dir);
    const { step, r } = recipe(dir, client, env);
    assert.is(r.status, 0, `${step}: ${r.stdout}${r.stderr}`);
    assert.is(step, 'verify-installed');
    assert.is(await runs(), 'verify-installed\n', 'the rebuild ran the root hook, and it passed');
    // The scripts did run: the checks above saw their output, not an untouched tree.
    assert.is(await readFile(join(installedAt(dir, 'esbuild-like'), 'bin', 'esbuild'), 'utf8'), NATIVE);
    assert.ok(existsSync(join(installedAt(dir, 'gyp-like'), 'build', 'Release', 'x.node')));
    assert.ok(existsSync(join(installedAt(dir, 'bundler'), 'node_modules', 'inner', 'bin', 'inner.js')));

    // The same tree with no allowance for esbuild-like: its rewritten bin is an integrity failure.
    await setPolicy(dir, { 'gyp-like': INSTALL_SCRIPTS['gyp-like'] });
    const noEntry = verifyInstalled(dir);
    assert.is(noEntry.status, 1, noEntry.stdout + noEntry.stderr);
    assert.equal(errors(noEntry), ['ESEAL_INTEGRITY esbuild-like bin/esbuild']);
    // Nor for gyp-like: its build output is an extra file.
    await setPolicy(dir, {});
    const none = verifyInstalled(dir);
    assert.is(none.status, 1, none.stdout + none.stderr);
    assert.equal(errors(none), ['ESEAL_EXTRA_FILE gyp-like build/Release/x.node', 'ESEAL_INTEGRITY esbuild-like bin/esbuild']);

    // The rebuild again, with the allowances back: its root hook passes the honest tree, and
    // fails it once an installed file is edited.
    const rebuild = client.recipe.find(([label]) => label.endsWith('rebuild'))!;
    await setPolicy(dir, INSTALL_SCRIPTS);
    const before = await runs();
    const honest = exec(rebuild[1], rebuild[2], dir, env);
    assert.is(honest.status, 0, honest.stdout + honest.stderr);
    assert.is(await runs(), `${before}verify-installed\n`, 'the hook ran once');
    await writeFile(join(installedAt(dir, '@types/widget'), 'index.d.ts'), 'export declare function widget(): any;\n');
    const edited = exec(rebuild[1], rebuild[2], dir, env);
    assert.is.not(edited.status, 0, edited.stdout + edited.stderr);
    assert.match(edited.stdout + edited.stderr, /error ESEAL_INTEGRITY: @types\/widget@1\.0\.0: index\.d\.ts differs/);
  });

  test(`${client.name}: an install script that changes a file besides the one its entry allows fails the last check`, async () => {
    const dir = await consumer({ 'greedy-esbuild': '1.0.0' });
    const { step, r } = recipe(dir, client);
    assert.is(r.status, 1, `${step}: ${r.stdout}${r.stderr}`);
    assert.is(step, 'verify-installed');
    assert.equal(errors(r), ['ESEAL_INTEGRITY greedy-esbuild lib/main.js']);
  });
}

test('attacks: a validly sealed other version in place of the locked one, then a stripped seal, are refused', async () => {
  const dir = await consumer({ multi: '1.0.0', '@types/widget': '1.0.0' });
  const { step, r: honest } = recipe(dir, CLIENTS[0]!);
  assert.is(honest.status, 0, `${step}: ${honest.stdout}${honest.stderr}`);

  // multi@2.0.0, extracted from the registry's own tarball, sealed by the same pinned key.
  const target = join(dir, 'node_modules', 'multi');
  await rm(target, { recursive: true });
  const tgz = join(ctx.registry.storage, 'multi', 'multi-2.0.0.tgz');
  const extracted = exec('tar', ['-xzf', tgz, '-C', dir], dir, ctx.setup.env);
  assert.is(extracted.status, 0, extracted.stdout + extracted.stderr);
  await rename(join(dir, 'package'), target);
  assert.ok(existsSync(join(target, '.sealpack', 'manifest.json')), 'multi@2.0.0 carries its own valid seal');
  const swapped = verifyInstalled(dir);
  assert.is(swapped.status, 1, swapped.stdout + swapped.stderr);
  assert.equal(errors(swapped), ['ESEAL_IDENTITY multi package.json']);

  // The embedded seal deleted: verify-lockfile cached the registry seal by the pinned key, so
  // the seal is known to exist, and it is gone.
  await rm(join(dir, 'node_modules', '@types', 'widget', '.sealpack'), { recursive: true });
  const stripped = verifyInstalled(dir);
  assert.is(stripped.status, 1, stripped.stdout + stripped.stderr);
  assert.equal(errors(stripped), ['ESEAL_DOWNGRADE @types/widget', 'ESEAL_IDENTITY multi package.json']);
});

test('attack: an unsealed version published after a sealed one is refused before install', async () => {
  for (const client of CLIENTS) {
    const dir = await consumer({ multi: '2.1.0' });
    const { step, r } = recipe(dir, client);
    assert.is(step, 'verify-lockfile', `${client.name}: ${r.stdout}${r.stderr}`);
    assert.is(r.status, 1, r.stdout + r.stderr);
    assert.equal(errors(r), ['ESEAL_DOWNGRADE multi']);
    assert.not.ok(existsSync(join(dir, 'node_modules', 'multi')), `${client.name}: nothing was installed`);
  }
});

test.run();
