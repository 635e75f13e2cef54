// semver's range functions load 20-odd modules (~10 ms of a run's start-up on Node 20), and only
// exceptions (`name@range`) use them: they are required on first use, not at import. semver is
// CommonJS, so a synchronous require does it, and the callers stay synchronous.
import { createRequire } from 'node:module';
import type Satisfies from 'semver/functions/satisfies.js';
import type ValidRange from 'semver/ranges/valid.js';

const require = createRequire(import.meta.url);

let loadedValidRange: typeof ValidRange | undefined;
let loadedSatisfies: typeof Satisfies | undefined;

/** semver's `validRange`: the normalized range, or null when `range` is not one. */
export const validRange = (range: string): string | null =>
  (loadedValidRange ??= require('semver/ranges/valid.js') as typeof ValidRange)(range);

/** semver's `satisfies`. */
export const satisfies = (version: string, range: string, options: { includePrerelease: boolean }): boolean =>
  (loadedSatisfies ??= require('semver/functions/satisfies.js') as typeof Satisfies)(version, range, options);
