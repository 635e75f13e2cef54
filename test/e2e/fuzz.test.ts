// (End to end: the fuzzer runs the built packages.)
// The mutation fuzzer of issue 13 (scripts/fuzz.mjs) at a small size on every run: a few hundred
// mutated tarballs, manifests, signatures, lockfiles and installed files, none accepted, none
// crashing, none hanging. The full run (10,000 and more) is `node scripts/fuzz.mjs`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { ROOT, run } from '../helpers/index.js';

const test = suite('fuzz (small run)');

test('240 mutations across every input: 0 accepted, 0 crashes, 0 hangs', () => {
  const result = run(process.execPath, [join(ROOT, 'scripts', 'fuzz.mjs'), '--count', '240', '--seed', '7'], {
    cwd: ROOT,
    timeout: 600_000,
  });
  const figures = /tried (\d+), refused (\d+), accepted (\d+), equivalent (\d+), crashes (\d+), hangs (\d+)/.exec(result.stdout);
  assert.ok(figures, `no figures: ${result.stdout}\n${result.stderr}`);
  const [, tried, , accepted, , crashes, hangs] = figures!.map(Number);
  assert.is(tried, 240);
  assert.equal({ accepted, crashes, hangs }, { accepted: 0, crashes: 0, hangs: 0 }, result.stdout);
  assert.is(result.status, 0, result.stdout);
});

test.run();
