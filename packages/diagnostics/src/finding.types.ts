import type { SealCode } from './codes.js';

export type Severity = 'error' | 'warning';

/**
 * One thing a check found. Only `code`, `severity` and `message` are always present;
 * the rest names what the finding is about, so a reader can act without guessing.
 */
export interface Finding {
  code: SealCode;
  severity: Severity;
  /** Starts with `name@version` when a package is known, then "expected X, found Y". */
  message: string;
  /** The file the finding is about: a tarball, a manifest, a signature, an installed package folder. */
  artifact?: string;
  package?: string;
  version?: string;
  /** A path inside the package (for file findings). */
  file?: string;
  fingerprint?: string;
  /** The pinned name of the key (`.sealpack/keys/NAME.asc`). */
  keyName?: string;
  /** The policy rule involved, e.g. `trust[0]` or `algorithms.minRsaBits`. */
  rule?: string;
  expected?: string;
  found?: string;
}
