// Revocation certificates are attached by who issued them, not by where they sit in a key
// file: a binary key file made by concatenation (`cat a.gpg b.gpg a-rev.gpg > team.gpg`)
// puts A's revocation after B's packets, where a positional reader would give it to B,
// fail to verify it there, and drop it: A's signatures would keep passing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readKeyFile } from '@sealpack/openpgp';
import { Gpg } from '../helpers/gpg.js';

const test = suite('openpgp: revocations in key files');

test('a revocation concatenated after another certificate in a binary file still revokes its key', async () => {
  const gpg = await Gpg.create();
  try {
    const a = gpg.generate('A <a@example.org>', 'ed25519', 'sign');
    const b = gpg.generate('B <b@example.org>', 'ed25519', 'sign');
    const armored = join(gpg.home, 'a-rev.asc');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(armored, await gpg.revocationCertificate(a, 'compromised', 'stolen'));
    const binary = join(gpg.home, 'a-rev.gpg');
    gpg.run(['--yes', '--output', binary, '--dearmor', armored]);
    const revocation = new Uint8Array(await readFile(binary));
    const file = Buffer.concat([await gpg.exportBinary(a), await gpg.exportBinary(b), revocation]);
    const { keys } = await readKeyFile(new Uint8Array(file), 'team.gpg');
    const byFingerprint = new Map(keys.map((k) => [k.fingerprint, k]));
    assert.equal(
      byFingerprint.get(a)?.revocations.map((r) => r.reason),
      ['compromised'],
    );
    assert.equal(byFingerprint.get(b)?.revocations, []);
  } finally {
    gpg.stop();
  }
});

test.run();
