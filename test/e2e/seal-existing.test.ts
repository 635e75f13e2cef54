// `sealpack seal` on tarballs packed by someone else, shaped like real registry tarballs
// (an @types-style `node v22.20/` root folder, a shipped .npmignore), published with
// `sealpack publish X.tgz` to a real Verdaccio and installed by real npm; `--ignore-scripts`
// and a failing build's whole output.
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readTarball } from '@sealpack/manifest';
import { tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { rawTgz } from '../manifest/tar.js';
import { exec, noStack, sealpack, registrySuite, writeTree } from './publish-helpers.js';

const { test, ctx } = registrySuite('e2e: seal existing tarballs, publish them, install them');

const keyArgs = () => ['--key', ctx.setup.key];

/** A folder that pins the release key and points npm at the test registry. */
async function pinned(): Promise<string> {
  const dir = await tempDir('sealpack-pinned-');
  await writeTree(dir, { '.sealpack/keys/release.asc': ctx.setup.publicKey });
  await ctx.registry.writeNpmrc(dir);
  return dir;
}

/** An @types-style upstream tarball: root folder `node v22.20/`, a shipped .npmignore. */
async function typesTarball(name: string, version: string): Promise<string> {
  const dir = await tempDir('sealpack-upstream-');
  const files = packageFiles(name, version, {
    'index.d.ts': 'export declare const x: number;\n',
    'ts5.6/index.d.ts': 'export {};\n',
    '.npmignore': 'test/\n',
    'README.md': '# types\n',
  });
  return makeTarball(join(dir, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`), files, 'node v22.20');
}

/** The tar up to its first end-of-archive block: every original entry, header and data. */
function entriesOf(tgz: Buffer): Buffer {
  const tar = gunzipSync(tgz);
  for (let offset = 0; offset + 1024 <= tar.length; offset += 512) {
    if (tar.subarray(offset, offset + 1024).every((b) => b === 0)) return tar.subarray(0, offset);
  }
  throw new Error('no end-of-archive blocks');
}

test('seal: any root folder, every original entry byte-identical, embedded and detached seal; verify passes', async () => {
  const upstream = await typesTarball('@types/sealfix', '22.20.0');
  const original = await readFile(upstream);
  const out = await tempDir('sealpack-sealed-');
  const sealed = sealpack(['seal', upstream, '--out', out, ...keyArgs()], ctx.setup.home, ctx.setup.env);
  assert.is(sealed.status, 0, sealed.stdout + sealed.stderr);
  const tgz = join(out, 'types-sealfix-22.20.0.tgz');
  assert.equal((await readdir(out)).sort(), [
    'types-sealfix-22.20.0.tgz',
    'types-sealfix-22.20.0.tgz.asc',
    'types-sealfix-22.20.0.tgz.manifest.json',
    'types-sealfix-22.20.0.tgz.manifest.json.asc',
  ]);
  assert.equal(await readFile(upstream), original, 'with --out, the input is left as it was');
  const bytes = await readFile(tgz);
  const before = entriesOf(original);
  assert.ok(entriesOf(bytes).subarray(0, before.length).equals(before), 'original entries kept byte for byte');
  const contents = await readTarball(bytes);
  assert.is(contents.root, 'node v22.20');
  assert.ok(
    contents.files.some((f) => f.path === '.npmignore'),
    'the shipped .npmignore is kept',
  );
  const embedded = JSON.parse(contents.embedded!.manifest.toString());
  assert.equal(embedded.files, (await readTarball(original)).files);
  assert.match(contents.embedded!.signature!, /BEGIN PGP SIGNATURE/);

  const verified = sealpack(['verify', tgz], await pinned(), ctx.setup.env);
  assert.is(verified.status, 0, verified.stdout + verified.stderr);
});

test('seal in place, publish X.tgz, npm installs it, verify-installed checks the @types-style package', async () => {
  const upstream = await typesTarball('@types/sealfix-installed', '1.0.0');
  const sealed = sealpack(['seal', upstream, ...keyArgs()], ctx.setup.home, ctx.setup.env);
  assert.is(sealed.status, 0, sealed.stdout + sealed.stderr);
  assert.ok(existsSync(`${upstream}.manifest.json.asc`));
  const publisher = await pinned();
  const published = sealpack(['publish', upstream, ...keyArgs()], publisher, ctx.setup.env);
  assert.is(published.status, 0, published.stdout + published.stderr);
  const doc = await ctx.registry.fetchJson('@types%2fsealfix-installed', true);
  assert.ok(doc.body.versions['1.0.0'].dist.sealpack, 'registry seal sent');

  const consumer = await pinned();
  await writeTree(consumer, { 'package.json': { name: 'app', version: '1.0.0', private: true } });
  const installed = exec('npm', ['install', '@types/sealfix-installed@1.0.0'], consumer, ctx.setup.env);
  assert.is(installed.status, 0, installed.stdout + installed.stderr);
  assert.ok(existsSync(join(consumer, 'node_modules/@types/sealfix-installed/.npmignore')));
  const check = sealpack(['verify-installed', '--json'], consumer, ctx.setup.env);
  assert.is(check.status, 0, check.stdout + check.stderr);
  const lock = sealpack(['verify-lockfile'], consumer, ctx.setup.env);
  assert.is(lock.status, 0, lock.stdout + lock.stderr);
});

test('publish X.tgz accepts a tarball sealed with `sign` alone, with a warning that nothing is embedded', async () => {
  const dir = await tempDir('sealpack-signed-');
  const tgz = await makeTarball(join(dir, 'signed-only-1.0.0.tgz'), packageFiles('signed-only', '1.0.0'));
  assert.is(sealpack(['sign', tgz, ...keyArgs()], dir, ctx.setup.env).status, 0);
  const published = sealpack(['publish', tgz, ...keyArgs()], await pinned(), ctx.setup.env);
  assert.is(published.status, 0, published.stdout + published.stderr);
  assert.match(published.stderr, /no embedded seal \(sealed with `sealpack sign`\)/);
  const doc = await ctx.registry.fetchJson('signed-only');
  assert.ok(doc.body.versions['1.0.0'].dist.sealpack);
  // Without any seal: refused, nothing published.
  const plain = await makeTarball(join(dir, 'plain-1.0.0.tgz'), packageFiles('plain', '1.0.0'));
  const refused = sealpack(['publish', plain, ...keyArgs()], await pinned(), ctx.setup.env);
  assert.is(refused.status, 1, refused.stdout + refused.stderr);
  assert.match(refused.stdout, /ESEAL_UNSIGNED[\s\S]*sealpack seal/);
  assert.is((await ctx.registry.fetchJson('plain')).status, 404);
});

test('seal refuses what it cannot seal as it is, and writes nothing', async () => {
  const upstream = await typesTarball('@types/twice', '1.0.0');
  const out = await tempDir('sealpack-sealed-');
  assert.is(sealpack(['seal', upstream, '--out', out, ...keyArgs()], ctx.setup.home, ctx.setup.env).status, 0);
  const again = sealpack(['seal', join(out, 'types-twice-1.0.0.tgz'), ...keyArgs()], ctx.setup.home, ctx.setup.env);
  assert.is(again.status, 2);
  assert.match(again.stdout, /ESEAL_CONFIG: @types\/twice@1\.0\.0: expected a tarball without an embedded seal/);
  assert.ok(noStack(again));

  const dir = await tempDir('sealpack-bad-');
  const two = join(dir, 'two-1.0.0.tgz');
  await writeFile(
    two,
    rawTgz([
      { path: 'package/package.json', body: '{"name":"two","version":"1.0.0"}' },
      { path: 'other/index.js', body: 'x' },
    ]),
  );
  const refused = sealpack(['seal', two, ...keyArgs()], dir, ctx.setup.env);
  assert.is(refused.status, 2);
  assert.match(refused.stdout, /ESEAL_MALFORMED.*expected a path under package\//);
  assert.not.ok(existsSync(`${two}.manifest.json`));

  const noKey = sealpack(['seal', upstream], ctx.setup.home, { ...ctx.setup.env, SEALPACK_KEY: '' });
  assert.is(noKey.status, 2);
  assert.not.ok(existsSync(`${upstream}.manifest.json`));
});

test('--ignore-scripts packs without prepack; a failing script shows its whole output, the cause included', async () => {
  const dir = await pinned();
  const noise = Array.from({ length: 40 }, (_, i) => `echo build step ${i}`).join(' && ');
  await writeTree(dir, {
    'package.json': {
      name: 'needs-dev-deps',
      version: '1.0.0',
      scripts: { prepack: `echo "Error: Cannot find module 'npmignore'" >&2 && ${noise} && exit 7` },
    },
    'index.js': 'module.exports = 1;\n',
  });
  const failed = sealpack(['publish', ...keyArgs()], dir, ctx.setup.env);
  assert.is(failed.status, 2);
  assert.match(failed.stdout, /Cannot find module 'npmignore'/, 'the first line of the failure is shown');
  assert.match(failed.stdout, /build step 39/);
  assert.match(failed.stdout, /failed: its prepack script exited with code 7/);
  assert.ok(noStack(failed));
  const published = sealpack(['publish', '--ignore-scripts', ...keyArgs()], dir, ctx.setup.env);
  assert.is(published.status, 0, published.stdout + published.stderr);
  const packed = sealpack(['pack', '--ignore-scripts', '--out', await tempDir(), ...keyArgs()], dir, ctx.setup.env);
  assert.is(packed.status, 0, packed.stdout + packed.stderr);
});

test.run();
