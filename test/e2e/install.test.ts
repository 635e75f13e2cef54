// Verification on install against a real Verdaccio: packages published sealed by
// `sealpack publish` (and one published without a seal), installed by real npm 11, pnpm 10 and
// pnpm 12, then checked by `sealpack verify-lockfile` and `sealpack verify-installed`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashBytes } from '@sealpack/manifest';
import { CLI, cleanTempDirs, tempDir, type RunResult } from '../helpers/index.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { exec, noStack, PNPM10, PNPM12, sealpack, setUp, writeTree, type Setup } from './publish-helpers.js';

const test = suite('e2e: verification on install');
const ctx = {} as { registry: Registry; setup: Setup; yarn?: string };
const POLICY = { trust: [{ packages: '@acme/*', keys: ['release'] }], unsigned: 'warn' };
const WIDGET_FILE = 'lib/widget.js';

type Client = { name: string; install: (dir: string) => RunResult };
const CLIENTS: Client[] = [
  { name: 'npm', install: (dir) => exec('npm', ['install', '--no-audit', '--no-fund'], dir, ctx.setup.env) },
  { name: 'pnpm10', install: (dir) => exec(process.execPath, [PNPM10, 'install'], dir, ctx.setup.env) },
  { name: 'pnpm12', install: (dir) => exec(PNPM12, ['install'], dir, ctx.setup.env) },
  // yarn 1 (classic, node-modules layout), installed from the npm registry when reachable.
  {
    name: 'yarn1',
    install: (dir) => exec(process.execPath, [ctx.yarn!, 'install', '--non-interactive', '--no-progress'], dir, ctx.setup.env),
  },
];

async function publishPackage(name: string, files: Record<string, string | object>, sealed: boolean): Promise<void> {
  const dir = await tempDir('sealpack-pub-');
  await writeTree(dir, {
    'package.json': { name, version: '1.0.0', main: 'index.js' },
    'index.js': `module.exports = ${JSON.stringify(name)};\n`,
    ...files,
  });
  await ctx.registry.writeNpmrc(dir);
  const r = sealed
    ? sealpack(['publish', '--key', ctx.setup.key], dir, ctx.setup.env)
    : exec('npm', ['publish'], dir, ctx.setup.env);
  assert.is(r.status, 0, `${name}: ${r.stderr}`);
}

// yarn 1 comes from the npm registry, before the tests are defined: when it cannot be installed,
// its test is counted skipped in the closing line, never passed. Its folder is this suite's own
// (tempDir's are removed by the suites that run before this one).
const yarnPrefix = mkdtempSync(join(tmpdir(), 'sealpack-yarn-'));
ctx.yarn = installYarn(yarnPrefix);

function installYarn(prefix: string): string | undefined {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_)/i.test(name)));
  const yarn = exec(
    'npm',
    ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--registry', 'https://registry.npmjs.org/', 'yarn@1'],
    prefix,
    { ...env, npm_config_cache: join(prefix, 'npm-cache'), npm_config_userconfig: join(prefix, '.npmrc') },
  );
  if (yarn.status === 0) return join(prefix, 'node_modules', 'yarn', 'bin', 'yarn.js');
  console.warn(`yarn 1 could not be installed from the npm registry; its install test is skipped:\n${yarn.stderr}`);
  return undefined;
}

test.before(async () => {
  [ctx.registry, ctx.setup] = await Promise.all([startRegistry(), setUp()]);
  await publishPackage('@acme/util', { 'lib/util.js': 'exports.util = 1;\n' }, true);
  await publishPackage(
    '@acme/widget',
    {
      'package.json': {
        name: '@acme/widget',
        version: '1.0.0',
        main: 'index.js',
        bin: { widget: 'bin/widget.js' },
        dependencies: { '@acme/util': '1.0.0' },
      },
      'bin/widget.js': '#!/usr/bin/env node\nconsole.log("widget");\n',
      [WIDGET_FILE]: 'exports.widget = () => "widget";\n',
      'README.md': '# widget\n',
    },
    true,
  );
  await publishPackage('@acme/plain', {}, false);
  await publishPackage('free', {}, false);
});
test.after(async () => {
  await ctx.registry?.stop();
  await cleanTempDirs();
  rmSync(yarnPrefix, { recursive: true, force: true });
});

