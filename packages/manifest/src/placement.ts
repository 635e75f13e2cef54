import { readFile } from 'node:fs/promises';

/** Where the detached seal of a tarball lives (DESIGN.md, "Where seals live"). */
export function sealPaths(tarball: string): { signature: string; manifest: string; manifestSignature: string } {
  return {
    signature: `${tarball}.asc`,
    manifest: `${tarball}.manifest.json`,
    manifestSignature: `${tarball}.manifest.json.asc`,
  };
}

export interface DetachedSeal {
  /** The exact manifest bytes, when `X.tgz.manifest.json` exists. */
  manifest?: Buffer;
  /** `X.tgz.manifest.json.asc`, armored. */
  manifestSignature?: string;
  /** `X.tgz.asc`, armored: the signature over the tarball bytes, for gpg users. */
  tarballSignature?: string;
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Reads whatever part of a tarball's detached seal exists; a missing file is `undefined`, not an error. */
export async function readDetachedSeal(tarball: string): Promise<DetachedSeal> {
  const paths = sealPaths(tarball);
  const [manifest, manifestSignature, tarballSignature] = await Promise.all([
    readIfExists(paths.manifest),
    readIfExists(paths.manifestSignature),
    readIfExists(paths.signature),
  ]);
  return {
    manifest,
    manifestSignature: manifestSignature?.toString('utf8'),
    tarballSignature: tarballSignature?.toString('utf8'),
  };
}
