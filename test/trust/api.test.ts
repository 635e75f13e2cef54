import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as AjvModule from 'ajv';
import * as trust from '@sealpack/trust';
import { ROOT } from '../helpers/index.js';

const test = suite('trust: public API');

test('exported names are pinned', () => {
  assert.equal(Object.keys(trust).sort(), [
    'DEFAULT_HASHES',
    'DEFAULT_KEYRING',
    'DEFAULT_LEDGER',
    'DEFAULT_MIN_RSA_BITS',
    'DEFAULT_REVOCATIONS',
    'DEFAULT_UNSIGNED',
    'SEARCH_PLACES',
    'channelOf',
    'coveringRequirement',
    'findRevocation',
    'installAllowance',
    'judgeSignatures',
    'judgeTarballSignatures',
    'loadPolicy',
    'loadTrust',
    'planKeyUpdate',
    'policySchema',
    'readKeyring',
    'readRevocations',
    'sealRequirement',
  ]);
});

test('defaults are the secure ones of DESIGN.md', () => {
  assert.is(trust.DEFAULT_KEYRING, '.sealpack/keys');
  assert.is(trust.DEFAULT_REVOCATIONS, '.sealpack/revocations.json');
  assert.is(trust.DEFAULT_UNSIGNED, 'warn');
  assert.is(trust.DEFAULT_MIN_RSA_BITS, 3072);
  assert.equal([...trust.DEFAULT_HASHES], ['sha256', 'sha384', 'sha512']);
});

test('the committed schema.json is policySchema, and package.json publishes it', async () => {
  const dir = join(ROOT, 'packages', 'trust');
  const file = JSON.parse(await readFile(join(dir, 'schema.json'), 'utf8'));
  assert.equal(file, JSON.parse(JSON.stringify(trust.policySchema)));
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  assert.ok(pkg.files.includes('schema.json'));
});

test('both schemas are valid draft-07 schemas (the runtime skips this check to start faster)', async () => {
  const require = createRequire(join(ROOT, 'packages', 'trust', 'package.json'));
  const { Ajv } = require('ajv') as typeof AjvModule;
  const { revocationsSchema } = await import('../../packages/trust/src/schema.js');
  const ajv = new Ajv({ strict: true, allowUnionTypes: true });
  for (const schema of [trust.policySchema, revocationsSchema]) {
    assert.ok(ajv.validateSchema(schema), JSON.stringify(ajv.errors));
  }
  assert.not.ok(ajv.validateSchema({ type: 'no-such-type' }), 'the check can fail');
});

test('findRevocation: hard whatever the date, soft only from its date on, by primary or subkey', () => {
  const at = (iso: string) => new Date(iso);
  const list = [
    { fingerprint: 'AA', reason: 'superseded' as const, date: at('2026-01-01T00:00:00Z'), source: 'list' as const },
    { fingerprint: 'BB', reason: 'compromised' as const, date: at('2030-01-01T00:00:00Z'), source: 'list' as const },
  ];
  assert.is(trust.findRevocation(['aa'], at('2025-12-31T00:00:00Z'), list), undefined);
  assert.is(trust.findRevocation(['AA'], at('2026-01-01T00:00:00Z'), list)?.reason, 'superseded');
  assert.is(trust.findRevocation([undefined, 'BB'], at('2020-01-01T00:00:00Z'), list)?.hard, true);
  assert.is(trust.findRevocation(['CC'], at('2031-01-01T00:00:00Z'), list), undefined);
});

test('policySchema cannot be changed by a caller', () => {
  assert.throws(() => {
    (trust.policySchema as Record<string, unknown>).additionalProperties = true;
  });
});

test.run();
