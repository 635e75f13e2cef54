// The committed key fixtures are what their names say (so other suites can rely on them).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readPublicKey, readSigningKey, verifySignatures } from '@sealpack/openpgp';
import { ROOT } from '../helpers/index.js';

const test = suite('openpgp: key fixtures');
const fixture = (name: string) => readFile(join(ROOT, 'test', 'fixtures', 'keys', name), 'utf8');
const data = new TextEncoder().encode('fixture data');

test('plain keys: algorithm, version, size', async () => {
  const expected: Record<string, [string, 4 | 6, number | undefined]> = {
    ed25519: ['ed25519', 4, undefined],
    'ed25519-second': ['ed25519', 4, undefined],
    rsa3072: ['rsa', 4, 3072],
    rsa2048: ['rsa', 4, 2048],
    'v6-ed25519': ['ed25519', 6, undefined],
  };
  for (const [name, [algorithm, version, bits]] of Object.entries(expected)) {
    const info = await readPublicKey(await fixture(`${name}.pub.asc`), name);
    assert.equal(
      [info.algorithm, info.version, info.bits, info.expires, info.revocations],
      [algorithm, version, bits, null, []],
      name,
    );
    const signature = await (await readSigningKey(await fixture(`${name}.key.asc`))).sign(data);
    assert.is((await verifySignatures(data, signature, [info]))[0]?.valid, true, name);
  }
});

test('expired and encrypted', async () => {
  const expired = await readPublicKey(await fixture('expired.pub.asc'));
  assert.equal(expired.expires, new Date('2021-01-01T00:00:00Z'));
  const encrypted = await fixture('encrypted.key.asc');
  assert.is(
    (await readSigningKey(encrypted, 'sealpack-test')).fingerprint,
    (await readPublicKey(await fixture('encrypted.pub.asc'))).fingerprint,
  );
});

test('revoked keys: reason and date in the public key; the signer copy still signs', async () => {
  const expected = {
    'revoked-compromised': 'compromised',
    'revoked-no-reason': 'unspecified',
    'revoked-superseded': 'superseded',
    'revoked-retired': 'retired',
  };
  for (const [name, reason] of Object.entries(expected)) {
    const info = await readPublicKey(await fixture(`${name}.pub.asc`));
    assert.equal(
      info.revocations.map((r) => [r.reason, r.date.toISOString()]),
      [[reason, '2025-06-01T00:00:00.000Z']],
      name,
    );
    const signer = await readSigningKey(await fixture(`${name}.key.asc`));
    const [check] = await verifySignatures(data, await signer.sign(data, new Date('2025-01-01T00:00:00Z')), [info]);
    assert.is(check?.valid, true);
    assert.equal(check?.keyRevocations, info.revocations);
  }
});

test.run();
