import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { SealError } from '@sealpack/diagnostics';
import type { LedgerEvent } from './event.types.js';
import { leafHash } from './merkle.js';

/** The entries, one JSON object a line, in the ledger folder. */
export const EVENTS_FILE = 'events.jsonl';
/** The latest signed checkpoint, in the ledger folder. */
export const CHECKPOINT_FILE = 'checkpoint';

/** An event before the log gives it its place. */
export type NewEvent = Omit<LedgerEvent, 'seq' | 'prev'>;

export interface LedgerLine {
  /** Position in the log (0-based), the same as a well-formed entry's `seq`. */
  index: number;
  /** The line's bytes without its newline: the Merkle leaf. */
  bytes: Buffer;
}

export interface LedgerContents {
  file: string;
  lines: LedgerLine[];
  /**
   * Bytes after the last newline: what a crash mid-append leaves. Never an entry: the
   * writer ends every entry with its newline in the same write, so an entry without one
   * was not completely written. The next append removes it.
   */
  torn: Buffer | null;
}

const NEWLINE = 0x0a;

/** Reads every complete line of the ledger; an absent ledger is empty. */
export async function readLedger(dir: string): Promise<LedgerContents> {
  const file = join(dir, EVENTS_FILE);
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { file, lines: [], torn: null };
    throw new SealError('ESEAL_CONFIG', `${file}: cannot be read (${(error as NodeJS.ErrnoException).code})`, {
      artifact: file,
      cause: error,
    });
  }
  const lines: LedgerLine[] = [];
  let start = 0;
  for (let end = data.indexOf(NEWLINE); end !== -1; end = data.indexOf(NEWLINE, start)) {
    lines.push({ index: lines.length, bytes: data.subarray(start, end) });
    start = end + 1;
  }
  return { file, lines, torn: start < data.length ? data.subarray(start) : null };
}

// Stale after 10 s without a heartbeat (proper-lockfile refreshes the lock's mtime while it
// is held): a writer killed while holding it does not stop the ledger for long. Waiting
// writers retry with backoff for up to ~30 s: 8 parallel runs each hold it for milliseconds.
const LOCK_OPTIONS = {
  stale: 10_000,
  realpath: false,
  retries: { retries: 300, factor: 1.3, minTimeout: 5, maxTimeout: 200, randomize: true },
} as const;

/**
 * Runs `fn` holding the ledger's lock (`events.jsonl.lock`, a folder made with mkdir, which
 * is atomic on every file system; proper-lockfile takes over a stale one). Every writer of
 * events.jsonl and checkpoint goes through here.
 */
export async function withLedgerLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, EVENTS_FILE);
  let compromised: Error | undefined;
  const release = await lockfile.lock(file, {
    ...LOCK_OPTIONS,
    lockfilePath: `${file}.lock`,
    // The default throws from a timer, which would end the process: note it and fail this write.
    onCompromised: (error) => void (compromised = error),
  });
  try {
    const result = await fn();
    if (compromised) throw compromised;
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}

/** Reads the last complete line (and where the complete lines end) without reading the whole file. */
async function readTail(handle: FileHandle, size: number): Promise<{ last: Buffer | null; end: number }> {
  let chunk = 4096;
  for (;;) {
    const from = Math.max(0, size - chunk);
    const buffer = Buffer.alloc(size - from);
    await handle.read(buffer, 0, buffer.length, from);
    const lastNewline = buffer.lastIndexOf(NEWLINE);
    if (lastNewline === -1 && from > 0) {
      chunk *= 4;
      continue;
    }
    if (lastNewline === -1) return { last: null, end: 0 };
    const before = buffer.lastIndexOf(NEWLINE, lastNewline - 1);
    if (before === -1 && from > 0) {
      chunk *= 4;
      continue;
    }
    return { last: buffer.subarray(before + 1, lastNewline), end: from + lastNewline + 1 };
  }
}

export interface AppendResult {
  /** `seq` of the first entry written. */
  first: number;
  count: number;
  /** Bytes of a torn last line that were removed before appending. */
  repaired: number;
}

/**
 * Appends events under the lock, each with its `seq` and the hash of the line before it, in
 * one write. Reads only the log's last line, so appending costs the same however long the
 * log is. A torn last line (a crash mid-append) is cut off first; a last line that is not a
 * ledger entry stops the append (ESEAL_LEDGER): continuing would bury the damage.
 */
export async function appendEvents(dir: string, events: readonly NewEvent[]): Promise<AppendResult> {
  return withLedgerLock(dir, async () => {
    const file = join(dir, EVENTS_FILE);
    const handle = await open(file, 'a+');
    try {
      const { size } = await handle.stat();
      const { last, end } = await readTail(handle, size);
      const repaired = size - end;
      if (repaired > 0) await handle.truncate(end);
      let seq = 0;
      let prev: string | null = null;
      if (last) {
        const previous = parseEntry(last);
        if (!previous) {
          throw new SealError('ESEAL_LEDGER', `${file}: the last entry is not a ledger entry; nothing was appended`, {
            artifact: file,
          });
        }
        seq = previous.seq + 1;
        prev = leafHash(last).toString('hex');
      }
      const first = seq;
      const lines: string[] = [];
      for (const event of events) {
        // Key order is fixed here (seq and prev first) so entries read well with grep and jq.
        const line = JSON.stringify({ seq, prev, ...event });
        lines.push(line);
        prev = leafHash(Buffer.from(line)).toString('hex');
        seq++;
      }
      if (lines.length > 0) {
        // O_APPEND and one write: the entries land whole and after everything before them.
        await handle.appendFile(`${lines.join('\n')}\n`);
        await handle.datasync();
      }
      return { first, count: lines.length, repaired };
    } finally {
      await handle.close();
    }
  });
}

/** A line parsed as a ledger entry, or undefined when it is not one. */
export function parseEntry(bytes: Uint8Array): LedgerEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entry = value as Partial<LedgerEvent>;
  const ok =
    Number.isSafeInteger(entry.seq) &&
    (entry.prev === null || (typeof entry.prev === 'string' && /^[0-9a-f]{64}$/.test(entry.prev))) &&
    typeof entry.time === 'string' &&
    typeof entry.command === 'string' &&
    typeof entry.outcome === 'string' &&
    Array.isArray(entry.codes) &&
    Array.isArray(entry.keys);
  return ok ? (entry as LedgerEvent) : undefined;
}
