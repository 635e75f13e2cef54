import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isSealError, MAX_CONFIG_BYTES, readRegularFile, SealError } from '@sealpack/diagnostics';
import type { KeyInfo } from '@sealpack/openpgp';
import { readKeyFile } from '@sealpack/openpgp/key';
import { byCodeUnit } from './order.js';

export interface PinnedKey {
  /** How policy refers to the key: `NAME` of `NAME.asc` (every certificate in that file). */
  name: string;
  /** Absolute path of the key file. */
  file: string;
  key: KeyInfo;
}

export interface KeyFile {
  name: string;
  file: string;
}

/** Key files as users write them: armored (`gpg -a --export`), or binary as gpg and sq write them. */
const KEY_EXTENSIONS = ['.asc', '.gpg', '.pgp'];

export interface Keyring {
  /** One entry per usable certificate; a file holding several gives several under its NAME. */
  keys: PinnedKey[];
  /** Certificates and revocations that cannot be used, each naming its file. */
  warnings: string[];
}

/** The key files (`NAME.asc`, `NAME.gpg`, `NAME.pgp`) of a keyring folder, sorted by name; null when the folder does not exist. */
export async function listKeyFiles(dir: string): Promise<KeyFile[] | null> {
  let entries;
  try {
    // Synchronously, as the config search does: one folder, at start-up.
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    const line = `${dir}: ${code === 'ENOTDIR' ? 'is not a folder' : `cannot be read (${code ?? String(error)})`}`;
    throw new SealError('ESEAL_CONFIG', `invalid keyring: ${line}`, { details: [line], cause: error });
  }
  const files: KeyFile[] = [];
  for (const entry of entries) {
    // Dotfiles are editor or OS leftovers, not keys someone pinned.
    const extension = KEY_EXTENSIONS.find((ext) => entry.name.endsWith(ext));
    if (!extension || entry.name.startsWith('.')) continue;
    // Listed whatever it is: reading it refuses a folder or a FIFO by name, where skipping it
    // would leave a key the user believes pinned silently out.
    files.push({ name: entry.name.slice(0, -extension.length), file: join(dir, entry.name) });
  }
  return files.sort((a, b) => byCodeUnit(a.name, b.name) || byCodeUnit(a.file, b.file));
}

const PRIVATE_KEY_BLOCK = /-----BEGIN PGP PRIVATE KEY BLOCK-----/;

/**
 * Reads every pinned key file of `dir` whole (sorted by name). A missing folder is an empty
 * keyring (the caller decides whether that is a problem). Secret key material, an unreadable
 * file, one NAME in two files or the same key pinned twice is a config error (ESEAL_CONFIG)
 * naming every bad file; a certificate sealpack cannot use is a warning naming its file.
 * `adding`: files about to be pinned (`init --consumer --key`), read from where they are as
 * if they were in `dir` already (after its files), so that they are judged as the keyring will.
 */
export async function readKeyring(dir: string, adding: readonly KeyFile[] = []): Promise<Keyring> {
  const listed = await listKeyFiles(dir);
  if (listed === null && adding.length === 0) return { keys: [], warnings: [] };
  // Those being added come last: a clash names them, not the file already pinned.
  const files = [...(listed ?? []), ...adding];
  const problems: string[] = [];
  const warnings: string[] = [];
  const keys: PinnedKey[] = [];
  const fileOf = new Map<string, string>();
  const strays: { file: string; issuer: string }[] = [];
  for (const { name, file } of files) {
    const other = fileOf.get(name);
    if (other) {
      problems.push(`${file}: the name ${name} is already pinned by ${other}: one file per name`);
      continue;
    }
    fileOf.set(name, file);
    let bytes: Buffer;
    try {
      // A regular file within its bound: a FIFO there would block, a folder fail without its name.
      bytes = (await readRegularFile(file, { maxBytes: MAX_CONFIG_BYTES, code: 'ESEAL_CONFIG', what: 'a key file' }))!;
    } catch (error) {
      if (isSealError(error)) {
        problems.push(error.message);
        continue;
      }
      problems.push(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      continue;
    }
    // Checked here too, not only by the OpenPGP layer: a private key must never be parsed into the keyring.
    if (PRIVATE_KEY_BLOCK.test(bytes.toString('latin1'))) {
      problems.push(`${file}: is a private key: pin the public key only (gpg --export --armor) and remove this file`);
      continue;
    }
    try {
      const read = await readKeyFile(new Uint8Array(bytes), file);
      keys.push(...read.keys.map((key) => ({ name, file, key })));
      strays.push(...read.strays.map((issuer) => ({ file, issuer })));
      warnings.push(...read.warnings);
      if (read.keys.length === 0) warnings.push(`${file}: no usable key: ${name} can verify nothing`);
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
  // A revocation by a key pinned in another file revokes nothing where it sits, and
  // sealpack would verify that key's signatures as if unrevoked: refused, never a warning.
  for (const { file, issuer } of strays) {
    const owner = keys.find(
      ({ key }) =>
        key.fingerprint === issuer ||
        key.keyId === issuer ||
        key.subkeys.some((s) => s.fingerprint === issuer || s.keyId === issuer),
    );
    if (owner)
      problems.push(
        `${file}: holds a revocation signature by ${issuer}, pinned as ${owner.name} (${owner.file}), that revokes nothing in this file (a designated revoker's revocation, or one meant for ${owner.name}'s file), so sealpack cannot apply it: move it to ${owner.file} if it is that key's own revocation, else remove the key it is about from the keyring`,
      );
  }
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new SealError('ESEAL_CONFIG', `invalid keyring ${dir}: ${problems[0]}${more}`, { details: problems });
  }
  return { keys, warnings };
}
