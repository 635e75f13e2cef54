// Writes schema.json and src/validators.generated.ts from the built schemas (run after
// `tsc -b packages/trust`, then build again). The test suite checks that both committed files
// match the schemas in src/schema.ts.
import { writeFileSync } from 'node:fs';
import { policySchema, revocationsSchema } from '../dist/schema.js';
import { validatorsSource } from './validators.mjs';

writeFileSync(new URL('../schema.json', import.meta.url), `${JSON.stringify(policySchema, null, 2)}\n`);
writeFileSync(new URL('../src/validators.generated.ts', import.meta.url), validatorsSource(policySchema, revocationsSchema));
