import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isSealpackPublish } from '@sealpack/publish';
import { guardNonce } from '../../packages/publish/src/package-manager.js';

const test = suite('the guard: which lifecycle runs pass');

const env = (event: string | undefined, value: string | undefined): NodeJS.ProcessEnv => ({
  ...(event === undefined ? {} : { npm_lifecycle_event: event }),
  ...(value === undefined ? {} : { SEALPACK_PUBLISH: value }),
});

test('a publish event is refused whatever SEALPACK_PUBLISH says: sealpack never runs one', () => {
  for (const event of ['prepublishOnly', 'prepublish', 'publish']) {
    for (const value of [guardNonce(), '1', 'true']) assert.not.ok(isSealpackPublish(env(event, value)), `${event} ${value}`);
  }
});

test("in prepack/prepare only sealpack's own nonce passes, not a value left in CI", () => {
  for (const event of ['prepack', 'prepare']) {
    assert.ok(isSealpackPublish(env(event, guardNonce())), event);
    for (const value of [undefined, '', '0', 'false', '1', 'true', 'sealpack-pack-xyz']) {
      assert.not.ok(isSealpackPublish(env(event, value)), `${event} ${value}`);
    }
  }
});

test('outside a lifecycle script, or in another one, nothing passes', () => {
  assert.not.ok(isSealpackPublish(env(undefined, guardNonce())));
  assert.not.ok(isSealpackPublish(env('postinstall', guardNonce())));
});

test.run();
