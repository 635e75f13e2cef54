// Lockfile attacks from issue 13: what a hostile lockfile tried, each refused.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashBytes } from '@sealpack/manifest';
import { verifyLockfile } from '@sealpack/verify';
import { cleanTempDirs } from '../helpers/index.js';
import { makeConsumer, makeKey, trustOf, type TestKey } from './sealed.js';
import { startStubRegistry, tarballOf, type StubRegistry } from './registry-stub.js';

const test = suite('verifyLockfile attacks');
let alice: TestKey;
let registry: StubRegistry;
const ACME = { trust: [{ packages: '@acme/*', keys: ['alice'] }] };
const sealed = hashBytes(tarballOf('@acme/core', '1.0.0')).integrity;
const evil = hashBytes(Buffer.from('the attacker tarball')).integrity;

test.before(async () => {
  alice = await makeKey('alice');
  registry = await startStubRegistry([{ name: '@acme/core', version: '1.0.0', signer: alice.signer }]);
});
test.after(async () => {
  await registry.close();
  await cleanTempDirs();
});

const verify = async (dir: string) =>
  verifyLockfile(dir, { trust: await trustOf(dir), registry: registry.url, cache: false, env: {} });

const packageLock = (integrity: string) =>
  JSON.stringify({
    lockfileVersion: 3,
    packages: {
      '': { name: 'consumer', version: '1.0.0' },
      'node_modules/@acme/core': { version: '1.0.0', resolved: 'http://evil.test/core.tgz', integrity },
    },
  });

const pnpmLock = (integrity: string) =>
  [
    "lockfileVersion: '9.0'",
    'importers:',
    '  .:',
    '    dependencies:',
    "      '@acme/core': {specifier: 1.0.0, version: 1.0.0}",
    'packages:',
    "  '@acme/core@1.0.0':",
    `    resolution: {integrity: ${JSON.stringify(integrity)}}`,
    'snapshots:',
    "  '@acme/core@1.0.0': {}",
    '',
  ].join('\n');

for (const [file, write] of [
  ['package-lock.json', packageLock],
  ['pnpm-lock.yaml', pnpmLock],
] as const) {
  test(`${file}: every digest listed must be the sealed one (npm and pnpm accept any of them)`, async () => {
    const dir = await makeConsumer([alice], ACME);
    await writeFile(join(dir, file), write(sealed));
    assert.ok((await verify(dir)).ok, 'the sealed digest alone passes');
    for (const integrity of [
      `${sealed} ${evil}`,
      `${evil} ${sealed}`,
      `${sealed} sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=`,
      `${sealed}\n${evil}`,
    ]) {
      await writeFile(join(dir, file), write(integrity));
      const verdict = await verify(dir);
      assert.not.ok(verdict.ok, integrity);
      assert.equal(
        verdict.findings.map((f) => f.code),
        ['ESEAL_INTEGRITY'],
      );
      assert.match(verdict.findings[0]!.message, /besides the sealed digest/);
    }
  });
}

// A proxy that rebuilds `dist` in abbreviated metadata drops `dist.sealpack` from it, while the
// whole version document keeps it. With the default consumer setup (no trust rule written by
// hand: no package "requires" a seal, unsigned: warn) every sealed package must still have its
// seal checked, or a lockfile pointing a sealed package at another tarball passes with exit 0.
test('behind a proxy that drops the seal from abbreviated metadata, a sealed package a rule does not require is still checked', async () => {
  const stripping = await startStubRegistry([{ name: '@acme/core', version: '1.0.0', signer: alice.signer }], {
    dropSealFromAbbreviated: true,
  });
  try {
    for (const policy of [{}, { trust: [{ packages: 'other-*', keys: ['alice'] }], unsigned: 'allow' }]) {
      const dir = await makeConsumer([alice], policy);
      const options = { trust: await trustOf(dir), registry: stripping.url, cache: false as const, env: {} };
      await writeFile(join(dir, 'package-lock.json'), packageLock(sealed));
      const honest = await verifyLockfile(dir, options);
      assert.ok(honest.ok, JSON.stringify(honest.findings));
      assert.equal(honest.summary.unsealed, 0, 'the seal is found in the whole version document');
      await writeFile(join(dir, 'package-lock.json'), packageLock(evil));
      const tampered = await verifyLockfile(dir, options);
      assert.not.ok(tampered.ok, JSON.stringify(policy));
      assert.equal(
        tampered.findings.map((f) => f.code),
        ['ESEAL_INTEGRITY'],
      );
    }
  } finally {
    await stripping.close();
  }
});

test.run();
