// A second implementation checks our signatures: Sequoia's sqv (1.x: v4 only).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appendSignatures, generateKey, readSigningKey, type GeneratedKey } from '@sealpack/openpgp';
import { cleanTempDirs, run, tempDir } from '../helpers/index.js';

const test = suite('e2e: interop with Sequoia sqv');

const data = new TextEncoder().encode('sealpack manifest bytes\n'.repeat(200));

async function sqv(keys: GeneratedKey[], signature: string, signatures = 1): Promise<{ status: number | null; stdout: string }> {
  const dir = await tempDir('sealpack-sqv-');
  const files = await Promise.all(
    keys.map(async (key, i) => {
      const file = join(dir, `k${i}.asc`);
      await writeFile(file, key.publicKey);
      return ['--keyring', file];
    }),
  );
  await writeFile(join(dir, 'data'), data);
  await writeFile(join(dir, 'data.asc'), signature);
  return run('sqv', [...files.flat(), '--signatures', String(signatures), join(dir, 'data.asc'), join(dir, 'data')]);
}

test.after(cleanTempDirs);

// No skip: a missing sqv fails here (CI installs it).
test('our Ed25519 and RSA-3072 signatures check with sqv', async () => {
  const [ed, rsa] = await Promise.all([generateKey({ name: 'Ed' }), generateKey({ name: 'Rsa', algorithm: 'rsa3072' })]);
  for (const key of [ed, rsa]) {
    const result = await sqv([key], await (await readSigningKey(key.privateKey)).sign(data));
    assert.is(result.status, 0, result.stdout);
    assert.is(result.stdout.trim(), key.fingerprint);
  }
  const both = await appendSignatures(
    await (await readSigningKey(ed.privateKey)).sign(data),
    await (await readSigningKey(rsa.privateKey)).sign(data),
  );
  const result = await sqv([ed, rsa], both, 2);
  assert.is(result.status, 0);
  assert.equal(result.stdout.trim().split('\n').sort(), [ed.fingerprint, rsa.fingerprint].sort());
  const tampered = await sqv([ed], await (await readSigningKey(ed.privateKey)).sign(data.slice(1)));
  assert.is.not(tampered.status, 0);
});

test.run();
