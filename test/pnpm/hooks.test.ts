import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as plugin from '@sealpack/pnpm';
import { hashBytes } from '@sealpack/manifest';
import { cleanTempDirs, rejects, ROOT } from '../helpers/index.js';
import { makeConsumer, makeKey, type TestKey } from '../verify/sealed.js';
import { startStubRegistry, tarballOf, type StubRegistry } from '../verify/registry-stub.js';

const test = suite('@sealpack/pnpm');
const ctx = {} as { alice: TestKey; registry: StubRegistry };

test.before(async () => {
  ctx.alice = await makeKey('alice');
  ctx.registry = await startStubRegistry([
    { name: '@acme/core', version: '1.0.0', signer: ctx.alice.signer },
    { name: '@acme/bare', version: '1.0.0' },
    { name: 'free', version: '1.0.0' },
  ]);
});
test.after(async () => {
  await ctx.registry.close();
  await cleanTempDirs();
});

/** The lockfile object pnpm 10 and 12 hand to afterAllResolved (measured: v9 `packages` keyed name@version). */
const lockfileOf = (...names: string[]) => ({
  lockfileVersion: '9.0',
  importers: { '.': {} },
  packages: Object.fromEntries(
    names.map((name) => [`${name}@1.0.0`, { resolution: { integrity: hashBytes(tarballOf(name, '1.0.0')).integrity } }]),
  ),
});

test('public API is pinned; the CommonJS entry (what a .pnpmfile.cjs requires) gives the same hooks', () => {
  assert.equal(Object.keys(plugin).sort(), ['checkResolvedLockfile', 'sealpackHooks']);
  const required = createRequire(import.meta.url)(join(ROOT, 'plugins', 'pnpm'));
  assert.equal(Object.keys(required), ['sealpackHooks']);
  assert.type(required.sealpackHooks().afterAllResolved, 'function');
});

test('afterAllResolved returns the lockfile unchanged when every covered package verifies', async () => {
  const dir = await makeConsumer([ctx.alice], { trust: [{ packages: '@acme/*', keys: ['alice'] }] });
  const hooks = plugin.sealpackHooks({ dir, registry: ctx.registry.url });
  const lockfile = lockfileOf('@acme/core', 'free');
  const logged: string[] = [];
  const result = await hooks.afterAllResolved(lockfile, { log: (m: string) => logged.push(m) });
  assert.is(result, lockfile);
  assert.match(logged.join('\n'), /1 resolved packages verified/);
});

test('afterAllResolved throws (pnpm aborts) listing every failure', async () => {
  const dir = await makeConsumer([ctx.alice], { trust: [{ packages: '@acme/*', keys: ['alice'] }] });
  const hooks = plugin.sealpackHooks({ dir, registry: ctx.registry.url });
  const error = await rejects(() => hooks.afterAllResolved(lockfileOf('@acme/core', '@acme/bare'), {}), 'ESEAL_UNSIGNED');
  assert.match(error.message, /1 of 2 resolved packages failed verification/);
  assert.match(error.message, /error ESEAL_UNSIGNED: @acme\/bare@1\.0\.0/);
  assert.not.match(error.stack ?? '', /\n\s+at /);
});

test.run();
