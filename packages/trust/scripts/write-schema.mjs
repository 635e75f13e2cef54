// Writes schema.json from the built policySchema (run after `tsc -b packages/trust`).
// The test suite checks that the committed file and the exported object are the same.
import { writeFileSync } from 'node:fs';
import { policySchema } from '../dist/index.js';

writeFileSync(new URL('../schema.json', import.meta.url), `${JSON.stringify(policySchema, null, 2)}\n`);
