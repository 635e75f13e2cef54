export { signTarball } from './tarball.js';
export type { SignTarballOptions, SignedTarball } from './tarball.js';
export { writeFileAtomic } from './atomic.js';
