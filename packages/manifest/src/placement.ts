import { MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES, MAX_TARBALL_BYTES, readRegularFileSync } from '@sealpack/diagnostics';

/** Where the detached seal of a tarball lives (DESIGN.md, "Where seals live"). */
export function sealPaths(tarball: string): {
  signature: string;
  manifest: string;
  manifestSignature: string;
  registryManifest: string;
  registrySignature: string;
} {
  return {
    signature: `${tarball}.asc`,
    manifest: `${tarball}.manifest.json`,
    manifestSignature: `${tarball}.manifest.json.asc`,
    // The registry seal before publish (tarball digest only, as `dist.sealpack` carries it): where
    // approvals gather in another job, for `publish X.tgz` to carry them into the registry.
    registryManifest: `${tarball}.registry.json`,
    registrySignature: `${tarball}.registry.json.asc`,
  };
}

export interface DetachedSeal {
  /** The exact manifest bytes, when `X.tgz.manifest.json` exists. */
  manifest?: Buffer;
  /** `X.tgz.manifest.json.asc`: armored, or binary as `gpg --detach-sign` writes it. */
  manifestSignature?: Buffer;
  /** `X.tgz.asc`: the signature over the tarball bytes, for gpg users (armored or binary). */
  tarballSignature?: Buffer;
}

/**
 * Only a regular file within its bound: a FIFO there would block forever, a folder fail with a
 * bare EISDIR. Read synchronously: a seal is a few small files, and three reads through the
 * thread pool (open, stat, read, close each) cost the main thread ten times what they read
 * (300 tarballs: 50–150 ms of CPU against 6–15 ms).
 */
const readIfExists = (path: string, maxBytes: number, what: string): Buffer | undefined =>
  readRegularFileSync(path, { maxBytes, code: 'ESEAL_MALFORMED', what, optional: true });

/**
 * Reads whatever part of a tarball's detached seal exists; a missing file is `undefined`, not an
 * error. Anything else in its place (a folder, a FIFO, a file past its size bound) is
 * ESEAL_MALFORMED naming the path.
 */
export function readDetachedSeal(tarball: string): DetachedSeal {
  const paths = sealPaths(tarball);
  return {
    manifest: readIfExists(paths.manifest, MAX_MANIFEST_BYTES, 'a manifest'),
    manifestSignature: readIfExists(paths.manifestSignature, MAX_SIGNATURE_BYTES, 'a signature'),
    tarballSignature: readIfExists(paths.signature, MAX_SIGNATURE_BYTES, 'a signature'),
  };
}

/**
 * The bytes of a tarball file named on the command line: only a regular file within
 * `MAX_TARBALL_BYTES` (a FIFO in its place would block forever); else ESEAL_CONFIG naming it.
 * Synchronous, like the seal's files: one local file, read at once.
 */
export function readTarballFile(tarball: string): Buffer {
  return readRegularFileSync(tarball, { maxBytes: MAX_TARBALL_BYTES, code: 'ESEAL_CONFIG', what: 'a tarball' })!;
}
