import { readFile } from 'node:fs/promises';
import { SealError } from '@sealpack/diagnostics';
import { buildManifest, sealPaths, serializeManifest, type Integrity } from '@sealpack/manifest';
import { appendSignatures, type Signer } from '@sealpack/openpgp';
import { writeFileAtomic } from './atomic.js';

export interface RegistrySeal {
  /** The exact manifest bytes `dist.sealpack.manifest` carries: tarball digest only, deterministic. */
  manifest: Buffer;
  /** Signatures gathered beside the tarball (`X.tgz.registry.json.asc`, armored or binary), when there are any. */
  signature?: Buffer;
}

/** The registry copy of the manifest: same package and tarball, same bytes, whoever builds it. */
export function registryManifest(name: string, version: string, tarball: Integrity): Buffer {
  return serializeManifest(buildManifest({ name, version, tarball }));
}

const readOptional = (path: string): Promise<Buffer | undefined> =>
  readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });

/**
 * The registry seal gathered beside `tarball` (`X.tgz.registry.json` + `.asc`) for this
 * package and tarball digest. A registry manifest beside it that states anything else is
 * refused (ESEAL_INTEGRITY): its signatures are about other bytes.
 */
export async function readRegistrySeal(tarball: string, name: string, version: string, digest: Integrity): Promise<RegistrySeal> {
  const paths = sealPaths(tarball);
  const manifest = registryManifest(name, version, digest);
  const [found, signature] = await Promise.all([readOptional(paths.registryManifest), readOptional(paths.registrySignature)]);
  if (found && !found.equals(manifest)) {
    throw new SealError(
      'ESEAL_INTEGRITY',
      `${name}@${version}: ${paths.registryManifest} is not the registry seal of this tarball: expected ${digest.integrity} (${digest.size} bytes), found other bytes`,
      { artifact: paths.registryManifest, package: name, version, expected: digest.integrity },
    );
  }
  return { manifest, ...(found && signature ? { signature } : {}) };
}

/** Adds `signer`'s signature (an approval when asked) to the registry seal beside `tarball`. */
export async function signRegistrySeal(
  tarball: string,
  seal: { name: string; version: string; tarball: Integrity },
  options: { signer: Signer; approval?: boolean },
): Promise<string[]> {
  const paths = sealPaths(tarball);
  const existing = await readRegistrySeal(tarball, seal.name, seal.version, seal.tarball);
  const added = await options.signer.sign(existing.manifest, undefined, options.approval ? { approval: true } : {});
  const armored = existing.signature ? await appendSignatures(existing.signature, added) : added;
  await writeFileAtomic(paths.registryManifest, existing.manifest);
  await writeFileAtomic(paths.registrySignature, armored);
  return [paths.registryManifest, paths.registrySignature];
}
