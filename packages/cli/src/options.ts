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
 * The one place a signing command gets its Signer. In this order: `--signer`, `--key FILE`,
 * `SEALPACK_SIGNER`, `SEALPACK_KEY` (armored), with the passphrase from `SEALPACK_PASSPHRASE`.
 * A private key or passphrase never comes from an argument's value, which would land in
 * shell history and process listings. `--signer` is `gpg`, `gpg:KEYID` or `exec:COMMAND`;
 * what gpg or the command returns is checked against the signer's public key before use.
 */
export async function loadSigner(options: Record<string, unknown>, context: Context): Promise<Signer> {
  if (typeof options.signer === 'string' && typeof options.key === 'string') {
    throw new SealError('ESEAL_CONFIG', 'expected one of --signer and --key, found both');
  }
  if (typeof options.signer === 'string') return signerFromSpec(options.signer, '--signer', options, context);
  const { readSigningKey } = await import('@sealpack/openpgp');
  const passphrase = context.env.SEALPACK_PASSPHRASE || undefined;
  if (typeof options.key === 'string') {
    const file = resolve(context.cwd, options.key);
    return readSigningKey(await readKeyFile(file), passphrase, file);
  }
  if (context.env.SEALPACK_SIGNER) return signerFromSpec(context.env.SEALPACK_SIGNER, 'SEALPACK_SIGNER', options, context);
  if (context.env.SEALPACK_KEY) return readSigningKey(context.env.SEALPACK_KEY, passphrase, 'SEALPACK_KEY');
  throw new SealError(
    'ESEAL_CONFIG',
    'no signing key: expected --signer, --key FILE, SEALPACK_SIGNER or SEALPACK_KEY, found none',
  );
}

/** `gpg`, `gpg:KEYID` or `exec:COMMAND`, from `--signer` or `SEALPACK_SIGNER`. */
async function signerFromSpec(spec: string, from: string, options: Record<string, unknown>, context: Context): Promise<Signer> {
  const { externalSigner, gpgSigner } = await import('@sealpack/openpgp');
  const common = {
    env: context.env,
    timeoutMs: signerTimeout(context.env),
    onStderr: (line: string) => context.logger.info(`signer: ${line}`),
  };
  const key = await readSignerKey(options, context);
  const [kind, ...rest] = spec.split(':');
  const argument = rest.join(':');
  if (kind === 'gpg' && (rest.length === 0 || argument.trim() !== '')) {
    return gpgSigner({ ...common, ...(argument ? { keyId: argument.trim() } : {}), ...(key ? { key } : {}) });
  }
  if (kind === 'exec' && argument.trim() !== '') {
    if (!key) {
      throw new SealError(
        'ESEAL_CONFIG',
        `${from}: exec:COMMAND needs the signer's public key to check what the command returns: expected --signer-key FILE or SEALPACK_SIGNER_KEY, found neither`,
      );
    }
    return externalSigner({
      ...common,
      // The adapter may use it to choose the key; it is also what its signatures must match.
      env: { ...context.env, SEALPACK_SIGNER_FINGERPRINT: key.fingerprint },
      command: { shell: argument },
      key,
      label: `exec:${argument}`,
    });
  }
  throw new SealError('ESEAL_CONFIG', `${from}: expected gpg, gpg:KEYID or exec:COMMAND, found ${JSON.stringify(spec)}`);
}

/**
 * `--signer-key FILE` or `SEALPACK_SIGNER_KEY` (a file path): the public key a signer signs
 * with, armored or binary, read whole (a revocation appended to it counts).
 */
async function readSignerKey(options: Record<string, unknown>, context: Context) {
  const named = typeof options.signerKey === 'string' ? options.signerKey : context.env.SEALPACK_SIGNER_KEY;
  if (!named) return undefined;
  const { readPublicKey } = await import('@sealpack/openpgp');
  const file = resolve(context.cwd, named);
  let text: Uint8Array;
  try {
    text = await readFile(file);
  } catch (error) {
    throw new SealError('ESEAL_CONFIG', `--signer-key: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`, {
      cause: error,
    });
  }
  return readPublicKey(text, file);
}

/** `SEALPACK_SIGNER_TIMEOUT`: whole seconds a signer may take (default 120: time for a PIN and a touch). */
function signerTimeout(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.SEALPACK_SIGNER_TIMEOUT;
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 3600) {
    throw new SealError(
      'ESEAL_CONFIG',
      `SEALPACK_SIGNER_TIMEOUT: expected whole seconds from 1 to 3600, found ${JSON.stringify(text)}`,
    );
  }
  return Number(text) * 1000;
}

/** `--days N`: a whole number of days, 0 to 3650; anything else is a usage error, not a RangeError. */
export function parseDays(value: unknown): number {
  if (value === undefined) return 30;
  const text = String(value);
  const days = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(days) || days > 3650) {
    throw new SealError('ESEAL_CONFIG', `--days: expected a whole number of days from 0 to 3650, found ${JSON.stringify(text)}`);
  }
  return days;
}
