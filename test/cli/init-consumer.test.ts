// `sealpack init --consumer --key FILE` pins what the keyring reads, made by real gpg (a
// throwaway GNUPGHOME): binary exports, several certificates in one file, an appended
// revocation; secret key material is refused with nothing written.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTrust } from '@sealpack/trust';
import { cli } from '../helpers/cli.js';
import { Gpg } from '../helpers/gpg.js';
import { cleanTempDirs, tempDir } from '../helpers/index.js';

const test = suite('cli: init --consumer --key pins what the keyring reads');
const ctx = {} as { gpg: Gpg; alice: string; bob: string };

test.before(async () => {
  const gpg = await Gpg.create();
  Object.assign(ctx, {
    gpg,
    alice: gpg.generate('alice <alice@example.test>', 'ed25519', 'sign', '2y'),
    bob: gpg.generate('bob <bob@example.test>', 'ed25519', 'sign', '2y'),
  });
});
test.after(async () => {
  ctx.gpg?.stop();
  await cleanTempDirs();
});

async function project(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await tempDir('sealpack-init-key-');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
  return dir;
}

test('a binary export of two certificates (gpg --export, no -a) is pinned as NAME.gpg, byte for byte, both under NAME', async () => {
  const binary = await ctx.gpg.exportBinary(ctx.alice);
  const both = Buffer.concat([binary, await ctx.gpg.exportBinary(ctx.bob)]);
  const cwd = await project({ 'release.pgp': both });
  const r = await cli(['init', '--consumer', '--key', 'release.pgp'], { cwd });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.equal(await readdir(join(cwd, '.sealpack', 'keys')), ['release.gpg']);
  assert.equal(await readFile(join(cwd, '.sealpack', 'keys', 'release.gpg')), both);
  const trust = await loadTrust({ cwd });
  assert.equal(
    trust.keys.map((k) => [k.name, k.key.fingerprint]),
    [
      ['release', ctx.alice],
      ['release', ctx.bob],
    ],
  );
  // Again: identical, nothing changes.
  const again = await cli(['init', '--consumer', '--key', 'release.pgp'], { cwd });
  assert.is(again.status, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /already pins/);
});

test('an armored file with two certificates and an appended revocation is pinned as NAME.asc; the revocation counts', async () => {
  const revocation = await ctx.gpg.revocationCertificate(ctx.bob, 'compromised', 'laptop stolen');
  const armored = `${ctx.gpg.exportPublic(ctx.alice)}${ctx.gpg.exportPublic(ctx.bob)}${revocation}`;
  const cwd = await project({ 'team.pub.asc': armored });
  const r = await cli(['init', '--consumer', '--key', 'team.pub.asc'], { cwd });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.is(await readFile(join(cwd, '.sealpack', 'keys', 'team.asc'), 'utf8'), armored);
  const trust = await loadTrust({ cwd });
  assert.equal(trust.keys.map((k) => k.key.fingerprint).sort(), [ctx.alice, ctx.bob].sort());
  assert.equal(
    trust.revocations.map((r) => [r.fingerprint, r.reason, r.source]),
    [[ctx.bob, 'compromised', 'key']],
  );
});

test('secret key material, armored or binary, anywhere in the file: exit 2, ESEAL_CONFIG, nothing written', async () => {
  const secretBinary = join(ctx.gpg.home, 'secret.gpg');
  ctx.gpg.run(['--output', secretBinary, '--export-secret-keys', ctx.alice]);
  const files = {
    'binary.gpg': await readFile(secretBinary),
    'armored.asc': `${ctx.gpg.exportPublic(ctx.bob)}${ctx.gpg.exportSecret(ctx.alice)}`,
  };
  for (const name of Object.keys(files)) {
    const cwd = await project(files);
    const r = await cli(['init', '--consumer', '--key', name], { cwd });
    assert.is(r.status, 2, `${name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /error ESEAL_CONFIG: .*private key/);
    assert.not.ok(existsSync(join(cwd, '.sealpack')), `${name}: nothing pinned`);
    assert.not.ok(existsSync(join(cwd, '.sealpackrc.json')), `${name}: nothing written`);
  }
});

test('a certificate already pinned under another name is refused before anything is written', async () => {
  const cwd = await project({ 'alice.asc': ctx.gpg.exportPublic(ctx.alice), 'again.gpg': await ctx.gpg.exportBinary(ctx.alice) });
  assert.is((await cli(['init', '--consumer', '--key', 'alice.asc'], { cwd })).status, 0);
  const r = await cli(['init', '--consumer', '--key', 'again.gpg'], { cwd });
  assert.is(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /error ESEAL_CONFIG: .*already pinned as alice/, r.stdout + r.stderr);
  assert.equal(await readdir(join(cwd, '.sealpack', 'keys')), ['alice.asc']);
});

test.run();
