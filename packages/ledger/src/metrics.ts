import type { LedgerEvent } from './event.types.js';

/** Commands that make signatures; their durations are the time to sign. */
export const SIGNING_COMMANDS: ReadonlySet<string> = new Set(['sign', 'seal', 'approve', 'pack', 'publish', 'resign']);
export const isVerification = (event: Pick<LedgerEvent, 'command'>): boolean => event.command.startsWith('verify');

export interface Metrics {
  events: number;
  from: string | null;
  to: string | null;
  /** Per UTC day and key: how many events named the key. */
  perKeyDay: { day: string; fingerprint: string; name?: string; count: number }[];
  /** Per UTC day and command. */
  perDay: { day: string; command: string; count: number }[];
  /** Successful signing runs' durations, in milliseconds. */
  timeToSign: { count: number; p50: number | null; p95: number | null };
  verification: { total: number; passed: number; failed: number; rate: number | null };
  /** Per UTC day: verifications and how many passed. */
  verificationPerDay: { day: string; total: number; passed: number }[];
  findingsByCode: { code: string; count: number }[];
  findingsByPackage: { package: string; count: number }[];
}

export const dayOf = (time: string): string => time.slice(0, 10);

/** The p-th percentile (0–100) by nearest rank; null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const byCount = <T extends { count: number }>(rows: T[], label: (row: T) => string): T[] =>
  rows.sort((a, b) => b.count - a.count || (label(a) < label(b) ? -1 : label(a) > label(b) ? 1 : 0));

function tally<K>(map: Map<string, K & { count: number }>, key: string, make: () => K): void {
  const row = map.get(key);
  if (row) row.count++;
  else map.set(key, { ...make(), count: 1 });
}

/** Counts and rates over ledger entries (in log order). */
export function computeMetrics(events: readonly LedgerEvent[]): Metrics {
  const perKeyDay = new Map<string, { day: string; fingerprint: string; name?: string; count: number }>();
  const perDay = new Map<string, { day: string; command: string; count: number }>();
  const verificationPerDay = new Map<string, { day: string; total: number; passed: number }>();
  const codes = new Map<string, { code: string; count: number }>();
  const packages = new Map<string, { package: string; count: number }>();
  const signDurations: number[] = [];
  let verified = 0;
  let passed = 0;
  for (const event of events) {
    const day = dayOf(event.time);
    tally(perDay, `${day} ${event.command}`, () => ({ day, command: event.command }));
    for (const key of event.keys) {
      tally(perKeyDay, `${day} ${key.fingerprint}`, () => ({
        day,
        fingerprint: key.fingerprint,
        ...(key.name ? { name: key.name } : {}),
      }));
    }
    if (SIGNING_COMMANDS.has(event.command) && event.outcome === 'ok') signDurations.push(event.durationMs);
    if (isVerification(event)) {
      verified++;
      const row = verificationPerDay.get(day) ?? { day, total: 0, passed: 0 };
      row.total++;
      if (event.outcome === 'ok') {
        passed++;
        row.passed++;
      }
      verificationPerDay.set(day, row);
    }
    if (event.outcome !== 'ok') {
      for (const code of new Set(event.codes)) tally(codes, code, () => ({ code }));
      const name = event.package?.name ?? event.artifact ?? '(none)';
      tally(packages, name, () => ({ package: name }));
    }
  }
  const byDay = <T extends { day: string }>(rows: Iterable<T>) =>
    [...rows].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  return {
    events: events.length,
    from: events[0]?.time ?? null,
    to: events.at(-1)?.time ?? null,
    perKeyDay: byDay(perKeyDay.values()),
    perDay: byDay(perDay.values()),
    timeToSign: { count: signDurations.length, p50: percentile(signDurations, 50), p95: percentile(signDurations, 95) },
    verification: { total: verified, passed, failed: verified - passed, rate: verified ? passed / verified : null },
    verificationPerDay: byDay(verificationPerDay.values()),
    findingsByCode: byCount([...codes.values()], (r) => r.code),
    findingsByPackage: byCount([...packages.values()], (r) => r.package),
  };
}
