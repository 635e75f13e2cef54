// Every input sealpack reads has a size and time bound (issue 13): a file larger than promised is not
// read through. A FIFO in place of any file it reads (a coded error naming the path, never a hang) is
// tested in test/e2e/blocking-inputs.test.ts, in a child process that a hang cannot block.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyInstalled } from '@sealpack/verify';
import { cleanTempDirs } from '../helpers/index.js';
import { installPackage, makeConsumer, makeKey, trustOf, type TestKey } from './sealed.js';

const test = suite('input bounds');
let alice: TestKey;
const ACME = { trust: [{ packages: '@acme/*', keys: ['alice'] }] };

test.before(async () => {
  alice = await makeKey('alice');
});
test.after(cleanTempDirs);

test('an installed file far larger than its manifest says is ESEAL_INTEGRITY without being read through', async () => {
  const root = await makeConsumer([alice], ACME);
  const dir = join(root, 'node_modules', '@acme', 'big');
  await installPackage(dir, '@acme/big', '1.0.0', { signer: alice.signer, files: { 'lib/x.js': 'x' } });
  await writeFile(join(dir, 'lib', 'x.js'), Buffer.alloc(20 << 20, 0x41));
  const verdict = await verifyInstalled(root, { trust: await trustOf(root) });
  assert.equal(
    verdict.findings.map((f) => `${f.code} ${f.file} ${f.found}`),
    ['ESEAL_INTEGRITY lib/x.js (not read: larger than the manifest says)'],
  );
  assert.match(verdict.findings[0]!.message, /20971520 bytes/);
});

test.run();
