// What verifyInstalled makes of a hasher that fails: whatever a worker's failure is made of
// (an Error, or a value that is not one: `undefined` from a worker that threw it), the package
// it was examining is never left out of the verdict, and the run never passes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { verifyInstalled } from '@sealpack/verify';
import { startInstalledWorkers, type Hasher } from '@sealpack/verify/installed-workers';
import { cleanTempDirs } from '../helpers/index.js';
import { installPackage, makeConsumer, makeKey, trustOf } from './sealed.js';

const test = suite('verifyInstalled: a failing hasher');
test.after(cleanTempDirs);

/** Real workers examining `root` ahead, but the answer for the package at `dir` is rejected with `reason`. */
function failingFor(root: string, dir: string, reason: unknown): Hasher {
  const real = startInstalledWorkers(root, 1);
  return {
    examine: (at, manifest) => (at.endsWith(dir) ? Promise.reject(reason) : real.examine(at, manifest)),
    readTarball: (tarball) => real.readTarball(tarball),
    close: () => real.close(),
  };
}

for (const [what, reason] of [
  ['an Error', new Error('a hash worker stopped (exit code 1)')],
  ['undefined', undefined],
  ['null', null],
] as const) {
  test(`an examination rejected with ${what} fails the run: the package is never left out`, async () => {
    const alice = await makeKey('alice');
    const root = await makeConsumer([alice], { trust: [{ packages: '**', keys: ['alice'] }] });
    for (const name of ['a', 'b', 'c'])
      await installPackage(join(root, 'node_modules', name), name, '1.0.0', { signer: alice.signer });
    const trust = await trustOf(root);
    let verdict;
    try {
      verdict = await verifyInstalled(root, { trust, hasher: failingFor(root, join('node_modules', 'b'), reason) });
    } catch {
      return; // the run failed: never a pass
    }
    assert.is(verdict.ok, false, `passed: ${JSON.stringify(verdict.summary)}`);
  });
}

test.run();
