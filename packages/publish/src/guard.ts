import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import { writeFileAtomic } from '@sealpack/sign';
import { GUARD_ENV, GUARD_VALUE } from './package-manager.js';

/** The script `sealpack init` puts in each publishable package's `prepublishOnly`. */
export const GUARD_SCRIPT = 'sealpack guard';

/** Lifecycle events of a publish: sealpack never runs them (libnpmpublish runs no scripts). */
const PUBLISH_EVENTS = new Set(['prepublishOnly', 'prepublish', 'publish']);
/** Lifecycle events of the pack sealpack runs, the only place its nonce is set. */
const PACK_EVENTS = new Set(['prepack', 'prepare']);

/**
 * Whether a lifecycle script runs inside a pack sealpack started. sealpack publishes with
 * libnpmpublish, which runs no scripts: so in `prepublishOnly` (or `prepublish`, `publish`)
 * this is false whatever the environment says, and every plain `npm publish`, `pnpm publish`
 * or `changeset publish` is refused. In `prepack`/`prepare` it is true only with the exact
 * nonce sealpack sets for the package manager it runs (`sealpack-pack-` and 16 hex digits),
 * never for a "1", "0" or "false" left in CI. `npm publish X.tgz` runs no lifecycle scripts
 * at all, so no guard can stop it. It prevents accidents, it is not a security boundary.
 */
export function isSealpackPublish(env: NodeJS.ProcessEnv): boolean {
  const event = env.npm_lifecycle_event;
  if (!event || PUBLISH_EVENTS.has(event) || !PACK_EVENTS.has(event)) return false;
  return GUARD_VALUE.test(env[GUARD_ENV] ?? '');
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
  const current = json.scripts as unknown;
  if (current !== undefined && (typeof current !== 'object' || current === null || Array.isArray(current))) {
    throw new SealError('ESEAL_CONFIG', `${file}: expected "scripts" to be an object, found ${JSON.stringify(current)}`, {
      artifact: file,
    });
  }
  const scripts = { ...((current as Record<string, string> | undefined) ?? {}) };
  scripts.prepublishOnly = scripts.prepublishOnly ? `${GUARD_SCRIPT} && ${scripts.prepublishOnly}` : GUARD_SCRIPT;
  json.scripts = scripts;
  const indent = /^[ \t]+/m.exec(text)?.[0] ?? '  ';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const body = JSON.stringify(json, null, indent).replace(/\n/g, eol);
  await writeFileAtomic(file, text.endsWith('\n') ? body + eol : body);
  return true;
}
