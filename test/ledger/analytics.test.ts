import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { computeMetrics, findAnomalies, outsideWindow, renderMarkdown, type LedgerEvent } from '@sealpack/ledger';

const test = suite('ledger metrics and anomalies');

const ALICE = { fingerprint: 'A'.repeat(40), name: 'alice', algorithm: 'ed25519' };
const MALLORY = { fingerprint: 'B'.repeat(40), name: 'mallory', algorithm: 'rsa3072' };
let seq = 0;
const entry = (time: string, extra: Partial<LedgerEvent> = {}): LedgerEvent => ({
  seq: seq++,
  prev: null,
  time,
  command: 'sign',
  run: 'r',
  outcome: 'ok',
  codes: [],
  package: { name: 'widget', version: '1.0.0' },
  keys: [ALICE],
  who: {},
  durationMs: 100,
  tool: 'sealpack@test',
  ...extra,
});

test('metrics: events per key and day, time to sign p50/p95, verification rate, findings by code and package', () => {
  seq = 0;
  const events = [
    ...[10, 20, 30, 40, 1000].map((d, i) => entry(`2026-03-0${i < 3 ? 1 : 2}T10:00:00Z`, { durationMs: d })),
    entry('2026-03-02T11:00:00Z', { command: 'verify' }),
    entry('2026-03-02T11:00:01Z', { command: 'verify-installed', outcome: 'fail', codes: ['ESEAL_INTEGRITY'], keys: [] }),
    entry('2026-03-03T11:00:01Z', {
      command: 'verify',
      outcome: 'fail',
      codes: ['ESEAL_INTEGRITY', 'ESEAL_UNSIGNED'],
      package: { name: 'gadget', version: '2.0.0' },
      keys: [],
    }),
  ];
  const m = computeMetrics(events);
  assert.equal(m.perKeyDay, [
    { day: '2026-03-01', fingerprint: ALICE.fingerprint, name: 'alice', count: 3 },
    { day: '2026-03-02', fingerprint: ALICE.fingerprint, name: 'alice', count: 3 },
  ]);
  assert.equal(m.timeToSign, { count: 5, p50: 30, p95: 1000 });
  assert.equal(m.verification, { total: 3, passed: 1, failed: 2, rate: 1 / 3 });
  assert.equal(m.findingsByCode, [
    { code: 'ESEAL_INTEGRITY', count: 2 },
    { code: 'ESEAL_UNSIGNED', count: 1 },
  ]);
  assert.equal(m.findingsByPackage, [
    { package: 'gadget', count: 1 },
    { package: 'widget', count: 1 },
  ]);
  const markdown = renderMarkdown({
    generated: 'now',
    ledger: '/l',
    integrity: { ok: true, size: 8, root: 'r', problems: [] },
    metrics: m,
    anomalies: [],
  });
  assert.match(markdown, '| verification success rate | 33.3% |');
  assert.match(markdown, '| time to sign p50 / p95 | 30 ms / 1000 ms (5 signing events) |');
});

test('markdown cells cannot break the table or start HTML', () => {
  seq = 0;
  const events = [
    entry('2026-03-01T10:00:00Z', {
      command: 'verify',
      outcome: 'fail',
      codes: ['ESEAL_UNSIGNED'],
      package: { name: 'x|<img src=y>', version: '1' },
    }),
  ];
  const markdown = renderMarkdown({
    generated: 'now',
    ledger: '/l',
    integrity: { ok: true, size: 1, root: 'r', problems: [] },
    metrics: computeMetrics(events),
    anomalies: [],
  });
  assert.match(markdown, '| x\\|&lt;img src=y> | 1 |');
});

test('anomalies: a new key and a new algorithm for a package', () => {
  seq = 0;
  const events = [
    entry('2026-03-01T10:00:00Z'),
    entry('2026-03-02T10:00:00Z', { package: { name: 'other', version: '1.0.0' }, keys: [MALLORY] }),
    entry('2026-03-03T10:00:00Z', { keys: [MALLORY] }),
  ];
  const found = findAnomalies(events);
  assert.equal(
    found.map((a) => [a.kind, a.seq, a.package]),
    [
      ['new-key', 2, 'widget'],
      ['new-algorithm', 2, 'widget'],
    ],
  );
  assert.match(found[0]!.message, 'signed by mallory');
});

test('anomalies: signing far above the trailing median, once per key and day', () => {
  seq = 0;
  const usual = ['01', '02', '03', '04'].flatMap((d) => [entry(`2026-03-${d}T10:00:00Z`), entry(`2026-03-${d}T11:00:00Z`)]);
  const spike = Array.from({ length: 9 }, (_, i) => entry(`2026-03-05T10:0${i}:00Z`));
  const found = findAnomalies([...usual, ...spike]).filter((a) => a.kind === 'signing-frequency');
  // Median 2 a day: the 7th signature of the day is the first above 3 × 2.
  assert.equal(
    found.map((a) => a.seq),
    [usual.length + 6],
  );
  assert.match(found[0]!.message, 'made 7 signatures on 2026-03-05');
  // Too little history (fewer than 3 active days): no judgement.
  seq = 0;
  assert.equal(
    findAnomalies(spike).filter((a) => a.kind === 'signing-frequency'),
    [],
  );
});

test('anomalies: signing outside the window, in its time zone', () => {
  const window = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: '08:00-18:00', timeZone: 'Europe/Berlin' };
  // 2026-03-02 is a Monday; 07:30 UTC is 08:30 in Berlin (CET, UTC+1).
  assert.not.ok(outsideWindow('2026-03-02T07:30:00Z', window));
  assert.ok(outsideWindow('2026-03-02T06:30:00Z', window));
  assert.ok(outsideWindow('2026-03-01T10:00:00Z', window), 'a Sunday');
  assert.ok(outsideWindow('2026-03-02T23:00:00Z', { hours: '22:00-06:00' }) === false, 'a window across midnight');
  seq = 0;
  const found = findAnomalies([entry('2026-03-02T10:00:00Z'), entry('2026-03-07T03:00:00Z')], { signingWindow: window });
  assert.equal(
    found.map((a) => [a.kind, a.seq]),
    [['outside-window', 1]],
  );
});

test('anomalies: a burst of failed verifications is one anomaly', () => {
  seq = 0;
  const fail = (t: string) => entry(t, { command: 'verify', outcome: 'fail', codes: ['ESEAL_BAD_SIGNATURE'], keys: [] });
  const events = [
    ...['00', '01', '02', '03', '04', '05', '06'].map((m) => fail(`2026-03-02T10:${m}:00Z`)),
    fail('2026-03-02T12:00:00Z'),
  ];
  const found = findAnomalies(events).filter((a) => a.kind === 'failure-burst');
  assert.equal(
    found.map((a) => a.seq),
    [4],
  );
  assert.match(found[0]!.message, '5 failed verifications within 10 minutes');
});

test.run();
