// A revocation certificate pinned in the wrong file: `gpg --gen-revoke A` appended to bob.gpg
// revokes nothing there (it verifies against none of bob's keys), and A, pinned as alice,
// would keep verifying as if unrevoked. sqv accepts A's signatures in that case; sealpack
// refuses the keyring instead (never more lenient than sqv, and here stricter on purpose).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readKeyring } from '@sealpack/trust';
import { rejects, tempDir } from '../helpers/index.js';
import { Gpg } from '../helpers/gpg.js';

const test = suite('trust: revocations in the keyring');

test("a revocation of alice's key appended to bob's file refuses the keyring (ESEAL_CONFIG) instead of being dropped", async () => {
  const gpg = await Gpg.create();
  try {
    const a = gpg.generate('A <a@example.org>', 'ed25519', 'sign');
    gpg.generate('B <b@example.org>', 'ed25519', 'sign');
    const armored = join(gpg.home, 'a-rev.asc');
    await writeFile(armored, await gpg.revocationCertificate(a, 'compromised', 'stolen'));
    const binary = join(gpg.home, 'a-rev.gpg');
    gpg.run(['--yes', '--output', binary, '--dearmor', armored]);
    const dir = join(await tempDir('sealpack-keyring-'), 'keys');
    await mkdir(dir);
    await writeFile(join(dir, 'alice.gpg'), await gpg.exportBinary('a@example.org'));
    await writeFile(join(dir, 'bob.gpg'), Buffer.concat([await gpg.exportBinary('b@example.org'), await readFile(binary)]));
    const error = await rejects(() => readKeyring(dir), 'ESEAL_CONFIG');
    assert.match(error.message, /bob\.gpg: holds a revocation signature by [0-9A-F]+, pinned as alice/);

    // In alice's own file it counts.
    await writeFile(join(dir, 'bob.gpg'), await gpg.exportBinary('b@example.org'));
    await writeFile(join(dir, 'alice.gpg'), Buffer.concat([await gpg.exportBinary('a@example.org'), await readFile(binary)]));
    const { keys } = await readKeyring(dir);
    assert.equal(
      keys.find((k) => k.name === 'alice')?.key.revocations.map((r) => r.reason),
      ['compromised'],
    );
  } finally {
    gpg.stop();
  }
});

test.run();
