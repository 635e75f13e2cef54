import { gunzipSync, gzipSync } from 'node:zlib';
import { SealError } from '@sealpack/diagnostics';
import { Header, Pax } from 'tar';

/** npm pack's fixed mtime for every entry: a tarball's bytes must not depend on the clock. */
export const NPM_MTIME = new Date('1985-10-26T08:15:00.000Z');
const BLOCK = 512;

export interface AddedEntry {
  /** Path inside the package (`.sealpack/manifest.json`), without the root folder. */
  path: string;
  bytes: Uint8Array;
}

/**
 * Returns `tgz` with `entries` added at the end of the archive, under its root folder
 * (`package/`, or whatever single folder the tarball uses). The
 * original entries are copied as raw tar blocks, headers and data untouched, so every
 * file the package manager packed keeps its exact bytes, mode and order; only the
 * end-of-archive marker moves. The added entries have npm's deterministic headers
 * (fixed mtime, mode 0644, uid/gid 0, no user names) and the result is gzipped with
 * a fixed header, so the same input gives the same bytes.
 */
export function appendEntries(tgz: Uint8Array, entries: readonly AddedEntry[], artifact = 'tarball', root = 'package'): Buffer {
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz);
  } catch (error) {
    throw new SealError('ESEAL_MALFORMED', `${artifact}: expected a gzip tar archive, found ${(error as Error).message}`, {
      artifact,
      cause: error,
    });
  }
  const end = findEndOfArchive(tar, artifact);
  const parts: Buffer[] = [tar.subarray(0, end)];
  for (const entry of entries) {
    const header = Buffer.alloc(BLOCK);
    const h = new Header({
      path: `${root}/${entry.path}`,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: entry.bytes.length,
      mtime: NPM_MTIME,
      type: 'File',
      uname: '',
      gname: '',
    });
    h.encode(header, 0);
    // A root folder too long for ustar, or not ASCII (`paquet-é/`): the path goes in a pax
    // header before the entry, as tar writes it.
    if (h.needPax) parts.push(new Pax({ path: h.path, mtime: NPM_MTIME }).encode());
    parts.push(header, Buffer.from(entry.bytes), Buffer.alloc(padding(entry.bytes.length)));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  // Level 9, as npm's pacote forces: it avoids zlib's platform-specific fast paths, whose
  // output differs from machine to machine.
  const out = gzipSync(Buffer.concat(parts), { level: 9 });
  // The gzip header's OS byte is the platform zlib was built for (3 on Unix, 10 on
  // Windows): pin it so the bytes do not depend on where `sealpack pack` ran.
  out[9] = 3;
  return out;
}

const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

/** Offset of the first end-of-archive (all-zero) block, walking entry by entry. */
export function findEndOfArchive(tar: Buffer, artifact = 'tarball'): number {
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) return offset;
    const size = readSize(block.subarray(124, 136));
    if (size === undefined) break;
    offset += BLOCK + size + padding(size);
  }
  throw new SealError('ESEAL_MALFORMED', `${artifact}: expected a complete tar archive, found no end-of-archive block`, {
    artifact,
  });
}

// The size field is octal text, or base-256 (high bit set) for files over 8 GiB.
function readSize(field: Buffer): number | undefined {
  if (field[0]! & 0x80) {
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/g, '')
    .trim();
  if (!/^[0-7]*$/.test(text)) return undefined;
  return text === '' ? 0 : parseInt(text, 8);
}
