import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as verify from '@sealpack/verify';

const test = suite('verify exports');

test('public API is pinned', () => {
  assert.equal(Object.keys(verify).sort(), [
    'DEFAULT_REGISTRY_CONCURRENCY',
    'RegistryClient',
    'cachedRegistrySeals',
    'checkSeal',
    'compareContents',
    'defaultCacheDir',
    'exitCodeOf',
    'findInstalledPackages',
    'lockedFromPnpm',
    'makeVerdict',
    'readLockedPackages',
    'readNpmConfig',
    'registryFor',
    'verifyInstalled',
    'verifyLockedPackages',
    'verifyLockfile',
    'verifyTarball',
    'verifyTarballs',
  ]);
});

test.run();
