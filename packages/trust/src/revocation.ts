import { isSealError, MAX_CONFIG_BYTES, readRegularFile, SealError } from '@sealpack/diagnostics';
import type { PinnedKey } from './keyring.js';
import type { RevocationReason } from './policy.types.js';
import { formatPath, parseDate, revocationsProblems } from './validate.js';

export interface Revocation {
  /** Uppercase hex, 40 (v4) or 64 (v6) digits: a primary key or a subkey. */
  fingerprint: string;
  reason: RevocationReason;
  date: Date;
  comment?: string;
  /** `list`: the pinned revocation list; `key`: a revocation signature inside a pinned key file. */
  source: 'list' | 'key';
}

/**
 * A fingerprint as people paste it (gpg prints groups of four separated by spaces, any case)
 * in the one form sealpack compares: uppercase hex, no spaces. Undefined when it is not one.
 */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text.replace(/\s+/g, '').toUpperCase();
  return /^(?:[0-9A-F]{40}|[0-9A-F]{64})$/.test(hex) ? hex : undefined;
}

/**
 * Reads the pinned revocation list (a JSON array of `{ fingerprint, reason?, date, comment? }`).
 * A missing or empty file is an empty list; anything malformed is ESEAL_CONFIG with every
 * problem as a `path: message` line (`[0].fingerprint: …`).
 */
export async function readRevocations(path: string): Promise<Revocation[]> {
  let text: string;
  try {
    // A regular file within its bound: a FIFO there would block, a folder fail without its name.
    const bytes = await readRegularFile(path, {
      maxBytes: MAX_CONFIG_BYTES,
      code: 'ESEAL_CONFIG',
      what: 'the revocation list',
      optional: true,
    });
    if (!bytes) return [];
    text = bytes.toString('utf8');
  } catch (error) {
    if (isSealError(error)) return fail(path, [`(root): ${error.message}`], error);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    return fail(path, [`(root): cannot be read (${code ?? String(error)})`], error);
  }
  if (text.trim() === '') return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return fail(path, [`(root): not valid JSON: ${(error as Error).message}`], error);
  }
  const problems = await revocationsProblems(data);
  if (problems.length > 0) return fail(path, problems);
  const entries = data as { fingerprint: string; reason?: RevocationReason; date: string; comment?: string }[];
  const revocations: Revocation[] = [];
  entries.forEach((entry, i) => {
    const fingerprint = normalizeFingerprint(entry.fingerprint);
    const date = parseDate(entry.date);
    if (fingerprint === undefined) {
      const hint = /^[0-9A-Fa-f]{16}$/.test(entry.fingerprint.replace(/\s+/g, '')) ? ' (a key ID is not enough)' : '';
      problems.push(
        `${formatPath([i, 'fingerprint'])}: must be a 40 or 64 hex digit fingerprint${hint}, found ${JSON.stringify(entry.fingerprint)}`,
      );
    }
    if (date === undefined) problems.push(`${formatPath([i, 'date'])}: not a real date: ${JSON.stringify(entry.date)}`);
    if (fingerprint === undefined || date === undefined) return;
    revocations.push({
      fingerprint,
      // DESIGN.md: a revocation with no reason is hard, like OpenPGP's "no reason specified".
      reason: entry.reason ?? 'unspecified',
      date,
      ...(entry.comment === undefined ? {} : { comment: entry.comment }),
      source: 'list',
    });
  });
  if (problems.length > 0) return fail(path, problems);
  return revocations;
}

function fail(path: string, problems: string[], cause?: unknown): never {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new SealError('ESEAL_CONFIG', `invalid revocation list ${path}: ${problems[0]}${more}`, { details: problems, cause });
}

/** Revocation signatures found inside pinned key files, as revocations (subkeys under their own fingerprint). */
export function keyRevocations(keys: readonly PinnedKey[]): Revocation[] {
  const out: Revocation[] = [];
  for (const { key } of keys) {
    for (const [fingerprint, revocations] of [
      [key.fingerprint, key.revocations] as const,
      ...key.subkeys.map((subkey) => [subkey.fingerprint, subkey.revocations] as const),
    ]) {
      for (const r of revocations) {
        out.push({
          fingerprint: fingerprint.toUpperCase(),
          reason: r.reason,
          date: r.date,
          ...(r.comment === undefined ? {} : { comment: r.comment }),
          source: 'key',
        });
      }
    }
  }
  return out;
}

/**
 * The revocation among `revocations` that refuses a signature made at `created` by any of
 * `fingerprints` (a primary key and its signing subkey): hard ones (compromised, unspecified)
 * whatever the date, soft ones from their date on. For signatures the one source is
 * `trust.revocations` (the list and, by loadTrust, the key files' revocation signatures,
 * subkeys under their own fingerprint); the copies a check carries are not read.
 */
export function findRevocation(
  fingerprints: readonly (string | undefined)[],
  created: Date,
  revocations: readonly Revocation[],
): (Revocation & { hard: boolean }) | undefined {
  const wanted = new Set(fingerprints.filter((f) => f !== undefined).map((f) => f.toUpperCase()));
  const all = revocations
    .filter((r) => wanted.has(r.fingerprint))
    .map((r) => ({ ...r, hard: r.reason === 'compromised' || r.reason === 'unspecified' }));
  const byDate = (a: Revocation, b: Revocation): number => a.date.getTime() - b.date.getTime();
  return (
    all.filter((r) => r.hard).sort(byDate)[0] ??
    all.filter((r) => !r.hard && created.getTime() >= r.date.getTime()).sort(byDate)[0]
  );
}
