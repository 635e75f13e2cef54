import type { Anomaly } from './anomalies.js';
import type { LedgerEvent } from './event.types.js';

/** One alert POSTed as JSON to `alerts.webhook`. */
export interface Alert {
  source: 'sealpack';
  kind: 'verification-failed' | 'anomaly';
  /** One line for chat channels (Slack, Teams and Mattermost webhooks show `text`). */
  text: string;
  event?: LedgerEvent;
  anomaly?: Anomaly;
}

export interface AlertOptions {
  /** Attempts per alert (default 4). */
  attempts?: number;
  /** The first retry waits this long, each next one twice as long (default 250 ms). */
  backoffMs?: number;
  /** Every alert of a run is sent within this time, or given up (default 5 s). */
  budgetMs?: number;
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface AlertDelivery {
  sent: number;
  failed: { alert: Alert; reason: string }[];
}

/** The alerts for new entries: each failed verification, and each anomaly found at one of them. */
export function alertsFor(events: readonly LedgerEvent[], anomalies: readonly Anomaly[]): Alert[] {
  const alerts: Alert[] = [];
  for (const event of events) {
    if (!event.command.startsWith('verify') || event.outcome === 'ok') continue;
    const what = event.package ? `${event.package.name}@${event.package.version}` : (event.artifact ?? event.command);
    alerts.push({
      source: 'sealpack',
      kind: 'verification-failed',
      text: `sealpack ${event.command}: ${what} FAILED (${event.codes.join(', ') || event.outcome})`,
      event,
    });
  }
  const seqs = new Set(events.map((e) => e.seq));
  for (const anomaly of anomalies) {
    if (seqs.has(anomaly.seq))
      alerts.push({
        source: 'sealpack',
        kind: 'anomaly',
        text: `sealpack anomaly (${anomaly.kind}): ${anomaly.message}`,
        anomaly,
      });
  }
  return alerts;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * POSTs each alert as JSON, retrying network errors, 429 and 5xx with exponential backoff,
 * all within one time budget: an unreachable receiver costs a run at most `budgetMs`, and
 * delivery problems come back as data, never as a thrown error.
 */
export async function sendAlerts(webhook: string, alerts: readonly Alert[], options: AlertOptions = {}): Promise<AlertDelivery> {
  const attempts = options.attempts ?? 4;
  const backoff = options.backoffMs ?? 250;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const post = options.fetch ?? globalThis.fetch;
  const deadline = now() + (options.budgetMs ?? 5000);
  const delivery: AlertDelivery = { sent: 0, failed: [] };
  for (const alert of alerts) {
    let reason = 'no time left';
    for (let attempt = 0; attempt < attempts; attempt++) {
      const left = deadline - now();
      if (left <= 0) break;
      try {
        const response = await post(webhook, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'sealpack' },
          body: JSON.stringify(alert),
          signal: AbortSignal.timeout(Math.max(1, left)),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          reason = '';
          break;
        }
        reason = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 429) break;
      } catch (error) {
        reason = (error as Error).message;
      }
      const wait = backoff * 2 ** attempt;
      if (attempt + 1 < attempts && now() + wait < deadline) await sleep(wait);
      else if (attempt + 1 < attempts) break;
    }
    if (reason) delivery.failed.push({ alert, reason });
    else delivery.sent++;
  }
  return delivery;
}
