// `sealpack publish -r` as the sealed `changeset publish`: a pnpm workspace with
// `workspace:` dependencies, versioned by real changesets, published to a real Verdaccio;
// a rerun, a registry outage in the middle, and pre mode.
import * as assert from 'uvu/assert';
import { createServer, request, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareFiles, readTarball } from '@sealpack/manifest';
import { tempDir } from '../helpers/index.js';
import type { Registry } from '../helpers/registry.js';
import { CHANGESET, exec, PNPM10, PNPM12, sealpack, sealpackAsync, registrySuite, writeTree } from './publish-helpers.js';

// `mono`: the workspace the first test released, reused by the pre-mode test (saves a setup).
const { test, ctx } = registrySuite<{ mono: string }>('e2e: sealpack publish -r (changesets monorepo)');

/**
 * A pnpm workspace: core ← ui ← app (workspace: ranges of three kinds), a private docs
 * package, changesets configured, one changeset bumping all three, a git repository.
 */
async function monorepo(scope: string, pnpm: string[], npmrcExtra = ''): Promise<string> {
  const root = await tempDir('sealpack-mono-');
  const pkg = (name: string, deps: Record<string, string> = {}, extra: object = {}) => ({
    name: `${scope}/${name}`,
    version: '0.1.0',
    main: 'index.js',
    ...(Object.keys(deps).length ? { dependencies: deps } : {}),
    ...extra,
  });
  await writeTree(root, {
    'package.json': { name: `${scope}-root`, private: true },
    'pnpm-workspace.yaml': 'packages:\n  - packages/*\n',
    '.gitignore': 'node_modules\n',
    '.changeset/config.json': {
      changelog: false,
      commit: false,
      access: 'public',
      baseBranch: 'main',
      updateInternalDependencies: 'patch',
      ignore: [],
    },
    '.changeset/first-release.md': `---\n'${scope}/core': minor\n'${scope}/ui': minor\n'${scope}/app': minor\n---\n\nFirst release.\n`,
    'packages/core/package.json': pkg('core'),
    'packages/core/index.js': 'exports.core = 1;\n',
    'packages/ui/package.json': pkg('ui', { [`${scope}/core`]: 'workspace:^' }),
    'packages/ui/index.js': 'exports.ui = 1;\n',
    'packages/app/package.json': pkg('app', { [`${scope}/ui`]: 'workspace:*', [`${scope}/core`]: 'workspace:~' }),
    'packages/app/index.js': 'exports.app = 1;\n',
    'packages/docs/package.json': pkg('docs', {}, { private: true }),
  });
  await ctx.registry.writeNpmrc(root, `fetch-retries=0\n${npmrcExtra}`);
  const env = ctx.setup.env;
  const pm = (args: string[]) =>
    pnpm.length === 2 ? exec(pnpm[0]!, [pnpm[1]!, ...args], root, env) : exec(pnpm[0]!, args, root, env);
  const install = pm(['install', '--offline', '--reporter=silent']);
  assert.is(install.status, 0, install.stderr + install.stdout);
  const init = sealpack(['init'], root, env);
  assert.is(init.status, 0, init.stdout + init.stderr);
  // The release key pinned in the repository: publish -r checks the seals already released.
  await writeTree(root, { '.sealpack/keys/release.asc': ctx.setup.publicKey });
  for (const cmd of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'initial'],
  ])
    assert.is(exec('git', cmd, root, env).status, 0);
  const version = exec(process.execPath, [CHANGESET, 'version'], root, env);
  assert.is(version.status, 0, version.stderr + version.stdout);
  assert.is(JSON.parse(await readFile(join(root, 'packages/app/package.json'), 'utf8')).version, '0.2.0');
  return root;
}

async function publishedPackageJson(name: string, version: string) {
  const doc = await ctx.registry.fetchJson(name.replace('/', '%2f'));
  assert.is(doc.status, 200, `${name} is in the registry`);
  const dist = doc.body.versions[version].dist;
  const bytes = Buffer.from(await (await fetch(dist.tarball)).arrayBuffer());
  return { dist, bytes, contents: await readTarball(bytes) };
}

