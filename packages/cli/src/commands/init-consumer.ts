import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import { readPublicKey } from '@sealpack/openpgp';
import type { Context } from '../main.js';

const VERIFY_INSTALLED = 'sealpack verify-installed';

/**
 * The `.pnpmfile.cjs` a consumer gets. It tolerates `@sealpack/pnpm` not being installed yet
 * (the first install of a fresh clone has nothing to check with): the postinstall
 * `sealpack verify-installed` and the CI recipe's `sealpack verify-lockfile` still run.
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
  if (error.code !== 'MODULE_NOT_FOUND') throw error;
  console.warn('sealpack: @sealpack/pnpm is not installed yet; this install is checked by postinstall only');
}
module.exports = { hooks };
`;

/** NAME for `.sealpack/keys/NAME.asc` from a key file name: `release-bot.pub.asc` → `release-bot`. */
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

/** Pins a public key as `.sealpack/keys/NAME.asc`; a private key is refused, never copied. */
async function pinKey(root: string, file: string, context: Context): Promise<void> {
  let armored: string;
  try {
    armored = await readFile(file, 'utf8');
  } catch (error) {
    throw new SealError('ESEAL_CONFIG', `--key: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`, {
      cause: error,
    });
  }
  // readPublicKey refuses private key material (ESEAL_CONFIG) and anything unreadable.
  const key = await readPublicKey(armored, file);
  const name = keyNameOf(file);
  const target = join(root, '.sealpack', 'keys', `${name}.asc`);
  if (existsSync(target)) {
    const pinned = await readFile(target, 'utf8');
    if (pinned.trim() === armored.trim()) {
      context.err(`${relative(context.cwd, target)} already pins ${key.fingerprint}`);
      return;
    }
    throw new SealError(
      'ESEAL_CONFIG',
      `${target} already exists with another key: expected it absent or identical, found other contents; remove it first to replace it`,
      { artifact: target, fingerprint: key.fingerprint },
    );
  }
  await mkdir(join(root, '.sealpack', 'keys'), { recursive: true });
  await writeFile(target, armored.endsWith('\n') ? armored : `${armored}\n`);
  context.out(`pinned ${key.fingerprint} as ${relative(context.cwd, target)}`);
  context.err(`check this fingerprint with the key's owner out of band, then commit ${relative(context.cwd, target)}`);
}

async function writePnpmfile(root: string, context: Context): Promise<void> {
  const path = join(root, '.pnpmfile.cjs');
  if (existsSync(path)) {
    const current = await readFile(path, 'utf8');
    if (current.includes('@sealpack/pnpm')) return;
    context.logger.warn(
      `${relative(context.cwd, path)} exists: add the hooks yourself: hooks = require('@sealpack/pnpm').sealpackHooks({ dir: __dirname })`,
    );
    return;
  }
  await writeFile(path, PNPMFILE);
  context.out(`wrote ${relative(context.cwd, path) || path}`);
}

async function addPostinstall(root: string, context: Context): Promise<void> {
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
  const pkg = JSON.parse(text) as { scripts?: Record<string, string> };
  const scripts = (pkg.scripts ??= {});
  const current = scripts.postinstall;
  if (current?.includes(VERIFY_INSTALLED)) return;
  // Verify first: a later step of an existing postinstall may run code from the tree.
  scripts.postinstall = current ? `${VERIFY_INSTALLED} && ${current}` : VERIFY_INSTALLED;
  const indent = /^(\s+)"/m.exec(text)?.[1] ?? '  ';
  await writeFile(path, `${JSON.stringify(pkg, null, indent)}\n`);
  context.out(`added "postinstall": "${scripts.postinstall}" to ${relative(context.cwd, path)}`);
}

/** `sealpack init --consumer [DIR] [--key FILE]`: pin a key, write the pnpm hook, verify after every install. Idempotent. */
export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const root = resolve(context.cwd, String(args[0] ?? '.'));
  if (typeof options.key === 'string') await pinKey(root, resolve(context.cwd, options.key), context);
  else if (!existsSync(join(root, '.sealpack', 'keys')))
    context.logger.warn('no key pinned: run again with --key PUBLISHER.pub.asc');
  await writePnpmfile(root, context);
  await addPostinstall(root, context);
  context.err('next: add @sealpack/cli and @sealpack/pnpm to devDependencies, and a trust rule naming the pinned key');
  context.err('(e.g. "trust": [{ "packages": "@acme/*", "keys": ["NAME"] }]) so that those packages must be sealed');
  return 0;
}
