// verifyTarballs reads, inflates and hashes many tarballs on worker threads: the verdict is the
// one each tarball gets alone on the main thread, subject for subject, in the verdict's order.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signTarball } from '@sealpack/sign';
import { makeVerdict, verifyTarballs } from '@sealpack/verify';
import { cleanTempDirs } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { makeConsumer, makeKey, trustOf } from './sealed.js';

const test = suite('verifyTarballs: worker threads');
test.after(cleanTempDirs);

test('good, tampered, unsigned, malformed and unreadable tarballs: the same verdicts as one by one, in order', async () => {
  const alice = await makeKey();
  const dir = await makeConsumer([alice]);
  const sealed = async (name: string, files = {}) => {
    const tgz = await makeTarball(join(dir, `${name}-1.0.0.tgz`), packageFiles(name, '1.0.0', files));
    await signTarball(tgz, { signer: alice.signer });
    return tgz;
  };
  const tarballs: string[] = [];
  for (let i = 0; i < 6; i++) tarballs.push(await sealed(`good-${i}`, { 'lib/a.js': `exports.a = ${i};\n`.repeat(50 * i) }));
  // Signed, then its bytes replaced: the manifest no longer matches.
  const tampered = await sealed('tampered');
  await makeTarball(tampered, packageFiles('tampered', '1.0.0', { 'index.js': 'evil();\n' }));
  tarballs.splice(2, 0, tampered);
  tarballs.push(await makeTarball(join(dir, 'unsigned-1.0.0.tgz'), packageFiles('unsigned', '1.0.0')));
  const garbage = join(dir, 'garbage-1.0.0.tgz');
  await writeFile(garbage, 'this is not a tarball');
  tarballs.splice(4, 0, garbage);
  const folder = join(dir, 'folder-1.0.0.tgz');
  await mkdir(folder);
  tarballs.splice(1, 0, folder);

  const trust = await trustOf(dir);
  const together = await verifyTarballs(tarballs, { trust });
  const alone = [];
  // One tarball at a time is read on this thread.
  for (const tarball of tarballs) alone.push(...(await verifyTarballs([tarball], { trust })).subjects);
  assert.equal(together, makeVerdict(alone));
  assert.equal(
    together.subjects.map((s) => `${s.status} ${s.artifact.split('/').pop()} ${s.findings.map((f) => f.code).join(',')}`),
    [
      'fail folder-1.0.0.tgz ESEAL_CONFIG',
      'fail garbage-1.0.0.tgz ESEAL_MALFORMED',
      'pass good-0-1.0.0.tgz ',
      'pass good-1-1.0.0.tgz ',
      'pass good-2-1.0.0.tgz ',
      'pass good-3-1.0.0.tgz ',
      'pass good-4-1.0.0.tgz ',
      'pass good-5-1.0.0.tgz ',
      'fail tampered-1.0.0.tgz ESEAL_BAD_SIGNATURE,ESEAL_INTEGRITY,ESEAL_INTEGRITY',
      'fail unsigned-1.0.0.tgz ESEAL_UNSIGNED',
    ],
  );
});

test.run();
