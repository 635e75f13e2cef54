// coveringRequirement is the one answer to "which rule covers this subject, under which of its
// names, and what does policy make of it unsealed", for installed folders and lockfile entries
// alike. Pure: a hand-made Trust covers each case.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { coveringRequirement, type Policy } from '@sealpack/trust';
import { makeTrust as makeTrustWith } from '../helpers/trust.js';

const AT = new Date('2025-06-15T00:00:00Z');

const RULES: Policy['trust'] = [
  { packages: ['@acme/*'], keys: ['alice'], threshold: 1, approvers: [], approvals: 0, implicit: false },
  { packages: ['left-pad'], keys: ['bob'], threshold: 1, approvers: [], approvals: 0, implicit: false },
];
const makeTrust = (policy: Partial<Policy> = {}) => makeTrustWith({ trust: RULES, ...policy });

const test = suite('trust: coveringRequirement');

test('one name a rule covers: required, judged under it', () => {
  assert.equal(coveringRequirement(makeTrust(), { name: '@acme/widget' }, '1.0.0', AT), {
    name: '@acme/widget',
    requirement: { required: true, rule: 'trust[0]' },
    coveredAliases: [],
    unsealed: 'required',
  });
});

test('several names, only an alias covered: judged under the alias, which is reported as covered', () => {
  // An unsealed `evil` installed as node_modules/@acme/widget (or pinned under that lockfile key).
  const coverage = coveringRequirement(makeTrust(), { name: 'evil', aliases: ['@acme/widget'] }, '1.0.0', AT);
  assert.equal(coverage, {
    name: '@acme/widget',
    requirement: { required: true, rule: 'trust[0]' },
    coveredAliases: ['@acme/widget'],
    unsealed: 'required',
  });
});

test('several names covered: the own name wins, every covered alias is listed', () => {
  const coverage = coveringRequirement(
    makeTrust(),
    { name: 'left-pad', aliases: ['@acme/widget', 'x', '@acme/other'] },
    '1.0.0',
    AT,
  );
  assert.equal(coverage, {
    name: 'left-pad',
    requirement: { required: true, rule: 'trust[1]' },
    coveredAliases: ['@acme/widget', '@acme/other'],
    unsealed: 'required',
  });
});

test('aliases repeating the own name or each other count once', () => {
  const coverage = coveringRequirement(
    makeTrust(),
    { name: '@acme/widget', aliases: ['@acme/widget', '@acme/b', '@acme/b'] },
    '1.0.0',
    AT,
  );
  assert.equal([coverage.name, coverage.coveredAliases], ['@acme/widget', ['@acme/b']]);
});

test('no name covered: judged under its own name, policy.unsigned decides (deny, warn, allow)', () => {
  for (const unsigned of ['deny', 'warn', 'allow'] as const) {
    const coverage = coveringRequirement(makeTrust({ unsigned }), { name: 'lodash', aliases: ['_'] }, '4.17.21', AT);
    assert.equal(coverage, { name: 'lodash', requirement: { required: false }, coveredAliases: [], unsealed: unsigned });
  }
});

test('a covering rule wins over unsigned: allow', () => {
  const coverage = coveringRequirement(makeTrust({ unsigned: 'allow' }), { name: 'x', aliases: ['left-pad'] }, '1.0.0', AT);
  assert.equal([coverage.name, coverage.unsealed], ['left-pad', 'required']);
});

test('the implicit rule matches but requires nothing: unsigned decides', () => {
  const trust = makeTrust({
    unsigned: 'deny',
    trust: [{ packages: ['**'], keys: ['alice'], threshold: 1, approvers: [], approvals: 0, implicit: true }],
  });
  assert.equal(coveringRequirement(trust, { name: '@acme/widget' }, '1.0.0', AT), {
    name: '@acme/widget',
    requirement: { required: false, rule: 'trust (implicit)' },
    coveredAliases: [],
    unsealed: 'deny',
  });
});

test('an exception in force for the own name excuses it, even under deny; not after it expires', () => {
  const exception = { package: '@acme/widget@1.x', reason: 'r', expires: new Date('2025-07-01T00:00:00Z') };
  const trust = makeTrust({ unsigned: 'deny', exceptions: [exception] });
  const now = { now: AT };
  assert.equal(coveringRequirement(trust, { name: '@acme/widget' }, '1.4.0', AT, now), {
    name: '@acme/widget',
    requirement: { required: false, rule: 'trust[0]', exception },
    coveredAliases: [],
    unsealed: 'excepted',
  });
  const later = new Date('2025-07-01T00:00:00Z');
  assert.is(coveringRequirement(trust, { name: '@acme/widget' }, '1.4.0', later, now).unsealed, 'required');
  assert.is(coveringRequirement(trust, { name: '@acme/widget' }, '1.4.0', AT, { now: later }).unsealed, 'required');
});

test('an exception for one name does not excuse another covered name it answers to', () => {
  const exception = { package: 'left-pad@1.x', reason: 'r', expires: new Date('2026-01-01T00:00:00Z') };
  const trust = makeTrust({ exceptions: [exception] });
  const coverage = coveringRequirement(trust, { name: 'left-pad', aliases: ['@acme/widget'] }, '1.0.0', AT, { now: AT });
  assert.equal(coverage, {
    name: '@acme/widget',
    requirement: { required: true, rule: 'trust[0]' },
    coveredAliases: ['@acme/widget'],
    unsealed: 'required',
  });
  // An exception for an alias only: the own name decides, and policy.unsigned with it.
  const aliasOnly = makeTrust({
    unsigned: 'deny',
    exceptions: [{ package: '@acme/widget@1.x', reason: 'r', expires: new Date('2026-01-01T00:00:00Z') }],
  });
  const excused = coveringRequirement(aliasOnly, { name: 'evil', aliases: ['@acme/widget'] }, '1.0.0', AT, { now: AT });
  assert.equal([excused.name, excused.coveredAliases, excused.unsealed], ['evil', [], 'deny']);
});

test.run();
