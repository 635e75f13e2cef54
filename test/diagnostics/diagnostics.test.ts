import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as diagnostics from '@sealpack/diagnostics';
import { SealError, compareFindings, type Finding } from '@sealpack/diagnostics';

const test = suite('diagnostics');

test('public API is pinned', () => {
  assert.equal(Object.keys(diagnostics).sort(), [
    'INPUT_CODES',
    'MAX_CONFIG_BYTES',
    'MAX_LOCKFILE_BYTES',
    'MAX_MANIFEST_BYTES',
    'MAX_PACKAGE_JSON_BYTES',
    'MAX_SIGNATURE_BYTES',
    'MAX_TARBALL_BYTES',
    'SEAL_CODES',
    'SealError',
    'compareFindings',
    'defaultCacheDir',
    'isSealError',
    'mapLimit',
    'readRegularFile',
    'readRegularFileSync',
    'silentLogger',
  ]);
});

test('SealError carries code, details and becomes a finding', () => {
  const error = new SealError('ESEAL_INTEGRITY', 'a@1.0.0: expected x, found y', {
    package: 'a',
    expected: 'x',
    found: 'y',
  });
  assert.is(error.code, 'ESEAL_INTEGRITY');
  assert.equal(error.toFinding(), {
    code: 'ESEAL_INTEGRITY',
    severity: 'error',
    message: 'a@1.0.0: expected x, found y',
    package: 'a',
    expected: 'x',
    found: 'y',
  });
});

test('findings sort deterministically, errors before warnings', () => {
  const f = (code: Finding['code'], severity: Finding['severity'], artifact = 'a'): Finding => ({
    code,
    severity,
    message: code,
    artifact,
  });
  const sorted = [f('ESEAL_UNSIGNED', 'warning'), f('ESEAL_INTEGRITY', 'error', 'b'), f('ESEAL_THRESHOLD', 'error')].sort(
    compareFindings,
  );
  assert.equal(
    sorted.map((x) => `${x.artifact}:${x.code}`),
    ['a:ESEAL_THRESHOLD', 'a:ESEAL_UNSIGNED', 'b:ESEAL_INTEGRITY'],
  );
});

test.run();