/** A consumer that pins the publisher's key, with `dependencies`, `.npmrc` for the registry. */
async function consumer(dependencies: Record<string, string>, revocations?: object[]): Promise<string> {
  const dir = await tempDir('sealpack-consumer-');
  await writeTree(dir, {
    'package.json': { name: 'consumer', version: '1.0.0', private: true, dependencies },
    '.sealpack/keys/release.asc': ctx.setup.publicKey,
    '.sealpackrc.json': POLICY,
    ...(revocations ? { '.sealpack/revocations.json': revocations } : {}),
  });
  await ctx.registry.writeNpmrc(dir);
  return dir;
}

const verdictOf = (r: RunResult) =>
  JSON.parse(r.stdout) as {
    ok: boolean;
    findings: {
      code: string;
      severity: string;
      package?: string;
      file?: string;
      expected?: string;
      found?: string;
      message: string;
    }[];
    summary: { passed: number };
  };
const errorCodes = (r: RunResult) =>
  verdictOf(r)
    .findings.filter((f) => f.severity === 'error')
    .map((f) => `${f.code} ${f.package}`);

for (const client of CLIENTS) {
  const it = client.name === 'yarn1' && !ctx.yarn ? test.skip : test;
  it(`${client.name}: a clean install verifies; one changed byte fails naming the package, the file and both digests`, async () => {
    const dir = await consumer({ '@acme/widget': '1.0.0', free: '1.0.0' });
    const installed = client.install(dir);
    assert.is(installed.status, 0, installed.stdout + installed.stderr);
    const widget = join(dir, 'node_modules', '@acme', 'widget');
    // What the client left on disk: the embedded seal, the files, nothing added or rewritten.
    assert.ok(existsSync(join(widget, '.sealpack', 'manifest.json')));
    assert.ok(existsSync(join(widget, '.sealpack', 'manifest.json.asc')));
    // yarn.lock is not a lockfile verify-lockfile reads (yet): the installed check covers yarn.
    if (client.name !== 'yarn1') {
      const before = sealpack(['verify-lockfile', '--json'], dir, ctx.setup.env);
      assert.is(before.status, 0, before.stdout + before.stderr);
      assert.is(verdictOf(before).summary.passed, 2, 'the lockfile pins @acme/widget and @acme/util');
    }
    const ok = sealpack(['verify-installed', '--json'], dir, ctx.setup.env);
    assert.is(ok.status, 0, ok.stdout + ok.stderr);
    const verdict = verdictOf(ok);
    assert.is(verdict.summary.passed, 2);
    // `free` has no seal and no rule covers it: one summary warning.
    assert.equal(
      verdict.findings.map((f) => `${f.severity} ${f.code}`),
      ['warning ESEAL_UNSIGNED'],
    );

    const original = await readFile(join(widget, WIDGET_FILE));
    await appendFile(join(widget, WIDGET_FILE), ' ');
    const bad = sealpack(['verify-installed', '--json'], dir, ctx.setup.env);
    assert.is(bad.status, 1, bad.stdout + bad.stderr);
    const [finding, ...rest] = verdictOf(bad).findings.filter((f) => f.severity === 'error');
    assert.equal(rest, []);
    assert.is(finding!.code, 'ESEAL_INTEGRITY');
    assert.is(finding!.package, '@acme/widget');
    assert.is(finding!.file, WIDGET_FILE);
    assert.is(finding!.expected, hashBytes(original).integrity);
    assert.is(finding!.found, hashBytes(Buffer.concat([original, Buffer.from(' ')])).integrity);
    const human = sealpack(['verify-installed'], dir, ctx.setup.env);
    assert.is(human.status, 1);
    assert.match(
      human.stdout,
      /error ESEAL_INTEGRITY: @acme\/widget@1\.0\.0: lib\/widget\.js differs from the manifest: expected sha512-/,
    );
    assert.ok(noStack(human));
  });
}

