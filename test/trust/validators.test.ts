import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { policySchema, revocationsSchema } from '../../packages/trust/src/schema.js';
import { ROOT } from '../helpers/index.js';

// The config and revocation-list validators are Ajv standalone code, generated from
// src/schema.ts and committed (src/validators.generated.ts), so that no run compiles a schema.
const test = suite('trust: precompiled validators');

const dir = join(ROOT, 'packages', 'trust');
const generator = (await import(pathToFileURL(join(dir, 'scripts', 'validators.mjs')).href)) as {
  validatorsSource(policy: object, revocations: object): string;
};

test('src/validators.generated.ts is what the schemas compile to today (else: regenerate it)', async () => {
  const committed = await readFile(join(dir, 'src', 'validators.generated.ts'), 'utf8');
  const fresh = generator.validatorsSource(policySchema, revocationsSchema);
  assert.ok(committed === fresh, 'stale: run `pnpm -F @sealpack/trust schema` after `npm run build`, then build again');
});

test('a changed schema gives other code: the check above can fail', () => {
  const changed = { ...policySchema, required: ['keyring'] };
  assert.not.equal(
    generator.validatorsSource(changed, revocationsSchema),
    generator.validatorsSource(policySchema, revocationsSchema),
  );
});

test.run();
