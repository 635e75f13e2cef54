import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import type { Signer } from '@sealpack/openpgp';
import type { Context } from './main.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * `--at DATE`: an ISO date or date-time with a zone, in the past. A later moment would make
 * signatures dated in the future look current, so it is refused.
 */
export function parseAt(value: unknown, now = new Date()): Date | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const date = new Date(text);
  if (!ISO_DATE.test(text) || Number.isNaN(date.getTime())) {
    throw new SealError('ESEAL_CONFIG', `--at: expected an ISO date such as 2026-10-01 or 2026-10-01T12:00:00Z, found ${text}`);
  }
  if (date.getTime() > now.getTime()) {
    throw new SealError('ESEAL_CONFIG', `--at: expected a moment in the past, found ${text}`);
  }
  return date;
}

const UNITS: Record<string, number> = { d: 1, w: 7, m: 30, y: 365 };

/** `--expires 2y`: a duration in days, weeks, months or years from `now`; `never` or `0` for none. */
export function parseExpiry(value: unknown, now = new Date()): Date | undefined {
  const text = String(value ?? '').trim();
  if (text === 'never' || text === '0') return undefined;
  const match = /^(\d+)([dwmy])$/.exec(text);
  if (!match)
    throw new SealError(
      'ESEAL_CONFIG',
      `--expires: expected a duration such as 2y, 18m, 90d or never, found ${text || 'nothing'}`,
    );
  return new Date(now.getTime() + Number(match[1]) * UNITS[match[2]!]! * 86_400_000);
}

/** Positional tarball arguments, at least one. */
export function requirePaths(args: unknown[], what: string, context: Context): string[] {
  const paths = (args.flat() as unknown[]).map(String).filter(Boolean);
  if (paths.length === 0) throw new SealError('ESEAL_CONFIG', `expected at least one ${what}, found none`);
  return paths.map((p) => resolve(context.cwd, p));
}

/** Reads the armored key named by `--key`; unreadable is a usage error (exit 2). */
export async function readKeyFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new SealError('ESEAL_CONFIG', `--key: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`, {
      cause: error,
    });
  }
}

/**
 * The private key comes from `--key FILE` or `SEALPACK_KEY` (armored), the passphrase from
 * `SEALPACK_PASSPHRASE`: never from an argument's value, which would land in shell history
 * and process listings.
 */
export async function loadSigner(options: Record<string, unknown>, context: Context): Promise<Signer> {
  const { readSigningKey } = await import('@sealpack/openpgp');
  const passphrase = context.env.SEALPACK_PASSPHRASE || undefined;
  if (typeof options.key === 'string') {
    const file = resolve(context.cwd, options.key);
    return readSigningKey(await readKeyFile(file), passphrase, file);
  }
  if (context.env.SEALPACK_KEY) return readSigningKey(context.env.SEALPACK_KEY, passphrase, 'SEALPACK_KEY');
  throw new SealError(
    'ESEAL_CONFIG',
    'no signing key: expected --key FILE or the SEALPACK_KEY environment variable, found neither',
  );
}
