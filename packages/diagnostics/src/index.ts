export { SEAL_CODES, INPUT_CODES } from './codes.js';
export type { SealCode } from './codes.js';
export { SealError, isSealError } from './error.js';
export type { Finding, Severity } from './finding.types.js';
export type { Logger } from './logger.types.js';
export { silentLogger, compareFindings } from './util.js';
export { mapLimit } from './pool.js';
