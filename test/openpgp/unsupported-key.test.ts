// A key sealpack cannot use (an Ed448 key as GnuPG 2.3+ writes it: a v5 key packet OpenPGP.js
// does not read) is a warning naming its file; it never stops the other keys from verifying
// (DESIGN.md). The fixture: test/fixtures/keys/ed448.pub.gpg, from scripts/fixtures/ed448-key.mjs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signTarball } from '@sealpack/sign';
import { readKeyFile } from '@sealpack/openpgp';
import { cleanTempDirs, rejects, ROOT } from '../helpers/index.js';
import { cli } from '../helpers/cli.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { makeConsumer, makeKey, type TestKey } from '../verify/sealed.js';

const test = suite('openpgp: a key file sealpack cannot use');
let alice: TestKey;
let ed448: Uint8Array;
test.before(async () => {
  alice = await makeKey('alice');
  ed448 = new Uint8Array(await readFile(join(ROOT, 'test', 'fixtures', 'keys', 'ed448.pub.gpg')));
});
test.after(cleanTempDirs);

/** The packets of one armored block: its base64 lines, without headers and checksum. */
const dearmor = (armored: string): Buffer => {
  const lines = armored.split(/\r?\n/);
  const body = lines.slice(lines.indexOf('') + 1).filter((l) => l && !l.startsWith('=') && !l.startsWith('-----'));
  return Buffer.from(body.join(''), 'base64');
};

const WARNING =
  /ed448\.gpg: a version 5 key \(EdDSA on curve Ed448\) that sealpack cannot use \(OpenPGP\.js does not support it\) is skipped/;

test('readKeyFile: an Ed448 v5 certificate is skipped with a warning naming the file (it was ESEAL_MALFORMED "found none")', async () => {
  const alone = await readKeyFile(ed448, 'ed448.gpg');
  assert.equal(alone.keys, []);
  assert.equal(alone.warnings.length, 1);
  assert.match(alone.warnings[0]!, WARNING);
  // Next to a usable certificate, in either order: that one is read, and the Ed448 one's user ID
  // and signature never join it.
  const usable = (await readKeyFile(alice.publicKey)).keys[0]!;
  const binary = dearmor(alice.publicKey);
  for (const file of [Buffer.concat([ed448, binary]), Buffer.concat([binary, ed448])]) {
    const read = await readKeyFile(new Uint8Array(file), 'team.gpg');
    assert.equal(read.keys, [usable]);
    assert.equal(read.warnings.length, 1);
  }
  // Garbage is still an error, a key packet of one octet too.
  await rejects(() => readKeyFile(new Uint8Array([0x99, 0x00, 0x01, 0x02]), 'junk.gpg'), 'ESEAL_MALFORMED');
  await rejects(() => readKeyFile(new TextEncoder().encode('not a key\n'), 'junk.asc'), 'ESEAL_MALFORMED');
  // A v5 packet whose key material length is wrong is not taken for a key either.
  const cut = new Uint8Array(ed448);
  cut[2 + 8] ^= 1;
  await rejects(() => readKeyFile(cut, 'cut.gpg'), 'ESEAL_MALFORMED');
});

test("sealpack verify with ed448.gpg pinned beside alice: alice's seal verifies, a warning names ed448.gpg (it was exit 2, ESEAL_CONFIG)", async () => {
  const root = await makeConsumer([alice], {});
  await writeFile(join(root, '.sealpack', 'keys', 'ed448.gpg'), ed448);
  const tgz = await makeTarball(join(root, 'tiny-1.0.0.tgz'), packageFiles('tiny', '1.0.0'));
  await signTarball(tgz, { signer: alice.signer });
  const result = await cli(['verify', '--json', tgz], { cwd: root });
  assert.is(result.status, 0, result.stdout + result.stderr);
  assert.equal((JSON.parse(result.stdout) as { findings: unknown[] }).findings, []);
  assert.match(result.stderr, WARNING);
  assert.match(result.stderr, /ed448\.gpg: no usable key: ed448 can verify nothing/);
});

test.run();
