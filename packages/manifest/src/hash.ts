import { createHash, hash as hashOnce } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Integrity } from './manifest.types.js';

/** An ssri sha512 string exactly as ssri writes it: one hash, no options. */
export const SHA512_INTEGRITY = /^sha512-[A-Za-z0-9+/]{86}==$/;

export const integrityOf = (digest: Buffer, size: number): Integrity => ({
  integrity: `sha512-${digest.toString('base64')}`,
  size,
});

/** The sha512 integrity and size of `bytes`. */
export function hashBytes(bytes: Uint8Array): Integrity {
  return { integrity: `sha512-${hashOnce('sha512', bytes, 'base64')}`, size: bytes.byteLength };
}

/**
 * The sha512 integrity and size of a file, read in chunks (installed trees can hold
 * large files). File-system errors are thrown as they are (`code` ENOENT, EISDIR…).
 */
export async function hashFile(path: string): Promise<Integrity> {
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha512');
    const buffer = Buffer.allocUnsafe(64 * 1024);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return integrityOf(hash.digest(), size);
  } finally {
    await handle.close();
  }
}
