export { signTarball } from './tarball.js';
export type { SignTarballOptions, SignedTarball } from './tarball.js';
export { sealPaths } from './paths.js';
export { writeFileAtomic } from './atomic.js';
