// `sealpack publish -r` against a real Verdaccio, where the registry's history is not what
// sealpack left there: versions published around the guard or by an unpinned key, a build
// that fails, changesets' New tag lines, `access`, pre mode, and --provenance reaching
// libnpmpublish.
import * as assert from 'uvu/assert';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { generateKey } from '@sealpack/openpgp';
import { tempDir } from '../helpers/index.js';
import { exec, noStack, sealpack, sealpackAsync, registrySuite, writeTree } from './publish-helpers.js';

const { test, ctx } = registrySuite('e2e: publish -r checks what is already released');

const keyArgs = () => ['--key', ctx.setup.key];

/** An npm workspace of `packages` (name → package.json fields and files), the release key pinned, a git repository. */
async function workspace(
  packages: Record<string, { json?: object; files?: Record<string, string> }>,
  extra: Record<string, string | object> = {},
) {
  const root = await tempDir('sealpack-release-');
  const tree: Record<string, string | object> = {
    'package.json': { name: 'release-root', private: true, workspaces: ['packages/*'] },
    'package-lock.json': '{}\n',
    '.sealpack/keys/release.asc': ctx.setup.publicKey,
    ...extra,
  };
  for (const [name, { json, files }] of Object.entries(packages)) {
    const dir = `packages/${name.split('/').pop()}`;
    tree[`${dir}/package.json`] = { name, version: '1.0.0', main: 'index.js', ...json };
    tree[`${dir}/index.js`] = 'module.exports = 1;\n';
    for (const [path, content] of Object.entries(files ?? {})) tree[`${dir}/${path}`] = content;
  }
  await writeTree(root, tree);
  await ctx.registry.writeNpmrc(root);
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'initial'],
  ])
    assert.is(exec('git', args, root, ctx.setup.env).status, 0);
  return root;
}

test('a version in the registry without a seal, or sealed by an unpinned key, is a FAILED row (exit 1), not "already in registry"', async () => {
  const root = await workspace({ 'around-guard': {}, 'other-key': {}, 'fine-one': {} });
  // Published around sealpack: a plain npm publish.
  assert.is(exec('npm', ['publish'], join(root, 'packages/around-guard'), ctx.setup.env).status, 0);
  // Sealed, but by a key the repository does not pin.
  const stranger = await generateKey({ name: 'stranger', email: 's@example.com' });
  const strangerKey = join(ctx.setup.home, 'stranger.key.asc');
  await writeTree(ctx.setup.home, { 'stranger.key.asc': stranger.privateKey });
  const other = join(root, 'packages/other-key');
  // `publish DIR` reads the package folder's .npmrc, as npm does: never the real registry.
  await ctx.registry.writeNpmrc(other);
  await ctx.registry.writeNpmrc(join(root, 'packages/fine-one'));
  const planted = sealpack(['publish', '--key', strangerKey], other, { ...ctx.setup.env, SEALPACK_PASSPHRASE: '' });
  assert.is(planted.status, 0, planted.stdout + planted.stderr);
  assert.is(sealpack(['publish', ...keyArgs()], join(root, 'packages/fine-one'), ctx.setup.env).status, 0);

  const result = sealpack(['publish', '-r', ...keyArgs()], root, ctx.setup.env);
  assert.is(result.status, 1, result.stdout + result.stderr);
  assert.match(
    result.stdout,
    /around-guard\s+1\.0\.0\s+FAILED: around-guard@1\.0\.0 is in \S+ without a seal \(published around sealpack\)/,
  );
  assert.match(
    result.stdout,
    /other-key\s+1\.0\.0\s+FAILED: other-key@1\.0\.0 is in \S+, but its seal fails: signature #1 by key [0-9A-F]+ is not from a pinned key/,
    result.stdout,
  );
  assert.match(result.stdout, /fine-one\s+1\.0\.0\s+already in registry/);
  const json = JSON.parse(sealpack(['publish', '-r', '--json', ...keyArgs()], root, ctx.setup.env).stdout);
  assert.equal(
    json.outcomes.map((o: { name: string; status: string; code?: string }) => `${o.name} ${o.status} ${o.code ?? ''}`.trim()),
    ['around-guard failed ESEAL_UNSIGNED', 'fine-one exists', 'other-key failed ESEAL_UNKNOWN_KEY'],
  );
});

