// The last steps of every verification pipeline: outcomes folded into one verdict, and the one
// place that gives a verdict its exit code. Pure: hand-made findings and subjects.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Finding } from '@sealpack/diagnostics';
import { exitCodeOf, makeVerdict } from '@sealpack/verify';
import { fileFindings, INSTALLED_FILES, TARBALL_FILES } from '../../packages/verify/src/file-findings.js';
import { judgeSubject, unsealedOutcome, verdictOf } from '../../packages/verify/src/verdict.js';
import { makeTrust } from '../helpers/trust.js';

const finding = (code: Finding['code'], severity: Finding['severity'] = 'error'): Finding => ({
  code,
  severity,
  message: `x@1.0.0: ${code}`,
  artifact: 'x',
  package: 'x',
  version: '1.0.0',
});

const verdictWith = (...findings: Finding[]) =>
  makeVerdict([judgeSubject({ artifact: 'x', package: 'x', version: '1.0.0' }, findings, [])]);

const exit = suite('verify: exitCodeOf');

exit('0 when nothing failed, warnings included', () => {
  assert.is(exitCodeOf(verdictWith()), 0);
  assert.is(exitCodeOf(verdictWith(finding('ESEAL_UNSIGNED', 'warning'), finding('ESEAL_KEY_EXPIRED', 'warning'))), 0);
});

exit('2 when every error says something could not be checked (registry, configuration)', () => {
  assert.is(exitCodeOf(verdictWith(finding('ESEAL_REGISTRY'))), 2);
  assert.is(exitCodeOf(verdictWith(finding('ESEAL_REGISTRY'), finding('ESEAL_CONFIG'), finding('ESEAL_UNSIGNED', 'warning'))), 2);
});

exit('1 as soon as one error is a finding about the packages, next to any number of outages', () => {
  assert.is(exitCodeOf(verdictWith(finding('ESEAL_INTEGRITY'))), 1);
  assert.is(exitCodeOf(verdictWith(finding('ESEAL_REGISTRY'), finding('ESEAL_IDENTITY'))), 1);
  assert.is(exitCodeOf(verdictWith(finding('ESEAL_CONFIG'), finding('ESEAL_DOWNGRADE'))), 1);
});

exit('a verdict that is not ok never exits 0, even with no error finding to explain it', () => {
  assert.is(exitCodeOf({ ok: false, findings: [] }), 2);
  assert.is(exitCodeOf({ ok: false, findings: [finding('ESEAL_THRESHOLD')] }), 1);
});

exit.run();

const fold = suite('verify: verdictOf');

fold('subjects judged, unsealed passes counted once in a summary warning, nothing-to-report dropped', () => {
  const subject = { artifact: 'node_modules/b', package: 'b', version: '1.0.0' };
  const outcomes = [
    unsealedOutcome({ ...subject, artifact: 'node_modules/a', package: 'a' }, [], 'a@1.0.0'),
    unsealedOutcome(subject, [finding('ESEAL_DOWNGRADE')], 'b@1.0.0'),
    undefined,
    unsealedOutcome({ ...subject, artifact: 'node_modules/c', package: 'c' }, [], 'c@2.0.0'),
  ];
  const verdict = verdictOf(makeTrust(), outcomes, 'installed');
  assert.equal(
    verdict.subjects.map((s) => [s.package, s.status]),
    [['b', 'fail']],
  );
  assert.equal(verdict.summary, { checked: 1, passed: 0, failed: 1, errors: 1, warnings: 1, unsealed: 2 });
  const summary = verdict.findings.find((f) => f.severity === 'warning');
  assert.match(
    summary!.message,
    /^2 installed packages have no seal and no trust rule requiring one \(unsigned: warn\): a@1\.0\.0, c@2\.0\.0$/,
  );
  assert.is(exitCodeOf(verdict), 1);
});

fold('unsigned: allow counts the unsealed packages without a warning', () => {
  const verdict = verdictOf(makeTrust({ unsigned: 'allow' }), [unsealedOutcome({ artifact: 'a' }, [], 'a@1.0.0')], 'locked');
  assert.equal([verdict.ok, verdict.findings, verdict.summary.unsealed], [true, [], 1]);
});

fold.run();

const files = suite('verify: fileFindings');

const diff = {
  changed: [{ path: 'index.js', expected: { integrity: 'sha512-a', size: 1 }, found: { integrity: 'sha512-b', size: 2 } }],
  missing: [{ path: 'lib/gone.js', integrity: 'sha512-c' }],
  extra: ['evil.js'],
};
const subject = { artifact: 'x.tgz', package: 'x', version: '1.0.0' };

files('one finding per changed, missing and extra file, worded for a tarball', () => {
  assert.equal(fileFindings(diff, subject, TARBALL_FILES), [
    {
      code: 'ESEAL_INTEGRITY',
      severity: 'error',
      message: 'x@1.0.0: index.js differs from the manifest: expected sha512-a (1 bytes), found sha512-b (2 bytes)',
      ...subject,
      file: 'index.js',
      expected: 'sha512-a',
      found: 'sha512-b',
    },
    {
      code: 'ESEAL_MISSING_FILE',
      severity: 'error',
      message: 'x@1.0.0: lib/gone.js is in the manifest but not in the package',
      ...subject,
      file: 'lib/gone.js',
      expected: 'sha512-c',
    },
    {
      code: 'ESEAL_EXTRA_FILE',
      severity: 'error',
      message: 'x@1.0.0: evil.js is in the package but not in the manifest',
      ...subject,
      file: 'evil.js',
    },
  ]);
});

files('an installed tree names installScripts on what install scripts could have been allowed to do', () => {
  const found = fileFindings(diff, subject, INSTALLED_FILES);
  assert.equal(
    found.map((f) => [f.code, f.rule, f.message.slice('x@1.0.0: '.length)]),
    [
      [
        'ESEAL_INTEGRITY',
        'installScripts',
        'index.js differs from the manifest: expected sha512-a (1 bytes), found sha512-b (2 bytes)',
      ],
      ['ESEAL_MISSING_FILE', undefined, 'lib/gone.js is in the manifest but not installed'],
      ['ESEAL_EXTRA_FILE', 'installScripts', 'evil.js is installed but not in the manifest'],
    ],
  );
});

files.run();
