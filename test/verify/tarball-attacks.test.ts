// Tarball-input attacks from issue 13: FIFOs and folders where files belong, corrupt tarballs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signTarball } from '@sealpack/sign';
import { verifyTarballs } from '@sealpack/verify';
import { cleanTempDirs, rejects } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { makeConsumer, makeKey, trustOf, type TestKey } from './sealed.js';

const test = suite('verify tarball attacks');
let alice: TestKey;
// A FIFO in place of a tarball or seal file: test/e2e/blocking-inputs.test.ts (a child a hang cannot block).

test.before(async () => {
  alice = await makeKey('alice');
});
test.after(cleanTempDirs);

const sealedTarball = async (dir: string, name: string) => {
  const tgz = await makeTarball(join(dir, `${name}-1.0.0.tgz`), packageFiles(name, '1.0.0'));
  await signTarball(tgz, { signer: alice.signer });
  return tgz;
};

test('a folder where a manifest or signature should be: a finding naming the path; the rest of the batch is reported', async () => {
  const root = await makeConsumer([alice], {});
  const good = await sealedTarball(root, 'good');
  const tgz = await makeTarball(join(root, 'a-1.0.0.tgz'), packageFiles('a', '1.0.0'));
  await mkdir(`${tgz}.manifest.json`);
  const other = await makeTarball(join(root, 'b-1.0.0.tgz'), packageFiles('b', '1.0.0'));
  await signTarball(other, { signer: alice.signer });
  execFileSync('rm', [`${other}.manifest.json.asc`]);
  await mkdir(`${other}.manifest.json.asc`);
  const verdict = await verifyTarballs([good, tgz, other], { trust: await trustOf(root) });
  assert.equal(
    verdict.subjects.map((s) => `${s.artifact.slice(root.length + 1)} ${s.status}`),
    ['a-1.0.0.tgz fail', 'b-1.0.0.tgz fail', 'good-1.0.0.tgz pass'],
  );
  assert.equal(
    verdict.findings.map((f) => `${f.code} ${f.artifact?.slice(root.length + 1)}`),
    ['ESEAL_MALFORMED a-1.0.0.tgz.manifest.json', 'ESEAL_MALFORMED b-1.0.0.tgz.manifest.json.asc'],
  );
  assert.ok(verdict.findings.every((f) => /EISDIR/.test(f.message)));
});

test('a corrupt tarball is ESEAL_MALFORMED alone, with no misleading "no seal"', async () => {
  const root = await makeConsumer([alice], {});
  const tgz = join(root, 'corrupt-1.0.0.tgz');
  await writeFile(tgz, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(64, 7)]));
  const verdict = await verifyTarballs([tgz], { trust: await trustOf(root) });
  assert.equal(
    verdict.findings.map((f) => f.code),
    ['ESEAL_MALFORMED'],
  );
});

test('sign refuses a tarball holding a .gitignore (npm installs it as .npmignore: no install could match)', async () => {
  const root = await makeConsumer([alice], {});
  for (const path of ['.gitignore', 'lib/.gitignore']) {
    const tgz = await makeTarball(join(root, 'g-1.0.0.tgz'), packageFiles('g', '1.0.0', { [path]: 'node_modules\n' }));
    const error = await rejects(() => signTarball(tgz, { signer: alice.signer }), 'ESEAL_MALFORMED', /\.npmignore/);
    assert.ok(error.message.includes(path));
  }
});

test('an X.tgz.asc whose only packet has a version OpenPGP.js cannot read is malformed (it passed in silence)', async () => {
  const root = await makeConsumer([alice], {});
  const tgz = await sealedTarball(root, 'v3');
  const armored = (await readFile(`${tgz}.asc`, 'utf8')).split('\n');
  const body = armored
    .slice(armored.indexOf('') + 1)
    .filter((line) => line && !line.startsWith('=') && !line.startsWith('-----'));
  const packet = Buffer.from(body.join(''), 'base64');
  // A new-format packet with a one-byte length: the version is its third byte.
  assert.is(packet[2], 4);
  packet[2] = 3;
  await writeFile(`${tgz}.asc`, packet);
  const verdict = await verifyTarballs([tgz], { trust: await trustOf(root) });
  assert.equal(
    verdict.findings.map((f) => f.code),
    ['ESEAL_MALFORMED'],
  );
  assert.match(verdict.findings[0]!.message, /no signature packet sealpack can read/);
});

test.run();
