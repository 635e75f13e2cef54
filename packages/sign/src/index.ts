export { signTarball } from './tarball.js';
export type { SignTarballOptions, SignedTarball } from './tarball.js';
export { writeFileAtomic } from './atomic.js';
export { readRegistrySeal, registryManifest, signRegistrySeal } from './registry.js';
export type { RegistrySeal } from './registry.js';