test('changeset version, then publish -r: dependencies first, real versions, embedded seals match, git tags; a rerun publishes nothing', async () => {
  const root = await monorepo('@mono', [process.execPath, PNPM10]);
  ctx.mono = root;
  // The guard `sealpack init` put in every publishable package: changeset publish (npm publish
  // underneath) is refused and publishes nothing.
  const plain = exec(process.execPath, [CHANGESET, 'publish'], root, ctx.setup.env);
  assert.match(plain.stdout + plain.stderr, /ESEAL_UNSIGNED/);
  assert.is((await ctx.registry.fetchJson('@mono%2fcore')).status, 404);

  const first = sealpack(['publish', '-r', '--key', ctx.setup.key], root, ctx.setup.env);
  assert.is(first.status, 0, first.stderr + first.stdout);
  const rows = first.stdout.split('\n').filter((l) => l.startsWith('@mono/'));
  assert.equal(
    rows.map((l) => l.split(/\s+/).slice(0, 3).join(' ')),
    ['@mono/core 0.2.0 published', '@mono/ui 0.2.0 published', '@mono/app 0.2.0 published'],
  );
  assert.not.match(first.stdout, /docs/);

  for (const name of ['@mono/core', '@mono/ui', '@mono/app']) {
    const { dist, contents } = await publishedPackageJson(name, '0.2.0');
    assert.ok(dist.sealpack, `${name}: dist.sealpack`);
    assert.is(JSON.parse(dist.sealpack.manifest).tarball.integrity, dist.integrity);
    const embedded = JSON.parse(contents.embedded!.manifest.toString('utf8'));
    const diff = compareFiles(embedded.files, contents.files);
    assert.equal(diff, { changed: [], missing: [], extra: [] }, `${name}: embedded manifest matches the published bytes`);
    const pkg = JSON.parse(contents.packageJson!.bytes.toString('utf8'));
    assert.not.match(JSON.stringify(pkg.dependencies ?? {}), /workspace:/);
  }
  const app = JSON.parse((await publishedPackageJson('@mono/app', '0.2.0')).contents.packageJson!.bytes.toString('utf8'));
  assert.equal(app.dependencies, { '@mono/ui': '0.2.0', '@mono/core': '~0.2.0' });

  const tags = exec('git', ['tag', '--list'], root, ctx.setup.env).stdout.trim().split('\n').sort();
  assert.equal(tags, ['@mono/app@0.2.0', '@mono/core@0.2.0', '@mono/ui@0.2.0']);

  const again = sealpack(['publish', '-r', '--key', ctx.setup.key], root, ctx.setup.env);
  assert.is(again.status, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /0 published, 3 already in registry, 0 failed, 0 skipped/);
});

