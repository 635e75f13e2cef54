// An installed package whose embedded seal is gone while its registry seal (by a pinned key) is
// known is a downgrade, covered by a rule or not: stripped on this machine, not never sealed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyInstalled } from '@sealpack/verify';
import { cleanTempDirs } from '../helpers/index.js';
import { registrySeal } from './registry-stub.js';
import { installPackage, makeConsumer, makeKey, trustOf, type TestKey } from './sealed.js';

const test = suite('a stripped seal');
let alice: TestKey;

test.before(async () => {
  alice = await makeKey('alice');
});
test.after(cleanTempDirs);

test('the registry seal is known (cached by verify-lockfile) and the installed copy has none: ESEAL_DOWNGRADE', async () => {
  const root = await makeConsumer([alice], {});
  const dir = join(root, 'node_modules', 'ms');
  await installPackage(dir, 'ms', '2.0.0', { signer: alice.signer });
  const seal = await registrySeal('ms', '2.0.0', Buffer.from('the tarball'), alice.signer);
  const registrySeals = async (name: string, version: string) =>
    name === 'ms' && version === '2.0.0'
      ? { manifest: Buffer.from(seal.manifest), signature: seal.signature, artifact: 'registry seal' }
      : undefined;
  assert.ok((await verifyInstalled(root, { trust: await trustOf(root), registrySeals })).ok);
  await rm(join(dir, '.sealpack'), { recursive: true });
  const verdict = await verifyInstalled(root, { trust: await trustOf(root), registrySeals });
  assert.not.ok(verdict.ok);
  const errors = verdict.findings.filter((f) => f.severity === 'error');
  assert.equal(
    errors.map((f) => `${f.code} ${f.package}@${f.version} ${f.found}`),
    ['ESEAL_DOWNGRADE ms@2.0.0 stripped'],
  );
  assert.match(errors[0]!.message, /^ms@2\.0\.0: its registry seal is known, but the installed copy has none/);
  // No registry seal known (never published sealed, or not looked up): unsealed, a warning only.
  const never = await verifyInstalled(root, { trust: await trustOf(root), registrySeals: async () => undefined });
  assert.ok(never.ok);
  assert.is(never.summary.unsealed, 1);
});

test.run();
