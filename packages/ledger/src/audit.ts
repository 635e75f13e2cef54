import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SealError, type Finding } from '@sealpack/diagnostics';
import { verifySignatures, type Signer } from '@sealpack/openpgp';
import { writeFileAtomic } from '@sealpack/sign';
import { findRevocation, type PinnedKey, type Revocation } from '@sealpack/trust';
import {
  DEFAULT_ORIGIN,
  formatCheckpointBody,
  formatSignedCheckpoint,
  parseCheckpoint,
  type SignedCheckpoint,
} from './checkpoint.js';
import { CHECKPOINT_FILE, parseEntry, readLedger, withLedgerLock, type LedgerContents } from './log.js';
import { consistencyProof, leafHash, treeRoot, verifyConsistency } from './merkle.js';

export interface LedgerAudit {
  ok: boolean;
  /** Complete entries in the log. */
  size: number;
  /** Base64 root hash of the whole log, as a checkpoint would state it. */
  root: string;
  /** With an older checkpoint: the RFC 6962 consistency proof from its size to `size`, base64. */
  proof?: { from: number; to: number; hashes: string[] };
  findings: Finding[];
}

export interface VerifyLedgerOptions {
  /** Pinned keys: a checkpoint must be signed by one of them. */
  keys: readonly PinnedKey[];
  revocations: readonly Revocation[];
  /** An older checkpoint kept elsewhere (its file path): the log must extend it. */
  checkpoint?: string;
}

const finding = (message: string, artifact: string, extra: Partial<Finding> = {}): Finding => ({
  code: 'ESEAL_LEDGER',
  severity: 'error',
  message,
  artifact,
  ...extra,
});

/**
 * Checks a ledger folder: every line is an entry in sequence, linked to the one before;
 * the folder's checkpoint and an older one (`checkpoint`) are signed by a pinned key, and
 * the log extends them (consistency proof). Every problem is an ESEAL_LEDGER finding
 * naming the entry; a torn last line (a crash mid-append) is a warning.
 */
export async function verifyLedger(dir: string, options: VerifyLedgerOptions): Promise<LedgerAudit> {
  const log = await readLedger(dir);
  const leaves = log.lines.map((line) => leafHash(line.bytes));
  const findings: Finding[] = [...checkTornTail(log), ...checkEntries(log, leaves)];

  const own = await readCheckpointFile(join(dir, CHECKPOINT_FILE), true);
  if (own) findings.push(...(await checkCheckpoint(own, join(dir, CHECKPOINT_FILE), log, leaves, options)));

  let proof: LedgerAudit['proof'];
  if (options.checkpoint !== undefined) {
    const old = await readCheckpointFile(options.checkpoint, false);
    const problems = await checkCheckpoint(old!, options.checkpoint, log, leaves, options);
    if (own && own.origin !== old!.origin) {
      problems.push(
        finding(
          `${options.checkpoint}: expected the origin "${own.origin}" of the ledger's checkpoint, found "${old!.origin}": a checkpoint of another log`,
          options.checkpoint,
        ),
      );
    }
    findings.push(...problems);
    if (old!.size <= leaves.length) {
      const hashes = consistencyProof(leaves, old!.size);
      proof = { from: old!.size, to: leaves.length, hashes: hashes.map((h) => h.toString('base64')) };
    }
  }
  return {
    ok: findings.every((f) => f.severity !== 'error'),
    size: leaves.length,
    root: treeRoot(leaves).toString('base64'),
    ...(proof ? { proof } : {}),
    findings,
  };
}

function checkTornTail(log: LedgerContents): Finding[] {
  if (!log.torn) return [];
  return [
    {
      ...finding(
        `${log.file}: the last ${log.torn.length} bytes are a torn line without its newline (a run stopped mid-append); it is not an entry, and the next append removes it`,
        log.file,
      ),
      severity: 'warning',
    },
  ];
}

/** Entry by entry: parseable, `seq` equal to its position, `prev` equal to the hash of the line before. */
function checkEntries(log: LedgerContents, leaves: readonly Buffer[]): Finding[] {
  const findings: Finding[] = [];
  let expected = 0;
  for (const line of log.lines) {
    const where = `entry ${line.index} (line ${line.index + 1})`;
    const entry = parseEntry(line.bytes);
    if (!entry) {
      findings.push(finding(`${log.file}: ${where} is not a ledger entry: the line was edited or inserted`, log.file));
      expected++;
      continue;
    }
    if (entry.seq !== expected) {
      const what =
        entry.seq > expected
          ? entry.seq === expected + 1
            ? `entry ${expected} is missing (removed)`
            : `entries ${expected}..${entry.seq - 1} are missing (removed)`
          : `seq ${entry.seq} comes again or out of order (an entry was inserted or the entries were reordered)`;
      findings.push(finding(`${log.file}: ${where}: expected seq ${expected}, found ${entry.seq}: ${what}`, log.file));
      expected = entry.seq + 1;
      continue;
    }
    expected++;
    const prev = line.index === 0 ? null : leaves[line.index - 1]!.toString('hex');
    if (entry.prev !== prev) {
      findings.push(
        finding(
          line.index === 0
            ? `${log.file}: entry 0 must start the chain (prev null), found prev ${entry.prev}: entries before it were removed`
            : `${log.file}: entry ${line.index - 1} (line ${line.index}) was changed after it was written: entry ${line.index} records its hash as ${entry.prev}, it now hashes to ${prev}`,
          log.file,
          { expected: entry.prev ?? 'null', found: prev ?? 'null' },
        ),
      );
    }
  }
  return findings;
}

