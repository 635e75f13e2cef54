import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { MAX_CONFIG_BYTES, readRegularFile, SealError } from '@sealpack/diagnostics';
import { writeFileAtomic } from '@sealpack/sign';
import { loadPolicy, readKeyring } from '@sealpack/trust';
import type { Context } from '../main.js';

const VERIFY_INSTALLED = 'sealpack verify-installed';

/**
 * What the generated hook tells a clone that has not installed @sealpack/pnpm yet. pnpm loads
 * the hook for `pnpm add` too, hence SEALPACK_BOOTSTRAP=1; --ignore-scripts runs nothing unchecked.
 */
export const BOOTSTRAP_HINT = 'SEALPACK_BOOTSTRAP=1 pnpm add -D --ignore-scripts sealpack @sealpack/pnpm';

/**
 * The `.pnpmfile.cjs` a consumer gets. It fails closed: without `@sealpack/pnpm` the install
 * stops, since the dependencies' install scripts would otherwise run before the postinstall
 * `sealpack verify-installed` could check anything. `SEALPACK_BOOTSTRAP=1` (set on purpose,
 * for one install) lets an install through without the hook.
 */
export const PNPMFILE = `'use strict';
// Written by \`sealpack init --consumer\`: pnpm verifies every package it resolves against the
// seal its registry publishes, and stops the install when one fails. pnpm runs this hook only
// when it resolves (not on a frozen, up-to-date install): \`sealpack verify-installed\` in
// postinstall and \`sealpack verify-lockfile\` in CI cover the rest.
let hooks = {};
try {
  hooks = require('@sealpack/pnpm').sealpackHooks({ dir: __dirname });
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND' || process.env.SEALPACK_BOOTSTRAP !== '1') {
    if (error.code === 'MODULE_NOT_FOUND') {
      throw new Error(
        'sealpack: @sealpack/pnpm is not installed, so this install cannot be verified; stopping before any install script runs. ' +
          'Install it first without running scripts: \`${BOOTSTRAP_HINT}\`; ' +
          'then run \`sealpack verify-installed\` and install again',
      );
    }
    throw error;
  }
  console.warn('sealpack: SEALPACK_BOOTSTRAP=1: @sealpack/pnpm is not installed; this install is checked by postinstall only');
}
module.exports = { hooks };
`;

/** A line only the fail-open hook of earlier versions has: such a file is replaced. */
const FAIL_OPEN_MARKER =
  "console.warn('sealpack: @sealpack/pnpm is not installed yet; this install is checked by postinstall only');";

/** NAME for `.sealpack/keys/NAME.asc` from a key file name: `release-bot.pub.asc`, `release-bot.gpg` → `release-bot`. */
function keyNameOf(file: string): string {
  const name = basename(file)
    .replace(/\.(asc|gpg|pgp|key)$/i, '')
    .replace(/\.(pub|public)$/i, '');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new SealError(
      'ESEAL_CONFIG',
      `--key: expected a file named like NAME.pub.asc with a file-safe NAME, found ${basename(file)}`,
    );
  }
  return name;
}

type Write = { path: string; data: string | Uint8Array; done: string[] };

/**
 * Checks a key file to pin as `.sealpack/keys/NAME.asc` (armored) or `NAME.gpg` (binary, as
 * `gpg --export` and sq write it), copied byte for byte: it is read as the keyring will read it,
 * beside the keys already pinned (every certificate, appended revocations; secret key material
 * and clashes with pinned keys are ESEAL_CONFIG). Writes nothing.
 */
async function planKey(root: string, file: string, context: Context): Promise<Write | undefined> {
  const name = keyNameOf(file);
  const bytes = (await readRegularFile(file, { maxBytes: MAX_CONFIG_BYTES, code: 'ESEAL_CONFIG', what: '--key: a key file' }))!;
  // As readBlocks tells them apart: binary OpenPGP starts with a packet tag (high bit set).
  const binary = bytes.length > 0 && (bytes[0]! & 0x80) !== 0;
  const data = binary || bytes.at(-1) === 0x0a ? bytes : Buffer.concat([bytes, Buffer.from('\n')]);
  const keyring = join(root, '.sealpack', 'keys');
  const target = join(keyring, `${name}${binary ? '.gpg' : '.asc'}`);
  const shown = relative(context.cwd, target);
  if (existsSync(target)) {
    if (Buffer.compare(await readFile(target), data) === 0) {
      const pinned = (await readKeyring(keyring)).keys.filter((k) => k.file === target);
      context.out(`${shown} already pins ${pinned.map((k) => k.key.fingerprint).join(', ')}`);
      return undefined;
    }
    throw new SealError(
      'ESEAL_CONFIG',
      `${target} already exists with another key: expected it absent or identical, found other contents; remove it first to replace it`,
      { artifact: target },
    );
  }
  const { keys, warnings } = await readKeyring(keyring, [{ name, file }]);
  const pinned = keys.filter((k) => k.file === file).map((k) => k.key.fingerprint);
  for (const warning of warnings) context.logger.warn(warning);
  if (pinned.length === 0)
    throw new SealError('ESEAL_CONFIG', `--key: ${file}: expected a public key sealpack can use, found none`, { artifact: file });
  return {
    path: target,
    data,
    done: [
      `pinned ${pinned.join(', ')} as ${shown}`,
      `check ${pinned.length > 1 ? 'these fingerprints' : 'this fingerprint'} with the key's owner out of band, then commit ${shown}`,
    ],
  };
}