test('a package in a covered scope published without a seal fails verify-lockfile and verify-installed', async () => {
  const dir = await consumer({ '@acme/plain': '1.0.0', '@acme/util': '1.0.0' });
  assert.is(exec('npm', ['install', '--package-lock-only', '--no-audit'], dir, ctx.setup.env).status, 0);
  const lock = sealpack(['verify-lockfile', '--json'], dir, ctx.setup.env);
  assert.is(lock.status, 1, lock.stdout + lock.stderr);
  assert.equal(errorCodes(lock), ['ESEAL_UNSIGNED @acme/plain']);
  assert.is(exec('npm', ['ci', '--ignore-scripts', '--no-audit'], dir, ctx.setup.env).status, 0);
  const installed = sealpack(['verify-installed', '--json'], dir, ctx.setup.env);
  assert.is(installed.status, 1);
  assert.equal(errorCodes(installed), ['ESEAL_UNSIGNED @acme/plain']);
});

test('revocations: compromised fails; superseded after the signature passes, before it fails', async () => {
  const fingerprint = ctx.setup.fingerprint;
  const cases: [string, string, number][] = [
    ['compromised', new Date(Date.now() + 86_400_000).toISOString(), 1],
    ['superseded', new Date(Date.now() + 86_400_000).toISOString(), 0],
    ['superseded', '2020-01-01T00:00:00Z', 1],
  ];
  const dir = await consumer({ '@acme/util': '1.0.0' });
  assert.is(exec('npm', ['install', '--no-audit'], dir, ctx.setup.env).status, 0);
  for (const [reason, date, status] of cases) {
    await writeFile(join(dir, '.sealpack', 'revocations.json'), JSON.stringify([{ fingerprint, reason, date }]));
    for (const command of ['verify-installed', 'verify-lockfile']) {
      const r = sealpack([command, '--json'], dir, ctx.setup.env);
      assert.is(r.status, status, `${command} with ${reason} at ${date}: ${r.stdout}${r.stderr}`);
      if (status) assert.ok(errorCodes(r).includes('ESEAL_KEY_REVOKED @acme/util'), errorCodes(r).join());
    }
  }
});

test('an altered lockfile integrity fails verify-lockfile before anything is downloaded', async () => {
  const dir = await consumer({ '@acme/widget': '1.0.0' });
  assert.is(exec('npm', ['install', '--package-lock-only', '--no-audit'], dir, ctx.setup.env).status, 0);
  const path = join(dir, 'package-lock.json');
  const lock = JSON.parse(await readFile(path, 'utf8'));
  const forged = hashBytes(Buffer.from('a tarball with a backdoor')).integrity;
  const sealed = lock.packages['node_modules/@acme/widget'].integrity;
  lock.packages['node_modules/@acme/widget'].integrity = forged;
  await writeFile(path, JSON.stringify(lock, null, 2));
  const r = sealpack(['verify-lockfile', '--json'], dir, ctx.setup.env);
  assert.is(r.status, 1, r.stdout + r.stderr);
  const [finding] = verdictOf(r).findings;
  assert.is(finding!.code, 'ESEAL_INTEGRITY');
  assert.is(finding!.package, '@acme/widget');
  assert.is(finding!.expected, sealed);
  assert.is(finding!.found, forged);
  assert.not.ok(existsSync(join(dir, 'node_modules')));
});

