import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { SigningWindow } from '@sealpack/trust';
import { findAnomalies } from './anomalies.js';
import { alertsFor, sendAlerts, type AlertDelivery, type AlertOptions } from './alerts.js';
import { ciIdentity } from './ci.js';
import type { EventFacts, LedgerEvent, LedgerKey } from './event.types.js';
import { appendEvents, parseEntry, readLedger, type AppendResult, type NewEvent } from './log.js';

export interface RunRecord {
  command: string;
  /** What the command did, one fact per subject; empty when it stopped before doing anything. */
  facts: readonly EventFacts[];
  /** Thrown by the command: recorded as one `error` entry when it left no facts, or when it did not finish. */
  error?: { code: string };
  started: Date;
  durationMs: number;
  env: Record<string, string | undefined>;
  /** `sealpack@VERSION`. */
  tool: string;
  /** Fills in a key's pinned name and algorithm from its fingerprint. */
  describeKey?: (fingerprint: string) => Omit<LedgerKey, 'fingerprint'> | undefined;
}

export interface RecordOptions {
  alerts?: { webhook?: string; signingWindow?: SigningWindow } & AlertOptions;
}

/** The entries one run adds: who (key, CI, user), when, what, outcome, duration. */
export function buildEvents(record: RunRecord): NewEvent[] {
  const run = randomUUID();
  const ci = ciIdentity(record.env);
  const user = ci?.actor ?? record.env.USER ?? safeUser();
  const who = { ...(user ? { user } : {}), ...(ci ? { ci } : {}) };
  const facts: EventFacts[] = [...record.facts];
  if (record.error) facts.push({ outcome: 'error', codes: [record.error.code] });
  const share = facts.length ? Math.round(record.durationMs / facts.length) : record.durationMs;
  return facts.map((fact) => ({
    time: record.started.toISOString(),
    command: record.command,
    run,
    outcome: fact.outcome,
    codes: [...new Set(fact.codes ?? [])].sort(),
    ...(fact.package ? { package: fact.package } : {}),
    ...(fact.artifact ? { artifact: fact.artifact } : {}),
    keys: (fact.keys ?? []).map((key) => ({ ...key, ...record.describeKey?.(key.fingerprint) })),
    who,
    durationMs: Math.round(fact.durationMs ?? share),
    tool: record.tool,
  }));
}

function safeUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

export interface RecordResult extends AppendResult {
  alerts?: AlertDelivery;
}

/**
 * Appends a run's entries to the ledger in `dir`, then, when a webhook is configured, POSTs
 * an alert for each failed verification and each anomaly the new entries show.
 */
export async function recordRun(dir: string, record: RunRecord, options: RecordOptions = {}): Promise<RecordResult> {
  const events = buildEvents(record);
  const appended = await appendEvents(dir, events);
  const webhook = options.alerts?.webhook;
  if (!webhook || appended.count === 0) return appended;
  const all = (await readLedger(dir)).lines
    .map((line) => parseEntry(line.bytes))
    .filter((e): e is LedgerEvent => e !== undefined);
  const added = all.filter((e) => e.seq >= appended.first && e.seq < appended.first + appended.count);
  const anomalies = findAnomalies(all, { signingWindow: options.alerts?.signingWindow });
  const alerts = alertsFor(added, anomalies);
  return { ...appended, alerts: await sendAlerts(webhook, alerts, options.alerts) };
}
