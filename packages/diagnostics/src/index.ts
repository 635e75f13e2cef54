export { SEAL_CODES, INPUT_CODES } from './codes.js';
export type { SealCode } from './codes.js';
export { SealError, isSealError } from './error.js';
export type { Finding, Severity } from './finding.types.js';
export type { Logger } from './logger.types.js';
export { silentLogger, compareFindings } from './util.js';
export { mapLimit } from './pool.js';
export { defaultCacheDir } from './cache-dir.js';
export { readRegularFile, readRegularFileSync } from './file.js';
export type { ReadFileLimits } from './file.js';
export {
  MAX_CONFIG_BYTES,
  MAX_LOCKFILE_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_PACKAGE_JSON_BYTES,
  MAX_SIGNATURE_BYTES,
  MAX_TARBALL_BYTES,
} from './limits.js';
