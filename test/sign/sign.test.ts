import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as sign from '@sealpack/sign';
import { signTarball, writeFileAtomic } from '@sealpack/sign';
import { sealPaths } from '@sealpack/manifest';
import { generateKey, readSigningKey, type Signer } from '@sealpack/openpgp';
import { cleanTempDirs, rejects, tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';

const test = suite('sign');
let alice: Signer;
let bob: Signer;

test.before(async () => {
  alice = await readSigningKey((await generateKey({ name: 'alice' })).privateKey);
  bob = await readSigningKey((await generateKey({ name: 'bob' })).privateKey);
});
test.after(cleanTempDirs);

test('public API is pinned', () => {
  assert.equal(Object.keys(sign).sort(), ['signTarball', 'writeFileAtomic']);
});

test('signTarball writes the three detached files; signing twice gives the same manifest bytes', async () => {
  const dir = await tempDir();
  const tgz = await makeTarball(join(dir, 'a-1.0.0.tgz'), packageFiles('a', '1.0.0'));
  const result = await signTarball(tgz, { signer: alice });
  assert.equal(result.written.sort(), Object.values(sealPaths(tgz)).sort());
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

  await makeTarball(tgz, packageFiles('a', '1.0.0', { 'index.js': 'changed\n' }));
  const warnings: string[] = [];
  const replaced = await signTarball(tgz, { signer: bob, logger: { info() {}, warn: (m) => warnings.push(m) } });
  assert.not.ok(replaced.appended);
  assert.match(warnings.join('\n'), /sealed other bytes/);
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
