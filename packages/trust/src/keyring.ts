import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import { readPublicKey, type KeyInfo } from '@sealpack/openpgp';
import { byCodeUnit } from './order.js';

export interface PinnedKey {
  /** How policy refers to the key: `NAME` of `NAME.asc`. */
  name: string;
  /** Absolute path of the key file. */
  file: string;
  key: KeyInfo;
}

export interface KeyFile {
  name: string;
  file: string;
}

/** The `*.asc` files of a keyring folder, sorted by name; null when the folder does not exist. */
export async function listKeyFiles(dir: string): Promise<KeyFile[] | null> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    const line = `${dir}: ${code === 'ENOTDIR' ? 'is not a folder' : `cannot be read (${code ?? String(error)})`}`;
    throw new SealError('ESEAL_CONFIG', `invalid keyring: ${line}`, { details: [line], cause: error });
  }
  const files: KeyFile[] = [];
  for (const entry of entries) {
    // Dotfiles are editor or OS leftovers, not keys someone pinned.
    if (!entry.name.endsWith('.asc') || entry.name.startsWith('.') || entry.name === '.asc') continue;
    const file = join(dir, entry.name);
    const isFile = entry.isFile() || (entry.isSymbolicLink() && (await stat(file).catch(() => null))?.isFile() === true);
    if (isFile) files.push({ name: entry.name.slice(0, -'.asc'.length), file });
  }
  return files.sort((a, b) => byCodeUnit(a.name, b.name));
}

const PRIVATE_KEY_BLOCK = /-----BEGIN PGP PRIVATE KEY BLOCK-----/;

/**
 * Reads every pinned public key of `dir` (`NAME.asc`, sorted by name). A missing folder is an
 * empty keyring (the caller decides whether that is a problem). A private key, an unreadable
 * key or the same key pinned twice is a config error (ESEAL_CONFIG) naming every bad file.
 */
export async function readKeyring(dir: string): Promise<PinnedKey[]> {
  const files = await listKeyFiles(dir);
  if (files === null) return [];
  const problems: string[] = [];
  const keys: PinnedKey[] = [];
  for (const { name, file } of files) {
    let armored: string;
    try {
      armored = await readFile(file, 'utf8');
    } catch (error) {
      problems.push(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      continue;
    }
    // Checked here too, not only by the OpenPGP layer: a private key must never be parsed into the keyring.
    if (PRIVATE_KEY_BLOCK.test(armored)) {
      problems.push(`${file}: is a private key: pin the public key only (gpg --export --armor) and remove this file`);
      continue;
    }
    try {
      keys.push({ name, file, key: await readPublicKey(armored, file) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      problems.push(message.includes(file) ? message : `${file}: ${message}`);
    }
  }
  const seen = new Map<string, PinnedKey>();
  for (const pinned of keys) {
    const first = seen.get(pinned.key.fingerprint);
    if (first)
      problems.push(
        `${pinned.file}: the same key (${pinned.key.fingerprint}) is already pinned as ${first.name} (${first.file})`,
      );
    else seen.set(pinned.key.fingerprint, pinned);
  }
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new SealError('ESEAL_CONFIG', `invalid keyring ${dir}: ${problems[0]}${more}`, { details: problems });
  }
  return keys;
}