test('a failing build: its whole output under the table, dependents skipped; New tag: lines for what was published', async () => {
  const noise = Array.from({ length: 30 }, (_, i) => `echo build line ${i}`).join(' && ');
  const root = await workspace({
    'nt-base': {},
    'nt-broken': { json: { scripts: { prepack: `echo "Error: Cannot find module 'rollup'" >&2 && ${noise} && exit 3` } } },
    'nt-dependent': { json: { dependencies: { 'nt-broken': '^1.0.0' } } },
  });
  const result = sealpack(['publish', '-r', ...keyArgs()], root, ctx.setup.env);
  assert.is(result.status, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /nt-broken\s+1\.0\.0\s+FAILED: .*failed: its prepack script exited with code 3/);
  assert.match(result.stdout, /nt-dependent\s+1\.0\.0\s+skipped: its dependency nt-broken was not published/);
  assert.match(result.stdout, /nt-broken@1\.0\.0:\n(.*\n)*\s+Error: Cannot find module 'rollup'/);
  assert.match(result.stdout, /build line 29\n(.*\n)*\s+hint: the package's own `prepack` script failed/);
  assert.ok(noStack(result));
  // changesets/action reads these lines (its regex: /New tag:\s+(@[^/]+\/[^@]+|[^/]+)@([^\s]+)/).
  assert.equal(
    result.stdout.split('\n').filter((l) => l.includes('New tag:')),
    ['New tag:  nt-base@1.0.0'],
  );
  assert.match(exec('git', ['tag', '--list'], root, ctx.setup.env).stdout, /^nt-base@1\.0\.0$/m);
});

test('.changeset/config.json access reaches the publish; pre mode: only-prerelease packages go to latest, as changesets does', async () => {
  // A front that records the access every publish asks for.
  const accesses: Record<string, string | undefined> = {};
  const front = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'PUT' && body.length) {
        const doc = JSON.parse(body.toString('utf8')) as { name?: string; access?: string };
        if (doc.name) accesses[doc.name] = doc.access ?? undefined;
      }
      const up = request(
        { host: '127.0.0.1', port: ctx.registry.port, path: req.url, method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const port = (front.address() as { port: number }).port;
  try {
    const root = await workspace(
      {
        '@pre/fresh': { json: { version: '2.0.0-beta.0' } },
        '@pre/only-pre': { json: { version: '1.0.0-beta.1' } },
        '@pre/regular': { json: { version: '1.1.0-beta.0' } },
        '@pre/own-access': { json: { version: '1.0.0-beta.0', publishConfig: { access: 'restricted' } } },
      },
      {
        '.changeset/config.json': { access: 'public', baseBranch: 'main' },
        '.changeset/pre.json': { mode: 'pre', tag: 'beta', initialVersions: {}, changesets: [] },
      },
    );
    await writeTree(root, {
      '.npmrc': `registry=http://127.0.0.1:${port}/\n//127.0.0.1:${port}/:_authToken=${ctx.registry.token}\n`,
    });
    // History: only-pre has only beta versions so far; regular had a regular release.
    const history = await tempDir('sealpack-history-');
    for (const [name, version, tag] of [
      ['@pre/only-pre', '1.0.0-beta.0', 'beta'],
      ['@pre/regular', '1.0.0', 'latest'],
    ] as const) {
      const dir = join(history, name.split('/')[1]!);
      await writeTree(dir, { 'package.json': { name, version }, 'index.js': '' });
      await ctx.registry.writeNpmrc(dir);
      const r = sealpack(['publish', '--tag', tag, ...keyArgs()], dir, ctx.setup.env);
      assert.is(r.status, 0, r.stdout + r.stderr);
    }
    const result = await sealpackAsync(['publish', '-r', '--no-git-tag', ...keyArgs()], root, ctx.setup.env);
    assert.is(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /@pre\/fresh\s+2\.0\.0-beta\.0\s+published \(beta\)/);
    assert.match(result.stdout, /@pre\/only-pre\s+1\.0\.0-beta\.1\s+published \(latest\)/);
    assert.match(result.stdout, /@pre\/regular\s+1\.1\.0-beta\.0\s+published \(beta\)/);
    assert.equal(accesses, {
      '@pre/fresh': 'public',
      '@pre/only-pre': 'public',
      '@pre/regular': 'public',
      '@pre/own-access': 'restricted',
    });
    assert.is((await ctx.registry.fetchJson('@pre%2fonly-pre')).body['dist-tags'].latest, '1.0.0-beta.1');
  } finally {
    front.close();
    front.closeAllConnections();
  }
});

test('--provenance and NPM_CONFIG_PROVENANCE reach libnpmpublish: without an OIDC token, nothing is published (exit 2)', async () => {
  const root = await workspace({ 'with-provenance': {} });
  const dir = join(root, 'packages/with-provenance');
  await ctx.registry.writeNpmrc(dir);
  // In GitHub Actions without `id-token: write`, libnpmpublish refuses before any upload.
  const actions = { ...ctx.setup.env, GITHUB_ACTIONS: 'true', CI: 'true' };
  for (const [args, env] of [
    [['publish', '--provenance', ...keyArgs()], actions],
    [['publish', ...keyArgs()], { ...actions, NPM_CONFIG_PROVENANCE: 'true' }],
    [['publish', '-r', '--provenance', ...keyArgs()], actions],
  ] as const) {
    const result = sealpack([...args], args.includes('-r') ? root : dir, env);
    assert.not.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(
      result.stdout + result.stderr,
      /Provenance generation in GitHub Actions requires "write" access to the "id-token" permission/,
    );
    assert.ok(noStack(result));
  }
  assert.is((await ctx.registry.fetchJson('with-provenance')).status, 404);
});

test('a .changeset/config.json that is not JSON stops publish -r before anything is packed (exit 2)', async () => {
  const root = await workspace({ 'bad-config': {} }, { '.changeset/config.json': '{ "access": ' });
  const result = sealpack(['publish', '-r', ...keyArgs()], root, ctx.setup.env);
  assert.is(result.status, 2, result.stdout + result.stderr);
  assert.match(result.stdout, /ESEAL_CONFIG: .*config\.json: expected JSON/);
  assert.is((await ctx.registry.fetchJson('bad-config')).status, 404);
});

test.run();
