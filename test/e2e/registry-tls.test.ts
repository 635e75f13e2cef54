// The one registry client against a registry over HTTPS whose certificate comes from a private
// CA (made with openssl), given to npm and sealpack alike as `cafile=` in `.npmrc`: publish,
// npm's install and verify-lockfile all read it; without it, nothing is checked (exit 2).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanTempDirs, tempDir } from '../helpers/index.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { exec, noStack, sealpack, setUp, writeTree, type Setup } from './publish-helpers.js';

const test = suite('e2e: registry over HTTPS with a private CA');
const ctx = {} as { registry: Registry; setup: Setup; consumer: string };

test.before(async () => {
  [ctx.registry, ctx.setup] = await Promise.all([startRegistry({ tls: true }), setUp()]);
  const cafile = `cafile=${ctx.registry.cafile}\n`;
  const dir = await writeTree(await tempDir('sealpack-pub-'), {
    'package.json': { name: '@acme/tls-widget', version: '1.0.0', main: 'index.js' },
    'index.js': 'module.exports = 1;\n',
  });
  await ctx.registry.writeNpmrc(dir, cafile);
  const published = sealpack(['publish', '--key', ctx.setup.key], dir, ctx.setup.env);
  assert.is(published.status, 0, published.stdout + published.stderr);

  ctx.consumer = await writeTree(await tempDir('sealpack-consumer-'), {
    'package.json': { name: 'consumer', version: '1.0.0', private: true, dependencies: { '@acme/tls-widget': '1.0.0' } },
    '.sealpackrc.json': { trust: [{ packages: '@acme/*', keys: ['release'] }] },
  });
  await mkdir(join(ctx.consumer, '.sealpack', 'keys'), { recursive: true });
  await writeFile(join(ctx.consumer, '.sealpack', 'keys', 'release.asc'), ctx.setup.publicKey);
  await ctx.registry.writeNpmrc(ctx.consumer, cafile);
  const installed = exec('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], ctx.consumer, ctx.setup.env);
  assert.is(installed.status, 0, installed.stdout + installed.stderr);
});
test.after(async () => {
  await ctx.registry?.stop();
  await cleanTempDirs();
});

test('verify-lockfile reads the HTTPS registry with the cafile of .npmrc', () => {
  const r = sealpack(['verify-lockfile', '--no-cache'], ctx.consumer, ctx.setup.env);
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /1 checked, 1 passed/);
});

test('without the CA: ESEAL_REGISTRY, exit 2, and a hint naming cafile (never strict-ssl=false)', async () => {
  await ctx.registry.writeNpmrc(ctx.consumer);
  const r = sealpack(['verify-lockfile', '--no-cache'], ctx.consumer, ctx.setup.env);
  assert.is(r.status, 2, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /error ESEAL_REGISTRY: @acme\/tls-widget@1\.0\.0: could not read its registry metadata: [A-Z_]+CERT|SIGNATURE/,
  );
  assert.match(r.stdout, /hint: the registry's TLS certificate is not trusted: give your private CA as `cafile=/);
  assert.ok(noStack(r));
  await ctx.registry.writeNpmrc(ctx.consumer, `cafile=${ctx.registry.cafile}\n`);
});

test('publish -r asks the HTTPS registry what is published through the same client', async () => {
  const dir = await writeTree(await tempDir('sealpack-pub-'), {
    'package.json': { name: '@acme/tls-widget', version: '1.0.0', main: 'index.js' },
    'index.js': 'module.exports = 1;\n',
    // publish -r checks the seal of the version already there against the pinned release key.
    '.sealpack/keys/release.asc': ctx.setup.publicKey,
  });
  await ctx.registry.writeNpmrc(dir, `cafile=${ctx.registry.cafile}\n`);
  const r = sealpack(['publish', '-r', '--key', ctx.setup.key], dir, ctx.setup.env);
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /already|exists/i);
});

test.run();
