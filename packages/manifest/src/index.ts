export { MANIFEST_FORMAT, EMBEDDED_MANIFEST_PATH, EMBEDDED_SIGNATURE_PATH } from './paths.js';
export type {
  Integrity,
  ManifestFile,
  ManifestSource,
  Manifest,
  ManifestInput,
  TarballContents,
  FileComparison,
} from './manifest.types.js';
export { readTarball } from './tarball.js';
export { buildManifest, serializeManifest, parseManifest } from './manifest.js';
export { hashBytes, hashFile } from './hash.js';
export { compareFiles } from './compare.js';
export { sealPaths, readDetachedSeal, readTarballFile } from './placement.js';
export type { DetachedSeal } from './placement.js';