async function planPnpmfile(root: string, context: Context): Promise<Write | undefined> {
  const path = join(root, '.pnpmfile.cjs');
  const shown = relative(context.cwd, path) || path;
  if (existsSync(path)) {
    const current = await readFile(path, 'utf8');
    // The fail-open hook an earlier `init --consumer` wrote: replaced by the fail-closed one.
    if (current.includes(FAIL_OPEN_MARKER)) return { path, data: PNPMFILE, done: [`rewrote ${shown} (fails closed now)`] };
    if (current.includes('@sealpack/pnpm')) return undefined;
    context.logger.warn(
      `${shown} exists: add the hooks yourself: hooks = require('@sealpack/pnpm').sealpackHooks({ dir: __dirname })`,
    );
    return undefined;
  }
  return { path, data: PNPMFILE, done: [`wrote ${shown}`] };
}

async function planPostinstall(root: string, context: Context): Promise<Write | undefined> {
  const path = join(root, 'package.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SealError(
      'ESEAL_CONFIG',
      `${path}: expected the project's package.json, found none (${(error as NodeJS.ErrnoException).code})`,
      { cause: error },
    );
  }
  let pkg: { scripts?: Record<string, unknown> };
  try {
    pkg = JSON.parse(text) as typeof pkg;
  } catch (error) {
    throw new SealError('ESEAL_CONFIG', `${path}: expected valid JSON, found: ${(error as Error).message}`, {
      artifact: path,
      cause: error,
    });
  }
  if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) {
    throw new SealError('ESEAL_CONFIG', `${path}: expected a JSON object, found ${JSON.stringify(pkg)}`, { artifact: path });
  }
  if (pkg.scripts !== undefined && (typeof pkg.scripts !== 'object' || pkg.scripts === null || Array.isArray(pkg.scripts))) {
    throw new SealError('ESEAL_CONFIG', `${path}: expected "scripts" to be an object`, { artifact: path });
  }
  const scripts = (pkg.scripts ??= {});
  const current = scripts.postinstall;
  if (current !== undefined && typeof current !== 'string') {
    throw new SealError('ESEAL_CONFIG', `${path}: expected "scripts.postinstall" to be a string`, { artifact: path });
  }
  if (current?.includes(VERIFY_INSTALLED)) return undefined;
  // Verify first: a later step of an existing postinstall may run code from the tree.
  scripts.postinstall = current ? `${VERIFY_INSTALLED} && ${current}` : VERIFY_INSTALLED;
  const indent = /^(\s+)"/m.exec(text)?.[1] ?? '  ';
  return {
    path,
    data: `${JSON.stringify(pkg, null, indent)}\n`,
    done: [`added "postinstall": "${scripts.postinstall}" to ${relative(context.cwd, path)}`],
  };
}

/**
 * The consumer's policy, written out whole so that what protects the project is in its
 * repository to read and review, not in defaults: no trust rule yet (every pinned key may sign
 * any package; packages with a seal are verified, and a version that loses the seal an earlier
 * version had is a downgrade), unsealed packages counted and warned about, and no install
 * script allowed to change anything until an entry says what (`installScripts`).
 */
export const CONSUMER_POLICY = {
  keyring: '.sealpack/keys',
  revocations: '.sealpack/revocations.json',
  trust: [],
  unsigned: 'warn',
  installScripts: {},
};

/** Writes `.sealpackrc.json` unless the project already has a sealpack config (any of SEARCH_PLACES). */
async function planPolicy(root: string, context: Context): Promise<Write | undefined> {
  const existing = (await loadPolicy({ cwd: root })).policy.configPath;
  if (existing) {
    context.out(`${relative(context.cwd, existing) || existing} is the policy: left as it is`);
    return undefined;
  }
  const path = join(root, '.sealpackrc.json');
  const shown = relative(context.cwd, path) || path;
  return {
    path,
    data: `${JSON.stringify(CONSUMER_POLICY, null, 2)}\n`,
    done: [
      `wrote ${shown}`,
      `review and commit ${shown}: add trust rules for the packages that must be sealed, and installScripts entries for what each package's install script may write`,
    ],
  };
}

/**
 * `sealpack init --consumer [DIR] [--key FILE]`: pin a key, write the pnpm hook, verify after
 * every install. Everything is checked before anything is written, and each file is written
 * atomically. Idempotent.
 */
export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const root = resolve(context.cwd, String(args[0] ?? '.'));
  const writes: (Write | undefined)[] = [];
  if (typeof options.key === 'string') writes.push(await planKey(root, resolve(context.cwd, options.key), context));
  else if (!existsSync(join(root, '.sealpack', 'keys')))
    context.logger.warn('no key pinned: run again with --key PUBLISHER.pub.asc');
  // package.json is checked first: the policy search reads it too, with a vaguer message.
  const postinstall = await planPostinstall(root, context);
  writes.push(await planPolicy(root, context), await planPnpmfile(root, context), postinstall);
  for (const write of writes) {
    if (!write) continue;
    await mkdir(join(write.path, '..'), { recursive: true });
    await writeFileAtomic(write.path, write.data);
    const [first, ...rest] = write.done;
    context.out(first!);
    for (const line of rest) context.out(line);
  }
  context.out('next: add sealpack and @sealpack/pnpm to devDependencies, and a trust rule naming the pinned key');
  context.out(
    '(e.g. "trust": [{ "packages": "@acme/*", "keys": ["NAME"] }]) so that those packages must be sealed; then install with',
  );
  context.out(
    '  sealpack verify-lockfile && npm ci --ignore-scripts && sealpack verify-installed && npm rebuild && sealpack verify-installed',
  );
  return 0;
}
