// readTarballs: the reads `sealpack verify` starts before it loads the trust. They run ahead of
// the checks in the order given, a bounded number at a time; a worker that fails fails the run.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readTarball, readTarballFile } from '@sealpack/manifest';
import { signTarball } from '@sealpack/sign';
import { makeVerdict, verifyTarballs } from '@sealpack/verify';
import { readTarballs, type ReadTarballsOptions } from '@sealpack/verify/tarball-reads';
import { cleanTempDirs } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { basePackage, rawTar, rawTgz } from '../manifest/tar.js';
import { makeConsumer, makeKey, trustOf } from './sealed.js';

const test = suite('readTarballs');
test.after(cleanTempDirs);

type Hasher = NonNullable<ReadTarballsOptions['hasher']>;

/** A hasher that reads on this thread, answering when `answer` says (or at once), counting what it was asked. */
function fakeHasher(answer?: (tarball: string, index: number) => Promise<void>): Hasher & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    examine: () => Promise.reject(new Error('not for tarballs')),
    async readTarball(tarball) {
      const index = asked.push(tarball) - 1;
      await answer?.(tarball, index);
      const bytes = readTarballFile(tarball);
      return { bytes, contents: await readTarball(bytes, tarball) };
    },
    close: async () => {},
  };
}

test('reads ahead in the order given, at most 128 beyond the one taken last; each read is taken once', async () => {
  const dir = await makeConsumer([]);
  const tgz = await makeTarball(join(dir, 'a-1.0.0.tgz'), packageFiles('a', '1.0.0'));
  const tarballs = Array.from({ length: 300 }, () => tgz);
  const hasher = fakeHasher();
  const reads = readTarballs(tarballs, { hasher });
  assert.is(hasher.asked.length, 128);
  assert.ok((await reads.take(0, tgz)).contents);
  assert.is(hasher.asked.length, 129);
  for (let i = 1; i < 100; i++) await reads.take(i, tgz);
  assert.is(hasher.asked.length, 228);
  await reads.take(100, tgz);
  try {
    await reads.take(100, tgz);
    assert.unreachable('taken twice');
  } catch (error) {
    assert.match((error as Error).message, /taken twice/);
  }
  await reads.close();
});

test('one tarball is read on this thread, when taken: no worker', async () => {
  const dir = await makeConsumer([]);
  const tgz = await makeTarball(join(dir, 'a-1.0.0.tgz'), packageFiles('a', '1.0.0'));
  const reads = readTarballs([tgz]);
  assert.is((await reads.take(0, tgz)).contents?.packageJson?.name, 'a');
  await reads.close();
});

test('reads started for another list are refused, never judged as the tarball asked for', async () => {
  const dir = await makeConsumer([]);
  const a = await makeTarball(join(dir, 'a-1.0.0.tgz'), packageFiles('a', '1.0.0'));
  const b = await makeTarball(join(dir, 'b-1.0.0.tgz'), packageFiles('b', '1.0.0'));
  const reads = readTarballs([a]);
  try {
    await reads.take(0, b);
    assert.unreachable('read of a taken as b');
  } catch (error) {
    assert.match((error as Error).message, /was read as .*a-1\.0\.0\.tgz, not .*b-1\.0\.0\.tgz/);
  }
  await reads.close();
});

test('a worker that fails mid-run fails the run (never a verdict without the tarballs it had)', async () => {
  const alice = await makeKey();
  const dir = await makeConsumer([alice]);
  const tarballs: string[] = [];
  for (let i = 0; i < 8; i++) {
    const tgz = await makeTarball(join(dir, `p${i}-1.0.0.tgz`), packageFiles(`p${i}`, '1.0.0'));
    await signTarball(tgz, { signer: alice.signer });
    tarballs.push(tgz);
  }
  const stopped = fakeHasher(async (_tarball, index) => {
    if (index >= 5) throw new Error('a hash worker stopped (exit code 1)');
  });
  const trust = await trustOf(dir);
  try {
    await verifyTarballs(tarballs, { trust, hasher: stopped });
    assert.unreachable('a verdict despite the stopped worker');
  } catch (error) {
    assert.match((error as Error).message, /a hash worker stopped/);
  }
  // A worker's 'error' event may carry no Error at all (a worker that threw undefined).
  const silent = fakeHasher(async (_tarball, index) => {
    if (index >= 5) throw undefined;
  });
  const outcome = await verifyTarballs(tarballs, { trust, hasher: silent }).then(
    () => 'a verdict',
    () => 'failed',
  );
  assert.is(outcome, 'failed');
});

