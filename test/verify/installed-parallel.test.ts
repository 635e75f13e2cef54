// verifyInstalled spreads packages over hash workers with many in flight: the verdict is the one
// a single worker and one package at a time give, subject for subject and finding for finding.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyInstalled } from '@sealpack/verify';
import { cleanTempDirs } from '../helpers/index.js';
import { installPackage, makeConsumer, makeKey, trustOf } from './sealed.js';

const test = suite('verifyInstalled: worker threads');
test.after(cleanTempDirs);

test('good, changed, missing, extra, linked and unsigned packages: the same verdict in parallel as one by one', async () => {
  const alice = await makeKey('alice');
  const root = await makeConsumer([alice], { trust: [{ packages: '**', keys: ['alice'] }] });
  const nm = join(root, 'node_modules');
  const files = (i: number) => ({ 'lib/a.js': `exports.a = ${i};\n`.repeat(40 * i), 'lib/b.js': 'b', 'index.js': 'i' });
  for (let i = 0; i < 12; i++)
    await installPackage(join(nm, `good-${i}`), `good-${i}`, '1.0.0', { signer: alice.signer, files: files(i) });
  await installPackage(join(nm, 'changed'), 'changed', '1.0.0', { signer: alice.signer, files: files(1) });
  await appendFile(join(nm, 'changed', 'lib', 'a.js'), '!');
  await installPackage(join(nm, 'missing'), 'missing', '1.0.0', { signer: alice.signer, files: files(2) });
  await rm(join(nm, 'missing', 'lib', 'b.js'));
  await installPackage(join(nm, 'extra'), 'extra', '1.0.0', { signer: alice.signer, files: files(3) });
  await writeFile(join(nm, 'extra', 'lib', 'added.js'), 'evil();\n');
  // A link where the manifest lists a regular file: a finding, never followed.
  await installPackage(join(nm, 'linked'), 'linked', '1.0.0', { signer: alice.signer, files: files(4) });
  await rm(join(nm, 'linked', 'index.js'));
  await symlink('lib/b.js', join(nm, 'linked', 'index.js'));
  await installPackage(join(nm, 'unsigned'), 'unsigned', '1.0.0', { files: files(5) });

  const trust = await trustOf(root);
  const parallel = await verifyInstalled(root, { trust, workers: 2, concurrency: 64 });
  const oneByOne = await verifyInstalled(root, { trust, workers: 1, concurrency: 1 });
  assert.equal(parallel, oneByOne);
  assert.equal(
    parallel.subjects
      .filter((s) => s.status === 'fail')
      .map((s) => `${s.package} ${s.findings.map((f) => `${f.code}:${f.file ?? ''}`).join(',')}`),
    [
      'changed ESEAL_INTEGRITY:lib/a.js',
      'extra ESEAL_EXTRA_FILE:lib/added.js',
      'linked ESEAL_INTEGRITY:index.js',
      'missing ESEAL_MISSING_FILE:lib/b.js',
      'unsigned ESEAL_UNSIGNED:',
    ],
  );
  assert.equal(parallel.summary.passed, 12);
});

test.run();
