export { verifyTarball, verifyTarballs, compareContents } from './tarball.js';
export type { VerifyTarballOptions } from './tarball.js';
export { checkSeal } from './seal.js';
export type { CheckSealInput, SealCheck } from './seal.js';
export { makeVerdict, judgeSubject } from './verdict.js';
export type { SubjectResult, Verdict } from './verdict.types.js';
export { mapLimit, DEFAULT_CONCURRENCY } from './pool.js';