test('pnpm hook: afterAllResolved stops an install whose resolution fails, before anything is installed', async () => {
  for (const pnpm of [[process.execPath, PNPM10], [PNPM12]]) {
    const dir = await consumer({ '@acme/plain': '1.0.0', '@acme/util': '1.0.0' });
    // The hook as `sealpack init --consumer` writes it, with @sealpack/pnpm from this checkout.
    await writeFile(
      join(dir, '.pnpmfile.cjs'),
      `module.exports = { hooks: require(${JSON.stringify(join(process.cwd(), 'plugins', 'pnpm'))}).sealpackHooks({ dir: __dirname }) };\n`,
    );
    const r = exec(pnpm[0]!, [...pnpm.slice(1), 'install'], dir, ctx.setup.env);
    assert.is.not(r.status, 0, `${pnpm.join(' ')} installed an unsealed covered package`);
    assert.match(r.stdout + r.stderr, /ESEAL_UNSIGNED: @acme\/plain@1\.0\.0/);
    assert.ok(noStack(r), r.stdout + r.stderr);
    // No lockfile is written either way. pnpm 10 stops before fetching anything; pnpm 12 runs
    // the hook while it fetches and links, so files may land (the postinstall check catches them).
    assert.not.ok(existsSync(join(dir, 'pnpm-lock.yaml')), 'the resolution was not recorded');
    if (pnpm[0] === process.execPath)
      assert.not.ok(existsSync(join(dir, 'node_modules', '@acme', 'plain')), 'nothing was installed');
    // A good resolution passes through the hook.
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, dependencies: { '@acme/widget': '1.0.0' } }),
    );
    const good = exec(pnpm[0]!, [...pnpm.slice(1), 'install'], dir, ctx.setup.env);
    assert.is(good.status, 0, good.stdout + good.stderr);
  }
});

const RECIPES: [string, [string, string[]][]][] = [
  [
    'npm: verify-lockfile && npm ci --ignore-scripts && verify-installed && npm rebuild',
    [
      ['npm', ['install', '--package-lock-only', '--no-audit']],
      [process.execPath, [CLI, 'verify-lockfile']],
      ['npm', ['ci', '--ignore-scripts', '--no-audit']],
      [process.execPath, [CLI, 'verify-installed']],
      ['npm', ['rebuild']],
    ],
  ],
  [
    'pnpm: verify-lockfile && pnpm install --frozen-lockfile --ignore-scripts && verify-installed && pnpm rebuild',
    [
      [process.execPath, [PNPM10, 'install', '--lockfile-only']],
      [process.execPath, [CLI, 'verify-lockfile']],
      [process.execPath, [PNPM10, 'install', '--frozen-lockfile', '--ignore-scripts']],
      [process.execPath, [CLI, 'verify-installed']],
      [process.execPath, [PNPM10, 'rebuild']],
    ],
  ],
];
for (const [name, steps] of RECIPES) {
  test(`the CI recipe, ${name}`, async () => {
    const dir = await consumer({ '@acme/widget': '1.0.0' });
    for (const [cmd, args] of steps) {
      const r = exec(cmd, args, dir, ctx.setup.env);
      assert.is(r.status, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    }
    assert.ok(existsSync(join(dir, 'node_modules', '@acme', 'widget', WIDGET_FILE)));
  });
}

test('the registry stopped: verify-lockfile reports each package, exit 2, no crash; cached seals still verify', async () => {
  const dir = await consumer({ '@acme/widget': '1.0.0' });
  assert.is(exec('npm', ['install', '--package-lock-only', '--no-audit'], dir, ctx.setup.env).status, 0);
  assert.is(sealpack(['verify-lockfile'], dir, ctx.setup.env).status, 0);
  await ctx.registry.kill();
  try {
    const r = sealpack(['verify-lockfile', '--json', '--no-cache'], dir, ctx.setup.env);
    assert.is(r.status, 2, r.stdout + r.stderr);
    assert.equal(errorCodes(r), ['ESEAL_REGISTRY @acme/util', 'ESEAL_REGISTRY @acme/widget']);
    assert.match(verdictOf(r).findings[0]!.message, /could not read its registry metadata: ECONNREFUSED/);
    assert.ok(noStack(r));
    const cached = sealpack(['verify-lockfile'], dir, ctx.setup.env);
    assert.is(cached.status, 0, cached.stdout + cached.stderr);
  } finally {
    await ctx.registry.restart();
  }
});

test.run();
