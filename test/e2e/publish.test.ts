// `sealpack pack` and `sealpack publish` against a real Verdaccio, with real npm and pnpm:
// what lands in the registry, what a consumer fetches back, and what must publish nothing.
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readTarball } from '@sealpack/manifest';
import { tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { generateKey } from '@sealpack/openpgp';
import { exec, noStack, PASS, PNPM10, PNPM12, sealpack, registrySuite, writeTree } from './publish-helpers.js';

const { test, ctx } = registrySuite('e2e: sealed publish to Verdaccio');

/** A package folder with `.npmrc` auth for the test registry; `guard` adds `prepublishOnly: sealpack guard`. */
async function makePackage(
  name: string,
  version = '1.0.0',
  options: { guard?: boolean; extra?: Record<string, string | object> } = {},
) {
  const dir = await tempDir('sealpack-pkg-');
  await writeTree(dir, {
    'package.json': {
      name,
      version,
      main: 'index.js',
      ...(options.guard ? { scripts: { prepublishOnly: 'sealpack guard' } } : {}),
    },
    'index.js': `module.exports = ${JSON.stringify(name)};\n`,
    'README.md': `# ${name}\n`,
    ...options.extra,
  });
  await ctx.registry.writeNpmrc(dir);
  return dir;
}

async function consumerWithKey(revocations?: object[]) {
  const dir = await tempDir('sealpack-consumer-');
  await writeTree(dir, { '.sealpack/keys/release.asc': ctx.setup.publicKey });
  if (revocations) await writeTree(dir, { '.sealpack/revocations.json': JSON.stringify(revocations) });
  return dir;
}

const keyArgs = () => ['--key', ctx.setup.key];

/** Pins the release key where `sealpack publish X.tgz` runs (after packing: not shipped). */
const pinReleaseKey = (dir: string) => writeTree(dir, { '.sealpack/keys/release.asc': ctx.setup.publicKey });

test('pack, then publish the tarball: full and abbreviated metadata carry dist.sealpack; the fetched tarball verifies', async () => {
  const dir = await makePackage('sealed-one');
  const out = await tempDir('sealpack-out-');
  const packed = sealpack(['pack', '--out', out, ...keyArgs()], dir, ctx.setup.env);
  assert.is(packed.status, 0, packed.stdout + packed.stderr);
  const tgz = join(out, 'sealed-one-1.0.0.tgz');
  assert.is(packed.stdout.trim(), tgz);
  assert.equal((await readdir(out)).sort(), [
    'sealed-one-1.0.0.tgz',
    'sealed-one-1.0.0.tgz.asc',
    'sealed-one-1.0.0.tgz.manifest.json',
    'sealed-one-1.0.0.tgz.manifest.json.asc',
  ]);

  // The release job: publish the sealed tarball byte for byte.
  await pinReleaseKey(dir);
  const published = sealpack(['publish', tgz, ...keyArgs()], dir, ctx.setup.env);
  assert.is(published.status, 0, published.stdout + published.stderr);
  assert.ok(noStack(published));

  const full = await ctx.registry.fetchJson('sealed-one');
  assert.is(full.status, 200);
  const dist = full.body.versions['1.0.0'].dist;
  const local = await readFile(tgz);
  const contents = await readTarball(local);
  assert.is(dist.integrity, contents.tarball.integrity, 'the registry stores our bytes');
  assert.type(dist.sealpack?.manifest, 'string');
  assert.match(dist.sealpack.signature, /BEGIN PGP SIGNATURE/);
  const registryManifest = JSON.parse(dist.sealpack.manifest);
  assert.equal(registryManifest, {
    format: 'sealpack/manifest@1',
    name: 'sealed-one',
    version: '1.0.0',
    tarball: contents.tarball,
  });

  const abbreviated = await ctx.registry.fetchJson('sealed-one', true);
  assert.is(abbreviated.status, 200);
  assert.equal(
    abbreviated.body.versions['1.0.0'].dist.sealpack,
    dist.sealpack,
    'abbreviated install metadata keeps dist.sealpack',
  );

  // A consumer fetches the tarball, puts the detached seal beside it, and verifies.
  const res = await fetch(dist.tarball);
  const fetched = Buffer.from(await res.arrayBuffer());
  assert.ok(fetched.equals(local), 'byte for byte');
  const fetchedContents = await readTarball(fetched);
  assert.ok(fetchedContents.embedded?.manifest && fetchedContents.embedded.signature, 'contains .sealpack/');
  const consumer = await consumerWithKey();
  const downloaded = join(consumer, 'sealed-one-1.0.0.tgz');
  await writeFile(downloaded, fetched);
  for (const suffix of ['.asc', '.manifest.json', '.manifest.json.asc']) await copyFile(tgz + suffix, downloaded + suffix);
  const verified = sealpack(['verify', downloaded], consumer, ctx.setup.env);
  assert.is(verified.status, 0, verified.stdout + verified.stderr);
});

test("publish DIR packs, seals and publishes in one step, with --tag, to the scope's registry", async () => {
  const dir = await makePackage('@scoped/one-step', '2.0.0');
  // The default registry is dead: only `@scoped:registry` reaches Verdaccio.
  const { url, port, token } = ctx.registry;
  await writeFile(
    join(dir, '.npmrc'),
    `registry=http://127.0.0.1:9/\n@scoped:registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`,
  );
  const result = sealpack(['publish', '--tag', 'next', ...keyArgs()], dir, ctx.setup.env);
  assert.is(result.status, 0, result.stdout + result.stderr);
  const doc = await ctx.registry.fetchJson('@scoped%2fone-step');
  assert.is(doc.body['dist-tags'].next, '2.0.0');
  assert.ok(doc.body.versions['2.0.0'].dist.sealpack);
  // The folder is left as it was: no tarball or seal written into it.
  assert.equal((await readdir(dir)).sort(), ['.npmrc', 'README.md', 'index.js', 'package.json']);
});

test('the registry and token come from NODE_AUTH_TOKEN in .npmrc; a missing token is refused by the registry', async () => {
  const dir = await makePackage('token-from-env');
  const { port } = ctx.registry;
  await writeFile(
    join(dir, '.npmrc'),
    `registry=${ctx.registry.url}\n//127.0.0.1:${port}/:_authToken=\${NODE_AUTH_TOKEN}\nfetch-retries=0\n`,
  );
  const refused = sealpack(['publish', ...keyArgs()], dir, { ...ctx.setup.env, NODE_AUTH_TOKEN: 'wrong-token' });
  assert.is(refused.status, 2, refused.stdout + refused.stderr);
  assert.match(refused.stdout, /error ESEAL_REGISTRY: token-from-env@1\.0\.0: .* refused the publish/);
  assert.match(
    refused.stdout,
    /hint: the registry refused the credentials for an upload: set a token with publish \(write\) access/,
  );
  assert.ok(noStack(refused));
  const ok = sealpack(['publish', ...keyArgs()], dir, { ...ctx.setup.env, NODE_AUTH_TOKEN: ctx.registry.token });
  assert.is(ok.status, 0, ok.stdout + ok.stderr);
});

test('--dry-run publishes nothing', async () => {
  const dir = await makePackage('dry-one');
  const result = sealpack(['publish', '--dry-run', ...keyArgs()], dir, ctx.setup.env);
  assert.is(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /dry run/);
  assert.is((await ctx.registry.fetchJson('dry-one')).status, 404);
});

test('the wrong passphrase publishes nothing', async () => {
  const dir = await makePackage('wrong-pass');
  const result = sealpack(['publish', ...keyArgs()], dir, { ...ctx.setup.env, SEALPACK_PASSPHRASE: 'not it' });
  assert.is(result.status, 2, result.stdout + result.stderr);
  assert.match(result.stdout, /error ESEAL_CONFIG: .*wrong passphrase/);
  assert.is((await ctx.registry.fetchJson('wrong-pass')).status, 404);
});

test("a signing key revoked in the publisher's own revocation list publishes nothing", async () => {
  const dir = await makePackage('revoked-key', '1.0.0', {
    extra: {
      '.sealpack/keys/release.asc': ctx.setup.publicKey,
      '.sealpack/revocations.json': JSON.stringify([
        { fingerprint: ctx.setup.fingerprint, reason: 'compromised', date: '2026-01-01T00:00:00Z' },
      ]),
      '.npmignore': '.sealpack/\n',
    },
  });
  const result = sealpack(['publish', ...keyArgs()], dir, ctx.setup.env);
  assert.is(result.status, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /error ESEAL_KEY_REVOKED: .*revoked \(compromised/);
  assert.is((await ctx.registry.fetchJson('revoked-key')).status, 404);
});

test('a tampered sealed tarball is refused at publish', async () => {
  const dir = await makePackage('tampered');
  const out = await tempDir('sealpack-out-');
  assert.is(sealpack(['pack', '--out', out, ...keyArgs()], dir, ctx.setup.env).status, 0);
  const tgz = join(out, 'tampered-1.0.0.tgz');
  // Same files, recompressed: the embedded seal still matches, the detached one (tarball digest) does not.
  await writeFile(tgz, gzipSync(gunzipSync(await readFile(tgz)), { level: 1 }));
  await pinReleaseKey(dir);
  const result = sealpack(['publish', tgz, ...keyArgs()], dir, ctx.setup.env);
  assert.is(result.status, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /ESEAL_INTEGRITY/);
  assert.is((await ctx.registry.fetchJson('tampered')).status, 404);
  // And a plain tarball (no seal) is not publishable by sealpack.
  const plainTgz = await makeTarball(
    join(await tempDir('sealpack-out-'), 'tampered-1.0.0.tgz'),
    packageFiles('tampered', '1.0.0'),
  );
  const plain = sealpack(['publish', plainTgz, ...keyArgs()], dir, ctx.setup.env);
  assert.is(plain.status, 1, plain.stdout + plain.stderr);
  assert.match(plain.stdout, /ESEAL_UNSIGNED/);
});

test("a tarball re-sealed by another key is refused, with or without the publisher's keyring", async () => {
  const dir = await makePackage('resealed');
  const out = await tempDir('sealpack-out-');
  const attacker = await generateKey({ name: 'attacker', email: 'attacker@example.com', passphrase: PASS });
  const attackerKey = join(ctx.setup.home, 'attacker.key.asc');
  await writeFile(attackerKey, attacker.privateKey);
  assert.is(sealpack(['pack', '--out', out, '--key', attackerKey], dir, ctx.setup.env).status, 0);
  const tgz = join(out, 'resealed-1.0.0.tgz');
  // No keyring where the release job runs: digests alone cannot tell whose seal this is.
  const unpinned = sealpack(['publish', tgz, ...keyArgs()], dir, ctx.setup.env);
  assert.is(unpinned.status, 2, unpinned.stdout + unpinned.stderr);
  assert.match(unpinned.stdout, /error ESEAL_CONFIG: resealed@1\.0\.0: publishing a tarball needs a pinned keyring/);
  assert.match(unpinned.stdout, /pin the release key/);
  assert.ok(noStack(unpinned), unpinned.stdout + unpinned.stderr);
  // The release key pinned: the attacker's signatures do not verify against it.
  await pinReleaseKey(dir);
  const pinned = sealpack(['publish', tgz, ...keyArgs()], dir, ctx.setup.env);
  assert.is(pinned.status, 1, pinned.stdout + pinned.stderr);
  assert.match(pinned.stdout, /error ESEAL_/);
  assert.is((await ctx.registry.fetchJson('resealed')).status, 404, 'nothing was published');
});

test('a keyring or policy that cannot be loaded stops the publish (exit 2), revocations unchecked otherwise', async () => {
  const dir = await makePackage('broken-config', '1.0.0', {
    // Not a SealError from the loader: a plain Error thrown while the config is read.
    extra: {
      'sealpack.config.mjs': "export default { get keyring() { throw new Error('config exploded'); } };\n",
      '.npmignore': 'sealpack.config.mjs\n',
    },
  });
  for (const args of [
    ['publish', '--dry-run'],
    ['publish', '-r', '--dry-run'],
  ]) {
    const result = sealpack([...args, ...keyArgs()], dir, ctx.setup.env);
    assert.is(result.status, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /error ESEAL_CONFIG: cannot load the keyring and policy in .*: config exploded/);
    assert.ok(noStack(result), result.stdout + result.stderr);
  }
  assert.is((await ctx.registry.fetchJson('broken-config')).status, 404);
});

test('the guard: npm publish and pnpm publish (10 and 12) are refused; sealpack publish passes', async () => {
  const dir = await makePackage('guarded', '1.0.0', { guard: true });
  const npm = exec('npm', ['publish'], dir, ctx.setup.env);
  assert.is.not(npm.status, 0);
  assert.match(npm.stdout + npm.stderr, /ESEAL_UNSIGNED: guarded@1\.0\.0: refusing an unsealed publish/);
  // A SEALPACK_PUBLISH left in CI does not open prepublishOnly: sealpack never runs it.
  for (const value of ['0', 'false', '1']) {
    const r = exec('npm', ['publish'], dir, { ...ctx.setup.env, SEALPACK_PUBLISH: value });
    assert.is.not(r.status, 0, `SEALPACK_PUBLISH=${value}`);
    assert.match(r.stdout + r.stderr, /ESEAL_UNSIGNED/);
  }
  for (const pnpm of [[process.execPath, PNPM10], [PNPM12]]) {
    const r = exec(pnpm[0]!, [...pnpm.slice(1), 'publish', '--no-git-checks'], dir, ctx.setup.env);
    assert.is.not(r.status, 0, `${pnpm.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout + r.stderr, /ESEAL_UNSIGNED/);
  }
  // A dry run uploads nothing: the guard lets a maintainer preview it.
  const dry = exec('npm', ['publish', '--dry-run'], dir, ctx.setup.env);
  assert.is(dry.status, 0, dry.stdout + dry.stderr);
  assert.is((await ctx.registry.fetchJson('guarded')).status, 404, 'nothing was published');
  const sealed = sealpack(['publish', ...keyArgs()], dir, ctx.setup.env);
  assert.is(sealed.status, 0, sealed.stdout + sealed.stderr);
  assert.is((await ctx.registry.fetchJson('guarded')).status, 200);
});

test("a guard in prepack lets sealpack's own pack through and stops a plain npm pack", async () => {
  const dir = await makePackage('guard-in-prepack', '1.0.0', {
    extra: { 'package.json': { name: 'guard-in-prepack', version: '1.0.0', scripts: { prepack: 'sealpack guard' } } },
  });
  const out = await tempDir('sealpack-out-');
  const plain = exec('npm', ['pack', '--pack-destination', out], dir, ctx.setup.env);
  assert.is.not(plain.status, 0);
  assert.match(plain.stdout + plain.stderr, /ESEAL_UNSIGNED/);
  const leftOver = exec('npm', ['pack', '--pack-destination', out], dir, { ...ctx.setup.env, SEALPACK_PUBLISH: 'false' });
  assert.is.not(leftOver.status, 0, 'SEALPACK_PUBLISH=false');
  const sealed = sealpack(['pack', '--out', out, ...keyArgs()], dir, ctx.setup.env);
  assert.is(sealed.status, 0, sealed.stdout + sealed.stderr);
});

test('not a package folder: a usage error, exit 2', async () => {
  const dir = await tempDir('sealpack-empty-');
  const result = sealpack(['pack', ...keyArgs()], dir, ctx.setup.env);
  assert.is(result.status, 2);
  assert.match(result.stdout, /error ESEAL_CONFIG: .*expected a package folder with a package.json/);
});

test('pnpm projects are packed by pnpm (12 too): the tarball is what pnpm ships', async () => {
  const dir = await makePackage('pnpm-packed');
  await writeFile(join(dir, 'pnpm-lock.yaml'), "lockfileVersion: '9.0'\n");
  const out = await tempDir('sealpack-out-');
  const packed = sealpack(['pack', '--out', out, '--json', ...keyArgs()], dir, { ...ctx.setup.env, SEALPACK_PNPM: PNPM12 });
  assert.is(packed.status, 0, packed.stdout + packed.stderr);
  assert.is(JSON.parse(packed.stdout).packageManager, 'pnpm');
  assert.ok(existsSync(join(out, 'pnpm-packed-1.0.0.tgz.manifest.json')));
});

test('a failed pack leaves nothing in --out; the failing lifecycle script is named, with its exit code and a hint', async () => {
  const dir = await makePackage('fails-to-pack', '1.0.0', {
    extra: { 'package.json': { name: 'fails-to-pack', version: '1.0.0', scripts: { prepack: 'exit 3' } } },
  });
  const out = join(await tempDir('sealpack-out-'), 'out');
  await mkdir(out);
  const result = sealpack(['pack', '--out', out, ...keyArgs()], dir, ctx.setup.env);
  assert.is(result.status, 2, result.stdout + result.stderr);
  assert.match(
    result.stdout,
    /error ESEAL_CONFIG: `npm pack --pack-destination .*` in .* failed: its prepack script exited with code 3/,
  );
  assert.match(
    result.stdout,
    /hint: the package's own `prepack` script failed while packing .*`npm run prepack`.*`--ignore-scripts`/,
  );
  assert.equal(await readdir(out), []);
});

test('pnpm 10 and 12: a prepack that exits 1 stops pack and publish, named with its exit code; --json carries the hint', async () => {
  // SEALPACK_PNPM: a JS entry (pnpm 10's pnpm.cjs) runs with this Node.
  const pnpms: [string, string][] = [
    ['pnpm 10', PNPM10],
    ['pnpm 12', PNPM12],
  ];
  for (const [label, pnpm] of pnpms) {
    const dir = await makePackage('prepack-fails', '1.0.0', {
      extra: {
        'package.json': {
          name: 'prepack-fails',
          version: '1.0.0',
          scripts: { prepack: 'echo "rollup: command not found" >&2 && exit 1' },
        },
      },
    });
    await writeFile(join(dir, 'pnpm-lock.yaml'), "lockfileVersion: '9.0'\n");
    const env = { ...ctx.setup.env, SEALPACK_PNPM: pnpm };
    const published = sealpack(['publish', ...keyArgs()], dir, env);
    assert.is(published.status, 2, `${label}: ${published.stdout}${published.stderr}`);
    assert.match(published.stdout, /`pnpm pack .*` in .* failed: its prepack script exited with code 1/, label);
    assert.match(published.stdout, /rollup: command not found/, `${label}: the script's output is shown`);
    assert.match(published.stdout, /hint: the package's own `prepack` script failed/, label);
    const packed = sealpack(['pack', '--json', '--out', await tempDir('sealpack-out-'), ...keyArgs()], dir, env);
    assert.is(packed.status, 2, label);
    const { error } = JSON.parse(packed.stdout) as { error: { code: string; message: string; hint: string } };
    assert.is(error.code, 'ESEAL_CONFIG', label);
    assert.match(error.message, /its prepack script exited with code 1/, label);
    assert.match(error.hint, /`--ignore-scripts`/, label);
    assert.is((await ctx.registry.fetchJson('prepack-fails')).status, 404, label);
  }
});

test.run();
