// Raw tar bytes for the entries real tools refuse to write (links, `..`, absolute
// names, duplicates, odd types, pax overrides): one ustar header per entry, written
// by hand so nothing sanitizes the names on the way.
import { gzipSync } from 'node:zlib';

export interface RawEntry {
  path: string;
  /** The ustar typeflag: '0' file (default), '5' folder, '1' hard link, '2' symlink, '3' char device, '6' fifo, 'x' pax header… */
  type?: string;
  body?: string | Uint8Array;
  linkpath?: string;
}

function field(block: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar field too long: ${value}`);
  bytes.copy(block, offset);
}
const octal = (n: number, length: number): string => n.toString(8).padStart(length - 1, '0');

/** One 512-byte ustar header. */
export function rawHeader(entry: RawEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  field(block, 0, 100, entry.path);
  field(block, 100, 8, octal(entry.type === '5' ? 0o755 : 0o644, 8));
  field(block, 108, 8, octal(0, 8));
  field(block, 116, 8, octal(0, 8));
  field(block, 124, 12, octal(size, 12));
  field(block, 136, 12, octal(499162500, 12));
  field(block, 156, 1, entry.type ?? '0');
  field(block, 157, 100, entry.linkpath ?? '');
  field(block, 257, 8, 'ustar\u000000');
  // The checksum is computed with its own field read as eight spaces.
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  field(block, 148, 8, `${octal(sum, 7)}\0`);
  return block;
}

/** A pax extended header body: `<len> key=value\n` records, `len` counting itself. */
export function paxBody(records: Record<string, string>): string {
  return Object.entries(records)
    .map(([key, value]) => {
      const rest = ` ${key}=${value}\n`;
      let len = Buffer.byteLength(rest) + 1;
      while (String(len).length + Buffer.byteLength(rest) !== len) len++;
      return `${len}${rest}`;
    })
    .join('');
}

/** The bare tar: headers, bodies padded to 512 bytes, two zero blocks. */
export function rawTar(entries: readonly RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    parts.push(rawHeader(entry, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** The same, gzipped, as an npm tarball is. */
export const rawTgz = (entries: readonly RawEntry[]): Buffer => gzipSync(rawTar(entries));

/** A small valid package to add odd entries to. */
export const basePackage = (): RawEntry[] => [
  { path: 'package/package.json', body: '{"name":"odd","version":"1.0.0"}\n' },
  { path: 'package/index.js', body: 'module.exports = 1;\n' },
];
