import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ledger from '@sealpack/ledger';
import { appendEvents, buildEvents, ciIdentity, leafHash, readLedger, type NewEvent } from '@sealpack/ledger';
import { cleanTempDirs, rejects, tempDir } from '../helpers/index.js';

const test = suite('ledger log');
test.after(cleanTempDirs);

const event = (i: number, extra: Partial<NewEvent> = {}): NewEvent => ({
  time: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
  command: 'sign',
  run: `run-${i}`,
  outcome: 'ok',
  codes: [],
  package: { name: `pkg-${i}`, version: '1.0.0' },
  keys: [{ fingerprint: 'AB'.repeat(20) }],
  who: {},
  durationMs: 1,
  tool: 'sealpack@test',
  ...extra,
});

test('public API is pinned', () => {
  assert.equal(Object.keys(ledger).sort(), [
    'CHECKPOINT_FILE',
    'DEFAULT_ORIGIN',
    'EVENTS_FILE',
    'SIGNING_COMMANDS',
    'alertsFor',
    'appendEvents',
    'buildEvents',
    'ciIdentity',
    'computeMetrics',
    'consistencyProof',
    'findAnomalies',
    'formatCheckpointBody',
    'formatSignedCheckpoint',
    'leafHash',
    'nodeHash',
    'outsideWindow',
    'parseCheckpoint',
    'parseEntry',
    'percentile',
    'readLedger',
    'recordRun',
    'renderHtml',
    'renderMarkdown',
    'sendAlerts',
    'treeRoot',
    'verifyConsistency',
    'verifyLedger',
    'withLedgerLock',
    'writeCheckpoint',
  ]);
});

test('appends one JSON line per event, numbered and linked to the line before', async () => {
  const dir = join(await tempDir(), 'ledger');
  assert.equal(await appendEvents(dir, [event(0), event(1)]), { first: 0, count: 2, repaired: 0 });
  assert.equal(await appendEvents(dir, [event(2)]), { first: 2, count: 1, repaired: 0 });
  const lines = (await readFile(join(dir, 'events.jsonl'), 'utf8')).split('\n');
  assert.is(lines.pop(), '');
  const entries = lines.map((l) => JSON.parse(l));
  assert.equal(
    entries.map((e) => e.seq),
    [0, 1, 2],
  );
  assert.is(entries[0].prev, null);
  assert.is(entries[1].prev, leafHash(Buffer.from(lines[0]!)).toString('hex'));
  assert.is(entries[2].prev, leafHash(Buffer.from(lines[1]!)).toString('hex'));
  assert.is(entries[2].package.name, 'pkg-2');
});

test('a torn last line (a crash mid-append) is not an entry, and the next append cuts it off', async () => {
  const dir = await tempDir();
  await appendEvents(dir, [event(0)]);
  await appendFile(join(dir, 'events.jsonl'), '{"seq":1,"prev":"ab');
  const torn = await readLedger(dir);
  assert.is(torn.lines.length, 1);
  assert.is(torn.torn?.toString(), '{"seq":1,"prev":"ab');
  const result = await appendEvents(dir, [event(1)]);
  assert.equal(result, { first: 1, count: 1, repaired: '{"seq":1,"prev":"ab'.length });
  const after = await readLedger(dir);
  assert.is(after.torn, null);
  assert.is(after.lines.length, 2);
  assert.is(JSON.parse(after.lines[1]!.bytes.toString()).prev, leafHash(after.lines[0]!.bytes).toString('hex'));
});

test('a last line that is not an entry stops the append (ESEAL_LEDGER) instead of burying it', async () => {
  const dir = await tempDir();
  await appendEvents(dir, [event(0)]);
  await appendFile(join(dir, 'events.jsonl'), 'edited by hand\n');
  await rejects(() => appendEvents(dir, [event(1)]), 'ESEAL_LEDGER', /last entry is not a ledger entry/);
});

test('concurrent appends (40 writers) lose and corrupt nothing', async () => {
  const dir = await tempDir();
  await Promise.all(Array.from({ length: 40 }, (_, i) => appendEvents(dir, [event(i), event(i + 100)])));
  const { lines, torn } = await readLedger(dir);
  assert.is(torn, null);
  assert.is(lines.length, 80);
  lines.forEach((line, i) => {
    const entry = JSON.parse(line.bytes.toString());
    assert.is(entry.seq, i);
    assert.is(entry.prev, i === 0 ? null : leafHash(lines[i - 1]!.bytes).toString('hex'));
  });
});

test('buildEvents: who from the CI environment, the error of a run that threw, durations shared out', () => {
  const env = {
    GITHUB_ACTIONS: 'true',
    GITHUB_RUN_ID: '42',
    GITHUB_RUN_ATTEMPT: '2',
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKFLOW: 'release',
    GITHUB_REPOSITORY: 'acme/widget',
    GITHUB_SHA: 'abc',
    GITHUB_SERVER_URL: 'https://github.example',
  };
  const events = buildEvents({
    command: 'sign',
    facts: [{ outcome: 'ok', package: { name: 'a', version: '1.0.0' }, keys: [{ fingerprint: 'F1' }] }],
    error: { code: 'ESEAL_MALFORMED' },
    started: new Date('2026-01-02T03:04:05Z'),
    durationMs: 100,
    env,
    tool: 'sealpack@1',
    describeKey: (fp) => (fp === 'F1' ? { name: 'alice', algorithm: 'ed25519' } : undefined),
  });
  assert.is(events.length, 2);
  assert.equal(events[0]!.who, {
    user: 'octocat',
    ci: {
      provider: 'github-actions',
      runId: '42.2',
      actor: 'octocat',
      workflow: 'release',
      repository: 'acme/widget',
      sha: 'abc',
      url: 'https://github.example/acme/widget/actions/runs/42',
    },
  });
  assert.equal(events[0]!.keys, [{ fingerprint: 'F1', name: 'alice', algorithm: 'ed25519' }]);
  assert.equal(
    events.map((e) => [e.outcome, e.codes, e.durationMs, e.time]),
    [
      ['ok', [], 50, '2026-01-02T03:04:05.000Z'],
      ['error', ['ESEAL_MALFORMED'], 50, '2026-01-02T03:04:05.000Z'],
    ],
  );
  assert.is(events[0]!.run, events[1]!.run);
});

test('ciIdentity: GitLab, a plain CI=true, and none outside CI', () => {
  assert.equal(
    ciIdentity({ GITLAB_CI: 'true', CI_PIPELINE_ID: '7', CI_JOB_ID: '9', GITLAB_USER_LOGIN: 'bob', CI_PROJECT_PATH: 'g/p' }),
    {
      provider: 'gitlab-ci',
      runId: '7/9',
      actor: 'bob',
      repository: 'g/p',
    },
  );
  assert.equal(ciIdentity({ CI: 'true' }), { provider: 'ci' });
  assert.is(ciIdentity({}), undefined);
});

test('an empty or absent ledger reads as empty', async () => {
  const dir = await tempDir();
  assert.equal((await readLedger(join(dir, 'none'))).lines, []);
  await writeFile(join(dir, 'events.jsonl'), '');
  assert.equal((await readLedger(dir)).lines, []);
});

test.run();
