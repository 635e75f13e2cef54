import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@sealpack/sign';
import { GUARD_ENV } from './package-manager.js';

/** The script `sealpack init` puts in each publishable package's `prepublishOnly`. */
export const GUARD_SCRIPT = 'sealpack guard';

/**
 * Whether a lifecycle script runs inside a publish sealpack started. sealpack publishes with
 * libnpmpublish, which runs no scripts, and `npm pack`/`pnpm pack` do not run
 * `prepublishOnly`: so in `prepublishOnly` this is false for every plain `npm publish`,
 * `pnpm publish` or `changeset publish`. sealpack sets the variable for the package manager
 * it runs, so a guard placed in `prepack` lets sealpack's own pack through. It prevents
 * accidents, it is not a security boundary: anyone can set the variable.
 */
export function isSealpackPublish(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env[GUARD_ENV]);
}

export function hasGuard(packageJson: Record<string, unknown>): boolean {
  const scripts = packageJson.scripts as Record<string, unknown> | undefined;
  const script = scripts?.prepublishOnly;
  return typeof script === 'string' && /(^|[\s;&|])sealpack guard($|[\s;&|])/.test(script);
}

/**
 * Adds `sealpack guard` in front of the package's `prepublishOnly` (keeping what was there),
 * preserving the file's indentation and final newline. Returns false when already guarded.
 */
export async function addGuard(dir: string): Promise<boolean> {
  const file = join(dir, 'package.json');
  const text = await readFile(file, 'utf8');
  const json = JSON.parse(text) as Record<string, unknown>;
  if (hasGuard(json)) return false;
  const scripts = { ...((json.scripts as Record<string, string> | undefined) ?? {}) };
  scripts.prepublishOnly = scripts.prepublishOnly ? `${GUARD_SCRIPT} && ${scripts.prepublishOnly}` : GUARD_SCRIPT;
  json.scripts = scripts;
  const indent = /^[ \t]+/m.exec(text)?.[0] ?? '  ';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const body = JSON.stringify(json, null, indent).replace(/\n/g, eol);
  await writeFileAtomic(file, text.endsWith('\n') ? body + eol : body);
  return true;
}
