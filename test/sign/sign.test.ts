import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as sign from '@sealpack/sign';
import { signTarball, writeFileAtomic } from '@sealpack/sign';
import { buildManifest, sealPaths, serializeManifest } from '@sealpack/manifest';
import { generateKey, readPublicKey, readSigningKey, verifySignatures, type KeyInfo, type Signer } from '@sealpack/openpgp';
import { cleanTempDirs, rejects, tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';

const test = suite('sign');
let alice: Signer;
let bob: Signer;
let aliceKey: KeyInfo;
let bobKey: KeyInfo;

test.before(async () => {
  const a = await generateKey({ name: 'alice' });
  const b = await generateKey({ name: 'bob' });
  [alice, bob] = await Promise.all([readSigningKey(a.privateKey), readSigningKey(b.privateKey)]);
  [aliceKey, bobKey] = await Promise.all([readPublicKey(a.publicKey), readPublicKey(b.publicKey)]);
});
test.after(cleanTempDirs);

test('public API is pinned', () => {
  assert.equal(Object.keys(sign).sort(), [
    'readRegistrySeal',
    'registryManifest',
    'signRegistrySeal',
    'signTarball',
    'writeFileAtomic',
  ]);
});

test('signTarball writes the three detached files; signing twice gives the same manifest bytes', async () => {
  const dir = await tempDir();
  const tgz = await makeTarball(join(dir, 'a-1.0.0.tgz'), packageFiles('a', '1.0.0'));
  const result = await signTarball(tgz, { signer: alice });
  const paths = sealPaths(tgz);
  assert.equal(result.written.sort(), [paths.signature, paths.manifest, paths.manifestSignature].sort());
  const first = await readFile(`${tgz}.manifest.json`);
  assert.is(JSON.parse(first.toString()).name, 'a');
  await signTarball(tgz, { signer: alice });
  assert.equal(await readFile(`${tgz}.manifest.json`), first);
});

test('a second signer appends; a changed tarball replaces the seal with a warning', async () => {
  const dir = await tempDir();
  const tgz = await makeTarball(join(dir, 'a-1.0.0.tgz'), packageFiles('a', '1.0.0'));
  await signTarball(tgz, { signer: alice });
  const appended = await signTarball(tgz, { signer: bob });
  assert.ok(appended.appended);
  const armored = await readFile(`${tgz}.manifest.json.asc`, 'utf8');
  assert.is(armored.match(/-----BEGIN PGP SIGNATURE-----/g)?.length, 1);
  const checks = await verifySignatures(await readFile(`${tgz}.manifest.json`), armored, [aliceKey, bobKey]);
  assert.equal(
    checks.map((c) => [c.primaryFingerprint, c.valid]),
    [
      [alice.fingerprint, true],
      [bob.fingerprint, true],
    ],
  );

  await makeTarball(tgz, packageFiles('a', '1.0.0', { 'index.js': 'changed\n' }));
  const warnings: string[] = [];
  const replaced = await signTarball(tgz, { signer: bob, logger: { info() {}, warn: (m) => warnings.push(m) } });
  assert.not.ok(replaced.appended);
  assert.match(warnings.join('\n'), /not a signed seal of these bytes/);
});

test('a planted manifest (unsigned, or missing files) is replaced, never co-signed', async () => {
  const dir = await tempDir();
  const tgz = await makeTarball(join(dir, 'a-1.0.0.tgz'), packageFiles('a', '1.0.0'));
  const { readTarball } = await import('@sealpack/manifest');
  const contents = await readTarball(tgz);
  const planted = serializeManifest(
    buildManifest({
      name: 'a',
      version: '1.0.0',
      tarball: contents.tarball,
      source: { repository: 'https://evil.example/fork' },
    }),
  );
  await writeFile(`${tgz}.manifest.json`, planted);
  const unsigned = await signTarball(tgz, { signer: bob });
  assert.not.ok(unsigned.appended);
  assert.not.match(await readFile(`${tgz}.manifest.json`, 'utf8'), /evil/);

  await writeFile(`${tgz}.manifest.json`, planted);
  await writeFile(`${tgz}.manifest.json.asc`, await alice.sign(planted));
  const partial = await signTarball(tgz, { signer: bob });
  assert.not.ok(partial.appended, 'a signed manifest without the files list is not what bob would seal');
  assert.not.match(await readFile(`${tgz}.manifest.json`, 'utf8'), /evil/);
});

test('a tarball without package.json, or a malformed one, is refused and nothing is written', async () => {
  const dir = await tempDir();
  const tgz = await makeTarball(join(dir, 'x.tgz'), { 'index.js': 'x' });
  await rejects(() => signTarball(tgz, { signer: alice }), 'ESEAL_MALFORMED', /package\.json/);
  const garbage = join(dir, 'garbage.tgz');
  await writeFile(garbage, 'not a tarball');
  await rejects(() => signTarball(garbage, { signer: alice }), 'ESEAL_MALFORMED');
  assert.equal((await readdir(dir)).sort(), ['garbage.tgz', 'x.tgz']);
});

test('writeFileAtomic replaces whole files and leaves no temp file behind on failure', async () => {
  const dir = await tempDir();
  const file = join(dir, 'out.json');
  await writeFileAtomic(file, 'one');
  await writeFileAtomic(file, 'two');
  assert.is(await readFile(file, 'utf8'), 'two');
  await chmod(dir, 0o500);
  try {
    if (process.getuid?.() !== 0) {
      await rejects(() => writeFileAtomic(file, 'three'), 'EACCES');
      assert.is(await readFile(file, 'utf8'), 'two');
    }
  } finally {
    await chmod(dir, 0o700);
  }
  await rejects(() => writeFileAtomic(join(dir, 'missing', 'x'), 'y'), 'ENOENT');
  assert.equal(await readdir(dir), ['out.json']);
  assert.not.ok(existsSync(join(dir, 'missing')));
});

test.run();