test('answers in any order: the same verdict as one tarball at a time', async () => {
  const alice = await makeKey();
  const dir = await makeConsumer([alice]);
  const tarballs: string[] = [];
  for (let i = 0; i < 12; i++) {
    const tgz = await makeTarball(join(dir, `p${i}-1.0.0.tgz`), packageFiles(`p${i}`, '1.0.0'));
    if (i % 3 !== 0) await signTarball(tgz, { signer: alice.signer });
    tarballs.push(tgz);
  }
  // Later tarballs answer first.
  const shuffled = fakeHasher((_tarball, index) => new Promise((resolve) => setTimeout(resolve, (12 - index) * 3)));
  const trust = await trustOf(dir);
  const verdict = await verifyTarballs(tarballs, { trust, hasher: shuffled });
  const alone = [];
  for (const tarball of tarballs) alone.push(...(await verifyTarballs([tarball], { trust })).subjects);
  assert.equal(verdict, makeVerdict(alone));
  assert.equal(verdict.subjects.filter((s) => s.status === 'pass').length, 8);
});

test('every structure check runs on the worker path, among 160 tarballs in flight', async () => {
  const dir = await makeConsumer([]);
  // Each refused alone with this finding (test/manifest/tarball.test.ts): here, on the workers.
  const odd: [string, () => Buffer, RegExp][] = [
    ['traversal', () => rawTgz([...basePackage(), { path: 'package/../evil.js', body: 'x' }]), /'\.\.' segment/],
    ['absolute', () => rawTgz([...basePackage(), { path: '/etc/evil', body: 'x' }]), /absolute path/],
    ['symlink', () => rawTgz([...basePackage(), { path: 'package/l', type: '2', linkpath: '/etc/passwd' }]), /symbolic link/],
    ['hardlink', () => rawTgz([...basePackage(), { path: 'package/h', type: '1', linkpath: 'package/index.js' }]), /hard link/],
    ['duplicate', () => rawTgz([...basePackage(), { path: 'package/index.js', body: 'evil' }]), /duplicate entry/],
    ['two-roots', () => rawTgz([...basePackage(), { path: 'other/index.js', body: 'x' }]), /a path outside it/],
    ['bad-gzip', () => Buffer.concat([rawTgz(basePackage()).subarray(0, 40), Buffer.alloc(40, 7)]), /unreadable data/],
    ['truncated', () => rawTgz(basePackage()).subarray(0, 60), /unreadable data|truncated/],
    ['no-end-blocks', () => gzip(rawTar(basePackage()).subarray(0, 2048)), /truncated archive/],
    ['trailing-garbage', () => gzip(Buffer.concat([rawTar(basePackage()), Buffer.from('garbage')])), /after the end-of-archive/],
    ['bad-checksum', () => gzip(flip(rawTar(basePackage()), 3)), /checksum failure/],
    ['global-pax', () => rawTgz([{ path: 'pax_global_header', type: 'g', body: '11 a=b\n' }, ...basePackage()]), /global pax/],
  ];
  const tarballs: string[] = [];
  const expected: [string, RegExp?][] = [];
  const good = await makeTarball(join(dir, 'good-1.0.0.tgz'), packageFiles('good', '1.0.0'));
  for (let i = 0; i < 160; i++) {
    // The odd ones at the start, and past the first read-ahead window (128).
    const kind = i < odd.length ? odd[i] : i >= 140 && i - 140 < odd.length ? odd[i - 140] : undefined;
    if (!kind) {
      tarballs.push(good);
      expected.push(['ESEAL_UNSIGNED']);
      continue;
    }
    const tgz = join(dir, `${kind[0]}-${i}.tgz`);
    await writeFile(tgz, kind[1]());
    tarballs.push(tgz);
    expected.push(['ESEAL_MALFORMED', kind[2]]);
  }
  const verdict = await verifyTarballs(tarballs, { trust: await trustOf(dir) });
  assert.is(verdict.subjects.length, 160);
  const byArtifact = new Map(verdict.subjects.map((s) => [s.artifact, s]));
  tarballs.forEach((tarball, i) => {
    const subject = byArtifact.get(tarball)!;
    assert.is(subject.status, 'fail', tarball);
    const [code, pattern] = expected[i]!;
    assert.equal(
      subject.findings.map((f) => f.code),
      [code],
      tarball,
    );
    if (pattern) assert.match(subject.findings[0]!.message, pattern, tarball);
  });
});

const gzip = (tar: Buffer): Buffer => gzipSync(tar);
function flip(tar: Buffer, at: number): Buffer {
  const copy = Buffer.from(tar);
  copy[at]! ^= 1;
  return copy;
}

test.run();
