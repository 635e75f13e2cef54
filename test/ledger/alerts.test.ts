import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertsFor, sendAlerts, type Alert, type LedgerEvent } from '@sealpack/ledger';

const test = suite('ledger alerts');

/** A local webhook receiver answering with the given statuses in turn (200 after them). */
async function receiver(statuses: number[]): Promise<{ url: string; bodies: unknown[]; server: Server }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      bodies.push({ method: req.method, type: req.headers['content-type'], body: JSON.parse(body) });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, server };
}

/** A clock that only moves when the code under test sleeps. */
function fakeClock() {
  let now = 0;
  const waits: number[] = [];
  return { now: () => now, sleep: async (ms: number) => void (waits.push(ms), (now += ms)), waits };
}

const alert = (text: string): Alert => ({ source: 'sealpack', kind: 'anomaly', text });

test('POSTs JSON; retries 503 with exponential backoff, then delivers', async () => {
  const hook = await receiver([503, 503]);
  const clock = fakeClock();
  try {
    const delivery = await sendAlerts(hook.url, [alert('one')], { ...clock, backoffMs: 100 });
    assert.equal(delivery, { sent: 1, failed: [] });
    assert.equal(clock.waits, [100, 200]);
    assert.is(hook.bodies.length, 3);
    assert.equal(hook.bodies[2], { method: 'POST', type: 'application/json', body: alert('one') });
  } finally {
    hook.server.close();
  }
});

test('a 4xx is not retried; an unreachable receiver gives up within the budget; nothing throws', async () => {
  const hook = await receiver([404]);
  const clock = fakeClock();
  try {
    const refused = await sendAlerts(hook.url, [alert('a')], clock);
    assert.is(refused.failed[0]!.reason, 'HTTP 404');
    assert.is(hook.bodies.length, 1);
  } finally {
    hook.server.close();
  }
  const gone = fakeClock();
  const result = await sendAlerts(hook.url, [alert('b'), alert('c')], { ...gone, backoffMs: 1000, budgetMs: 2500 });
  assert.is(result.sent, 0);
  assert.is(result.failed.length, 2);
  // Each alert waits 1 s once; its next wait (2 s) would pass the 2.5 s budget, so it is given up.
  assert.equal(gone.waits, [1000, 1000]);
  assert.ok(gone.now() <= 2500);
});

test('alertsFor: every failed verification of the new entries, and anomalies found at them', () => {
  const base = { prev: null, time: 't', run: 'r', codes: [], keys: [], who: {}, durationMs: 1, tool: 't' };
  const events: LedgerEvent[] = [
    { ...base, seq: 5, command: 'verify', outcome: 'fail', codes: ['ESEAL_INTEGRITY'], package: { name: 'a', version: '1.0.0' } },
    { ...base, seq: 6, command: 'verify', outcome: 'ok' },
    { ...base, seq: 7, command: 'sign', outcome: 'ok' },
  ];
  const alerts = alertsFor(events, [
    { kind: 'new-key', seq: 7, time: 't', message: 'new key' },
    { kind: 'new-key', seq: 2, time: 't', message: 'an old one, alerted when it was appended' },
  ]);
  assert.equal(
    alerts.map((a) => [a.kind, a.text]),
    [
      ['verification-failed', 'sealpack verify: a@1.0.0 FAILED (ESEAL_INTEGRITY)'],
      ['anomaly', 'sealpack anomaly (new-key): new key'],
    ],
  );
});

test.run();
