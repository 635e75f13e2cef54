import type { SigningWindow } from '@sealpack/trust';
import type { LedgerEvent } from './event.types.js';
import { dayOf, isVerification, SIGNING_COMMANDS } from './metrics.js';

export type AnomalyKind = 'new-key' | 'new-algorithm' | 'signing-frequency' | 'outside-window' | 'failure-burst';

export interface Anomaly {
  kind: AnomalyKind;
  /** The entry that shows it (the last one of a burst). */
  seq: number;
  time: string;
  package?: string;
  fingerprint?: string;
  message: string;
}

export interface AnomalyOptions {
  signingWindow?: SigningWindow;
}

/** Signing far above the trailing median: more than this many times the median of the key's earlier active days… */
export const FREQUENCY_FACTOR = 3;
/** …and at least this many signatures that day… */
export const FREQUENCY_MIN = 5;
/** …judged over the key's last this many active days (at least 3 of them). */
export const FREQUENCY_DAYS = 30;
/** A burst: this many failed verifications… */
export const BURST_FAILURES = 5;
/** …within this many milliseconds. */
export const BURST_WINDOW_MS = 10 * 60 * 1000;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Day of week and minutes since midnight of `time` in `timeZone`. */
function localTime(time: string, timeZone: string): { day: string; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(time));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: get('weekday').toLowerCase(), minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

const minutesOf = (text: string): number => {
  const [h, m] = text.split(':').map(Number);
  return h! * 60 + (m ?? 0);
};

/** True when the window is given and `time` is outside it. */
export function outsideWindow(time: string, window: SigningWindow | undefined): boolean {
  if (!window || (!window.days && !window.hours)) return false;
  const local = localTime(time, window.timeZone ?? 'UTC');
  if (window.days && !window.days.map((d) => d.slice(0, 3).toLowerCase()).includes(local.day)) return true;
  if (window.hours) {
    const [from, to] = window.hours.split('-').map(minutesOf) as [number, number];
    const inside = from <= to ? local.minutes >= from && local.minutes < to : local.minutes >= from || local.minutes < to;
    if (!inside) return true;
  }
  return false;
}

/**
 * What a reviewer should look at, in log order: a key or algorithm never seen before for a
 * package, a key signing far more than on its usual days, signing outside the window, and a
 * burst of failed verifications. Each rule only looks backwards, so an anomaly found when an
 * entry was appended is found again by a report later.
 */
export function findAnomalies(events: readonly LedgerEvent[], options: AnomalyOptions = {}): Anomaly[] {
  const anomalies: Anomaly[] = [];
  const keysByPackage = new Map<string, Set<string>>();
  const algorithmsByPackage = new Map<string, Set<string>>();
  // Per key: signatures per UTC day, in order of first appearance.
  const daily = new Map<string, Map<string, number>>();
  const flaggedDays = new Set<string>();
  const failures: LedgerEvent[] = [];
  let burstUntil = -1;

  for (const event of events) {
    const name = event.package?.name;
    const signing = SIGNING_COMMANDS.has(event.command) && event.outcome === 'ok';
    if (signing && name) {
      const keys = keysByPackage.get(name);
      const algorithms = algorithmsByPackage.get(name);
      for (const key of event.keys) {
        if (keys && !keys.has(key.fingerprint)) {
          anomalies.push({
            kind: 'new-key',
            seq: event.seq,
            time: event.time,
            package: name,
            fingerprint: key.fingerprint,
            message: `${name}@${event.package!.version}: signed by ${key.name ?? 'a key'} (${key.fingerprint}), never seen before for ${name}`,
          });
        }
        if (algorithms && key.algorithm && !algorithms.has(key.algorithm)) {
          anomalies.push({
            kind: 'new-algorithm',
            seq: event.seq,
            time: event.time,
            package: name,
            fingerprint: key.fingerprint,
            message: `${name}@${event.package!.version}: signed with ${key.algorithm}, never seen before for ${name} (before: ${[...algorithms].join(', ')})`,
          });
        }
      }
      keysByPackage.set(name, new Set([...(keys ?? []), ...event.keys.map((k) => k.fingerprint)]));
      const seen = event.keys.map((k) => k.algorithm).filter((a): a is string => a !== undefined);
      if (seen.length) algorithmsByPackage.set(name, new Set([...(algorithms ?? []), ...seen]));
    }
    if (signing) {
      if (outsideWindow(event.time, options.signingWindow)) {
        anomalies.push({
          kind: 'outside-window',
          seq: event.seq,
          time: event.time,
          ...(name ? { package: name } : {}),
          ...(event.keys[0] ? { fingerprint: event.keys[0].fingerprint } : {}),
          message: `${name ? `${name}@${event.package!.version}: ` : ''}signed at ${event.time}, outside the signing window (${describeWindow(options.signingWindow!)})`,
        });
      }
      const day = dayOf(event.time);
      for (const key of event.keys) {
        const days = daily.get(key.fingerprint) ?? new Map<string, number>();
        daily.set(key.fingerprint, days);
        const count = (days.get(day) ?? 0) + 1;
        days.set(day, count);
        const earlier = [...days.entries()]
          .filter(([d]) => d < day)
          .slice(-FREQUENCY_DAYS)
          .map(([, n]) => n);
        if (earlier.length < 3 || flaggedDays.has(`${key.fingerprint} ${day}`)) continue;
        const usual = median(earlier);
        if (count >= FREQUENCY_MIN && count > FREQUENCY_FACTOR * usual) {
          flaggedDays.add(`${key.fingerprint} ${day}`);
          anomalies.push({
            kind: 'signing-frequency',
            seq: event.seq,
            time: event.time,
            fingerprint: key.fingerprint,
            message: `key ${key.name ?? ''} (${key.fingerprint}) made ${count} signatures on ${day}, more than ${FREQUENCY_FACTOR}× its median of ${usual} on its last ${earlier.length} active days`,
          });
        }
      }
    }
    if (isVerification(event) && event.outcome !== 'ok') {
      failures.push(event);
      const since = Date.parse(event.time) - BURST_WINDOW_MS;
      while (failures.length && Date.parse(failures[0]!.time) < since) failures.shift();
      // One anomaly per burst: the next can only start after this one's failures have left the window.
      if (failures.length >= BURST_FAILURES && failures[0]!.seq > burstUntil) {
        burstUntil = event.seq;
        const names = [...new Set(failures.map((f) => f.package?.name ?? f.artifact ?? '?'))];
        anomalies.push({
          kind: 'failure-burst',
          seq: event.seq,
          time: event.time,
          message: `${failures.length} failed verifications within ${BURST_WINDOW_MS / 60_000} minutes (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})`,
        });
      }
    }
  }
  return anomalies;
}

function describeWindow(window: SigningWindow): string {
  return [window.days?.join(','), window.hours, window.timeZone ?? 'UTC'].filter(Boolean).join(' ');
}