/** A registry front that stops answering (connections refused) after `n` publishes. */
async function flakyFront(
  target: Registry,
  n: number,
): Promise<{ url: string; port: number; start(): Promise<void>; server: Server }> {
  let puts = 0;
  const server = createServer((req, res) => {
    const upstream = request(
      { host: '127.0.0.1', port: target.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('end', () => {
          if (req.method === 'PUT' && ++puts === n) {
            // The registry goes down: refuse every connection from now on.
            server.close();
            server.closeAllConnections();
          }
        });
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    server,
    start: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => ((puts = -Infinity), resolve()))),
  };
}

test('the registry goes down in the middle (pnpm 12): every outcome reported, exit 1; the rerun completes the rest', async () => {
  const front = await flakyFront(ctx.registry, 1);
  const root = await monorepo('@down', [PNPM12]);
  await writeFile(
    join(root, '.npmrc'),
    `registry=${front.url}\n//127.0.0.1:${front.port}/:_authToken=${ctx.registry.token}\nfetch-retries=0\n`,
  );
  const env = { ...ctx.setup.env, SEALPACK_PNPM: PNPM12 };
  const first = await sealpackAsync(['publish', '-r', '--key', ctx.setup.key], root, env);
  assert.is(first.status, 1, first.stderr + first.stdout);
  assert.match(first.stdout, /@down\/core\s+0\.2\.0\s+published/);
  assert.match(first.stdout, /@down\/ui\s+0\.2\.0\s+FAILED: .*(ECONNREFUSED|cannot ask)/);
  assert.match(first.stdout, /@down\/app\s+0\.2\.0\s+skipped: its dependency @down\/ui was not published/);
  assert.match(first.stdout, /1 published, 0 already in registry, 1 failed, 1 skipped/);
  assert.not.match(first.stdout + first.stderr, /internal error/);
  assert.is((await ctx.registry.fetchJson('@down%2fui')).status, 404);

  await front.start();
  const rerun = await sealpackAsync(['publish', '-r', '--key', ctx.setup.key], root, env);
  front.server.close();
  front.server.closeAllConnections();
  assert.is(rerun.status, 0, rerun.stderr + rerun.stdout);
  assert.match(rerun.stdout, /@down\/core\s+0\.2\.0\s+already in registry/);
  assert.match(rerun.stdout, /@down\/ui\s+0\.2\.0\s+published/);
  assert.match(rerun.stdout, /@down\/app\s+0\.2\.0\s+published/);
  const app = await publishedPackageJson('@down/app', '0.2.0');
  assert.not.match(app.contents.packageJson!.bytes.toString('utf8'), /workspace:/);
});

test('pre mode: prerelease versions get the dist-tag from .changeset/pre.json', async () => {
  // The workspace the first test published at 0.2.0 (latest).
  const root = ctx.mono;
  const env = ctx.setup.env;
  const tagsBefore = exec('git', ['tag', '--list'], root, env).stdout;
  assert.is(exec(process.execPath, [CHANGESET, 'pre', 'enter', 'beta'], root, env).status, 0);
  await writeTree(root, { '.changeset/more.md': "---\n'@mono/core': patch\n---\n\nFix.\n" });
  const version = exec(process.execPath, [CHANGESET, 'version'], root, env);
  assert.is(version.status, 0, version.stdout + version.stderr);
  const coreVersion = JSON.parse(await readFile(join(root, 'packages/core/package.json'), 'utf8')).version;
  assert.match(coreVersion, /-beta\.0$/);
  const result = sealpack(['publish', '-r', '--no-git-tag', '--key', ctx.setup.key], root, env);
  assert.is(result.status, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /@mono\/core\s+\S+-beta\.0\s+published \(beta\)/);
  const doc = await ctx.registry.fetchJson('@mono%2fcore');
  assert.is(doc.body['dist-tags'].beta, coreVersion);
  assert.is(doc.body['dist-tags'].latest, '0.2.0', 'a prerelease never becomes latest');
  assert.is(exec('git', ['tag', '--list'], root, env).stdout, tagsBefore, '--no-git-tag');
});

test('npm workspaces: packed by npm, --dry-run publishes nothing, then both publish in order', async () => {
  const root = await tempDir('sealpack-npmws-');
  await writeTree(root, {
    'package.json': { name: 'npmws-root', private: true, workspaces: ['packages/*'] },
    'package-lock.json': '{}\n',
    'packages/lib/package.json': { name: 'npmws-lib', version: '1.0.0' },
    'packages/lib/index.js': 'exports.lib = 1;\n',
    'packages/cli/package.json': { name: 'npmws-cli', version: '1.0.0', dependencies: { 'npmws-lib': '^1.0.0' } },
    'packages/cli/index.js': 'exports.cli = 1;\n',
  });
  await ctx.registry.writeNpmrc(root);
  const dry = sealpack(['publish', '-r', '--dry-run', '--key', ctx.setup.key], root, ctx.setup.env);
  assert.is(dry.status, 0, dry.stdout + dry.stderr);
  assert.match(dry.stdout, /npmws-lib\s+1\.0\.0\s+would publish/);
  assert.is((await ctx.registry.fetchJson('npmws-lib')).status, 404);
  const real = sealpack(['publish', '-r', '--json', '--key', ctx.setup.key], root, ctx.setup.env);
  assert.is(real.status, 0, real.stdout + real.stderr);
  const result = JSON.parse(real.stdout);
  assert.equal(
    result.outcomes.map((o: { name: string; status: string }) => `${o.name} ${o.status}`),
    ['npmws-lib published', 'npmws-cli published'],
  );
  const cli = await publishedPackageJson('npmws-cli', '1.0.0');
  assert.ok(cli.contents.embedded);
});

test.run();
