// A signature must be bound at its own date, as sqv judges it ("not bound: no binding
// signature at time"): gpg re-dates a signing subkey's only binding when its expiry
// changes, so a signature dated before that binding has nothing binding its key to the
// pinned certificate at that time. Never more lenient than sqv.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifySignatures } from '@sealpack/openpgp';
import { judgeSignatures, loadTrust } from '@sealpack/trust';
import { run, tempDir } from '../helpers/index.js';
import { Gpg } from '../helpers/gpg.js';

const test = suite('trust: signatures before their key was bound');
const at = (time: string) => ['--faked-system-time', time];

test('a signature dated before the signing subkey binding fails (ESEAL_SIGNATURE_EXPIRED), as sqv refuses it', async () => {
  const gpg = await Gpg.create();
  try {
    const primary = gpg.generate('E <e@example.org>', 'ed25519', 'cert', '0', at('20250101T000000'));
    gpg.run([...at('20250101T000100'), '--quick-add-key', primary, 'ed25519', 'sign', '0']);
    const subkey = gpg.fingerprints(primary)[1]!;
    const data = new TextEncoder().encode('{"format":"sealpack/manifest@1"}');
    const early = await gpg.signBinary(primary, data, at('20250201T000000'));
    // The expiry changes: gpg replaces the subkey's binding with one dated 2025-03-01.
    gpg.run([...at('20250301T000000'), '--quick-set-expire', primary, '2y', subkey]);
    const late = await gpg.signBinary(primary, data, at('20250401T000000'));

    const dir = await tempDir('sealpack-binding-');
    await mkdir(join(dir, '.sealpack', 'keys'), { recursive: true });
    const ring = join(dir, '.sealpack', 'keys', 'e.gpg');
    await writeFile(ring, await gpg.exportBinary(primary));
    await writeFile(join(dir, 'data'), data);
    await writeFile(join(dir, 'early.sig'), early);
    const sqv = run('sqv', ['--keyring', ring, join(dir, 'early.sig'), join(dir, 'data')]);
    assert.is.not(sqv.status, 0, `sqv accepted the early signature: ${sqv.stdout}${sqv.stderr}`);

    const trust = await loadTrust({ cwd: dir });
    const judge = async (signature: Uint8Array) =>
      judgeSignatures({
        trust,
        name: 'x',
        version: '1.0.0',
        checks: await verifySignatures(
          data,
          signature,
          trust.keys.map((k) => k.key),
        ),
        artifact: 'x',
        at: new Date('2025-05-01T00:00:00Z'),
        now: new Date('2025-05-01T00:00:00Z'),
      });
    const before = await judge(early);
    assert.is(before.passed, false);
    assert.equal(
      before.findings.map((f) => `${f.severity}:${f.code}`),
      ['error:ESEAL_SIGNATURE_EXPIRED', 'error:ESEAL_THRESHOLD'],
    );
    assert.match(before.findings[0]!.message, /dated before its key was created or bound/);
    assert.is((await judge(late)).passed, true, 'signed after the binding');
  } finally {
    gpg.stop();
  }
});

test.run();