async function readCheckpointFile(file: string, optional: boolean): Promise<SignedCheckpoint | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (optional && code === 'ENOENT') return undefined;
    throw new SealError('ESEAL_CONFIG', `${file}: cannot read the checkpoint (${code})`, { artifact: file, cause: error });
  }
  return parseCheckpoint(text, file);
}

/** A checkpoint: signed by a pinned, unrevoked key; not larger than the log; its root is the root of that many entries. */
async function checkCheckpoint(
  checkpoint: SignedCheckpoint,
  file: string,
  log: LedgerContents,
  leaves: readonly Buffer[],
  options: VerifyLedgerOptions,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const signer = await checkpointSigner(checkpoint, file, options);
  if (typeof signer === 'string') findings.push(finding(`${file}: ${signer}`, file));
  if (checkpoint.size > leaves.length) {
    findings.push(
      finding(
        `${log.file}: truncated: ${file} (signed) covers ${checkpoint.size} entries, the log holds ${leaves.length}: entries ${leaves.length}..${checkpoint.size - 1} were removed`,
        log.file,
        { expected: `${checkpoint.size} entries`, found: `${leaves.length} entries` },
      ),
    );
    return findings;
  }
  const root = treeRoot(leaves, checkpoint.size);
  const newRoot = treeRoot(leaves);
  const proof = consistencyProof(leaves, checkpoint.size);
  if (!verifyConsistency(checkpoint.size, leaves.length, checkpoint.root, newRoot, proof)) {
    const last = checkpoint.size - 1;
    findings.push(
      finding(
        `${log.file}: rewritten: the first ${checkpoint.size} entries no longer match ${file} (signed): no consistency proof from tree size ${checkpoint.size} to ${leaves.length}; an entry at or before entry ${last} (line ${last + 1}) was edited, removed, inserted or reordered`,
        log.file,
        { expected: checkpoint.root.toString('base64'), found: root.toString('base64') },
      ),
    );
  }
  return findings;
}

/** The pinned key that signed the checkpoint, or why none did. */
async function checkpointSigner(
  checkpoint: SignedCheckpoint,
  file: string,
  options: VerifyLedgerOptions,
): Promise<PinnedKey | string> {
  let checks;
  try {
    checks = await verifySignatures(
      checkpoint.body,
      checkpoint.signature,
      options.keys.map((k) => k.key),
      file,
    );
  } catch (error) {
    return `the checkpoint signature cannot be read: ${(error as Error).message}`;
  }
  const reasons: string[] = [];
  for (const check of checks) {
    const pinned = options.keys.find((k) => k.key.fingerprint === check.primaryFingerprint);
    if (!check.valid || !pinned) {
      reasons.push(check.reason ?? 'invalid');
      continue;
    }
    const revoked = findRevocation([check.primaryFingerprint, check.signingKeyFingerprint], check.created, options.revocations);
    if (revoked) {
      reasons.push(`key ${pinned.name} (${pinned.key.fingerprint}) is revoked (${revoked.reason})`);
      continue;
    }
    return pinned;
  }
  return `expected a valid signature by a pinned key over the checkpoint, found ${reasons.length ? reasons.join('; ') : 'none'}`;
}

/**
 * Signs the ledger's current tree (every complete entry) and writes `checkpoint`, under the
 * ledger's lock so that the size and root describe one state of the log.
 */
export async function writeCheckpoint(
  dir: string,
  signer: Signer,
  options: { origin?: string } = {},
): Promise<SignedCheckpoint & { file: string }> {
  return withLedgerLock(dir, async () => {
    const log = await readLedger(dir);
    const leaves = log.lines.map((line) => leafHash(line.bytes));
    const checkpoint = { origin: options.origin ?? DEFAULT_ORIGIN, size: leaves.length, root: treeRoot(leaves) };
    const body = formatCheckpointBody(checkpoint);
    const signature = await signer.sign(Buffer.from(body));
    const file = join(dir, CHECKPOINT_FILE);
    await writeFileAtomic(file, formatSignedCheckpoint(checkpoint, signature));
    return { ...checkpoint, body: Buffer.from(body), signature, file };
  });
}
