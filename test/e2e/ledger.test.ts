// The audit ledger through the real CLI: runs append entries (8 signers at once lose none),
// `audit verify` finds every kind of edit made to the real files, an older checkpoint kept
// elsewhere catches a rewrite, a ledger problem never changes a verdict, alerts reach a
// local webhook receiver.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, copyFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { appendEvents, parseEntry, readLedger, type NewEvent } from '@sealpack/ledger';
import { CLI, ROOT, cleanTempDirs, run, runCli, tempDir, type RunResult } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';

const test = suite('e2e: ledger');
const KEYS = join(ROOT, 'test', 'fixtures', 'keys');
const ALICE_KEY = join(KEYS, 'ed25519.key.asc');
const OTHER_KEY = join(KEYS, 'ed25519-second.key.asc');

/** Runs the CLI without blocking this process (for parallel runs and the in-process webhook). */
function runCliAsync(args: string[], cwd: string, env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A repository pinning alice, with a ledger folder (or not). */
async function repo(options: { ledger?: boolean; config?: object } = {}): Promise<string> {
  const dir = await tempDir('sealpack-ledger-');
  await mkdir(join(dir, '.sealpack', 'keys'), { recursive: true });
  await copyFile(join(KEYS, 'ed25519.pub.asc'), join(dir, '.sealpack', 'keys', 'alice.asc'));
  if (options.ledger !== false) await mkdir(join(dir, '.sealpack', 'ledger'));
  if (options.config) await writeFile(join(dir, '.sealpackrc.json'), JSON.stringify(options.config));
  return dir;
}

const tarballIn = (dir: string, name: string) => makeTarball(join(dir, `${name}-1.0.0.tgz`), packageFiles(name, '1.0.0'));
const eventsFile = (dir: string) => join(dir, '.sealpack', 'ledger', 'events.jsonl');
const lines = async (dir: string) => (await readFile(eventsFile(dir), 'utf8')).split('\n').filter(Boolean);

// One real ledger, made once: 8 parallel signers, one verify run of all 8, a failed verify, a checkpoint.
let source: string;
let tarballs: string[];

test.before(async () => {
  source = await repo();
  tarballs = await Promise.all(Array.from({ length: 8 }, (_, i) => tarballIn(source, `pkg-${i}`)));
  const signed = await Promise.all(tarballs.map((t) => runCliAsync(['sign', t, '--key', ALICE_KEY], source)));
  for (const r of signed) assert.is(r.status, 0, r.stdout + r.stderr);
  assert.is(runCli(['verify', ...tarballs], { cwd: source }).status, 0);
  await writeFile(join(source, 'broken-1.0.0.tgz'), 'not a tarball');
  assert.is(runCli(['verify', join(source, 'broken-1.0.0.tgz')], { cwd: source }).status, 1);
  const checkpoint = runCli(['audit', 'checkpoint', '--key', ALICE_KEY], { cwd: source });
  assert.is(checkpoint.status, 0, checkpoint.stdout + checkpoint.stderr);
});
test.after(cleanTempDirs);

/** A copy of the source repository, its ledger edited by `edit`, then `sealpack audit verify`. */
async function tampered(edit: (lines: string[]) => string[], ...args: string[]): Promise<RunResult> {
  const dir = await tempDir('sealpack-tampered-');
  await cp(join(source, '.sealpack'), join(dir, '.sealpack'), { recursive: true });
  await writeFile(
    eventsFile(dir),
    edit(await lines(dir))
      .map((l) => `${l}\n`)
      .join(''),
  );
  return runCli(['audit', 'verify', ...args], { cwd: dir });
}

test('8 parallel `sealpack sign` runs: 8 entries, none lost or torn; the whole ledger verifies', async () => {
  const all = (await lines(source)).map((l) => JSON.parse(l));
  assert.is(all.length, 17);
  assert.equal(
    all.map((e) => e.seq),
    [...Array(17).keys()],
  );
  const signs = all.filter((e) => e.command === 'sign');
  assert.equal(signs.map((e) => e.package.name).sort(), tarballs.map((_, i) => `pkg-${i}`).sort());
  const first = signs[0];
  assert.equal(first.keys, [{ fingerprint: first.keys[0].fingerprint, name: 'alice', algorithm: 'ed25519' }]);
  assert.match(first.package.integrity, /^sha512-/);
  const failed = all.find((e) => e.outcome === 'fail');
  assert.equal(failed.codes, ['ESEAL_MALFORMED']);
  const ok = runCli(['audit', 'verify', '--json'], { cwd: source });
  assert.is(ok.status, 0, ok.stdout + ok.stderr);
  assert.is(JSON.parse(ok.stdout).size, 17);
});

test("a checkpoint is checked by Sequoia's sqv too: the signature covers the three body lines", async () => {
  const text = await readFile(join(source, '.sealpack', 'ledger', 'checkpoint'), 'utf8');
  const [body, signature] = [text.slice(0, text.indexOf('\n\n') + 1), text.slice(text.indexOf('\n\n') + 2)];
  assert.match(body, /^sealpack ledger\n17\n[A-Za-z0-9+/]{43}=\n$/);
  const dir = await tempDir();
  await writeFile(join(dir, 'body'), body);
  await writeFile(join(dir, 'body.asc'), signature);
  const sqv = run('sqv', ['--keyring', join(KEYS, 'ed25519.pub.asc'), join(dir, 'body.asc'), join(dir, 'body')]);
  assert.is(sqv.status, 0, `sqv (is it installed?): ${sqv.stderr}`);
});

test('an edited entry: ESEAL_LEDGER naming it, exit 1', async () => {
  const result = await tampered((l) => l.map((line, i) => (i === 3 ? line.replace('"1.0.0"', '"1.0.1"') : line)));
  assert.is(result.status, 1);
  assert.match(result.stdout, /error ESEAL_LEDGER: .*entry 3 \(line 4\) was changed after it was written/);
  // The signed checkpoint catches it too.
  assert.match(result.stdout, /rewritten: the first 17 entries no longer match/);
});

test('a removed entry', async () => {
  const result = await tampered((l) => l.filter((_, i) => i !== 5));
  assert.is(result.status, 1);
  assert.match(result.stdout, /ESEAL_LEDGER: .*entry 5 \(line 6\): expected seq 5, found 6: entry 5 is missing \(removed\)/);
});

test('reordered entries', async () => {
  const result = await tampered((l) => [...l.slice(0, 2), l[3]!, l[2]!, ...l.slice(4)]);
  assert.is(result.status, 1);
  assert.match(result.stdout, /ESEAL_LEDGER: .*entry 2 \(line 3\): expected seq 2, found 3/);
});

test('an inserted entry, even one in the ledger format', async () => {
  const forged = (line: string) => line.replace(/"name":"pkg-\d"/, '"name":"evil"');
  const result = await tampered((l) => [...l.slice(0, 5), forged(l[4]!), ...l.slice(5)]);
  assert.is(result.status, 1);
  assert.match(result.stdout, /ESEAL_LEDGER: .*entry 5 \(line 6\): expected seq 5, found 4: seq 4 comes again or out of order/);
  const garbage = await tampered((l) => [...l.slice(0, 2), '{"hello":"world"}', ...l.slice(2)]);
  assert.is(garbage.status, 1);
  assert.match(garbage.stdout, /entry 2 \(line 3\) is not a ledger entry/);
});

test('a truncation behind the signed checkpoint', async () => {
  const result = await tampered((l) => l.slice(0, 14));
  assert.is(result.status, 1);
  assert.match(
    result.stdout,
    /ESEAL_LEDGER: .*truncated: .*checkpoint \(signed\) covers 17 entries, the log holds 14: entries 14\.\.16 were removed/,
  );
});

test('the last entry edited: only the checkpoint can tell, and it does', async () => {
  const result = await tampered((l) => l.map((line, i) => (i === 16 ? line.replace('"fail"', '"ok"') : line)));
  assert.is(result.status, 1);
  assert.match(result.stdout, /rewritten: the first 17 entries no longer match .* at or before entry 16 \(line 17\)/);
});

test('a rewrite behind an older checkpoint kept elsewhere: consistency proof from the old size to the new', async () => {
  const dir = await tempDir('sealpack-rewrite-');
  await cp(join(source, '.sealpack'), join(dir, '.sealpack'), { recursive: true });
  const kept = join(dir, 'kept-checkpoint');
  await copyFile(join(dir, '.sealpack', 'ledger', 'checkpoint'), kept);

  // Honest growth: more entries; the old checkpoint is consistent with the new log, with a proof.
  assert.is(runCli(['verify', tarballs[0]!], { cwd: dir }).status, 0);
  const grown = runCli(['audit', 'verify', '--json', '--checkpoint', kept], { cwd: dir });
  assert.is(grown.status, 0, grown.stdout + grown.stderr);
  const proof = JSON.parse(grown.stdout).proof;
  assert.is(proof.from, 17);
  assert.is(proof.to, 18);
  assert.ok(proof.hashes.length > 0);

  // A rewrite by someone holding the key: entry 2 changed, every later link recomputed, a new
  // checkpoint signed. The log is consistent with itself; the kept checkpoint disagrees.
  const events = (await readLedger(join(dir, '.sealpack', 'ledger'))).lines.map((l) => parseEntry(l.bytes)!);
  await rm(join(dir, '.sealpack', 'ledger'), { recursive: true });
  const rewritten: NewEvent[] = events.map(({ seq: _seq, prev: _prev, ...e }, i) =>
    i === 2 ? { ...e, package: { ...e.package!, name: 'rewritten' } } : e,
  );
  await appendEvents(join(dir, '.sealpack', 'ledger'), rewritten);
  assert.is(runCli(['audit', 'checkpoint', '--key', ALICE_KEY], { cwd: dir }).status, 0);
  assert.is(runCli(['audit', 'verify'], { cwd: dir }).status, 0);
  const caught = runCli(['audit', 'verify', '--checkpoint', kept], { cwd: dir });
  assert.is(caught.status, 1);
  assert.match(caught.stdout, /ESEAL_LEDGER: .*rewritten: the first 17 entries no longer match .*kept-checkpoint \(signed\)/);
});

test('a checkpoint not signed by a pinned key, or edited, is ESEAL_LEDGER; a malformed one too', async () => {
  const dir = await tempDir('sealpack-cp-');
  await cp(join(source, '.sealpack'), join(dir, '.sealpack'), { recursive: true });
  const file = join(dir, '.sealpack', 'ledger', 'checkpoint');
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace(/^sealpack ledger\n17\n/, 'sealpack ledger\n16\n'));
  const edited = runCli(['audit', 'verify'], { cwd: dir });
  assert.is(edited.status, 1);
  assert.match(edited.stdout, /ESEAL_LEDGER: .*checkpoint: expected a valid signature by a pinned key over the checkpoint/);

  await writeFile(file, text);
  assert.is(runCli(['audit', 'checkpoint', '--key', OTHER_KEY], { cwd: dir }).status, 0);
  const stranger = runCli(['audit', 'verify'], { cwd: dir });
  assert.is(stranger.status, 1);
  assert.match(stranger.stdout, /expected a valid signature by a pinned key over the checkpoint, found unknown key/);

  await writeFile(file, 'sealpack ledger\n17\nnot-base64\n\nsig');
  const malformed = runCli(['audit', 'verify'], { cwd: dir });
  assert.is(malformed.status, 1);
  assert.match(malformed.stdout, /ESEAL_LEDGER: .*not a sealpack checkpoint/);
});

test('a torn last line (a run killed mid-append) still verifies, with a warning; the next run repairs it', async () => {
  const dir = await tempDir('sealpack-torn-');
  await cp(join(source, '.sealpack'), join(dir, '.sealpack'), { recursive: true });
  await appendFile(eventsFile(dir), '{"seq":17,"prev":"9f');
  const result = runCli(['audit', 'verify'], { cwd: dir });
  assert.is(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /warning ESEAL_LEDGER: .*torn line/);
  const next = runCli(['verify', tarballs[1]!], { cwd: dir });
  assert.is(next.status, 0);
  assert.match(next.stderr, /ledger: removed a torn last line/);
  assert.is((await lines(dir)).length, 18);
  const repaired = runCli(['audit', 'verify'], { cwd: dir });
  assert.is((repaired.stdout + repaired.stderr).includes('torn'), false);
});

test('a run that stops with an error is recorded with its code', async () => {
  const dir = await repo();
  const tgz = await tarballIn(dir, 'nokey');
  const result = runCli(['sign', tgz], { cwd: dir, env: { SEALPACK_KEY: '' } });
  assert.is(result.status, 2);
  const [entry] = (await lines(dir)).map((l) => JSON.parse(l));
  assert.equal([entry.command, entry.outcome, entry.codes], ['sign', 'error', ['ESEAL_CONFIG']]);
});

test('no ledger folder and no `ledger` in the policy: nothing is written', async () => {
  const dir = await repo({ ledger: false });
  const tgz = await tarballIn(dir, 'plain');
  assert.is(runCli(['sign', tgz, '--key', ALICE_KEY], { cwd: dir }).status, 0);
  assert.not.ok(existsSync(join(dir, '.sealpack', 'ledger')));
  const audit = runCli(['audit', 'verify'], { cwd: dir });
  assert.is(audit.status, 2);
  assert.match(audit.stdout, /ESEAL_CONFIG: no ledger entries/);
});

test('`ledger` in the policy names the folder; a ledger that cannot be written never changes the verdict', async () => {
  const dir = await repo({ ledger: false, config: { ledger: 'audit/log' } });
  const tgz = await tarballIn(dir, 'named');
  assert.is(runCli(['sign', tgz, '--key', ALICE_KEY], { cwd: dir }).status, 0);
  assert.is((await readLedger(join(dir, 'audit', 'log'))).lines.length, 1);

  const blocked = await repo({ ledger: false, config: { ledger: 'blocked' } });
  await writeFile(join(blocked, 'blocked'), 'a file where the folder should be');
  const copy = join(blocked, 'named-1.0.0.tgz');
  for (const suffix of ['', '.asc', '.manifest.json', '.manifest.json.asc']) await copyFile(tgz + suffix, copy + suffix);
  const result = runCli(['verify', copy], { cwd: blocked });
  assert.is(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stderr, /warning: ledger: this run was not recorded/);
  const failing = runCli(['verify', join(blocked, 'blocked')], { cwd: blocked });
  assert.is(failing.status, 1);
});

test('alerts.webhook: a JSON POST for a failed verification, delivered to a local receiver', async () => {
  const received: { kind: string; text: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const dir = await repo({ config: { alerts: { webhook: `http://127.0.0.1:${port}/hook` } } });
    await writeFile(join(dir, 'bad-1.0.0.tgz'), 'not a tarball');
    const result = await runCliAsync(['verify', join(dir, 'bad-1.0.0.tgz')], dir);
    assert.is(result.status, 1);
    assert.equal(
      received.map((a) => [a.kind, a.text]),
      [['verification-failed', `sealpack verify: ${join(dir, 'bad-1.0.0.tgz')} FAILED (ESEAL_MALFORMED)`]],
    );
  } finally {
    server.close();
  }
});

test('alerts.webhook: an invalid URL is a configuration error', async () => {
  const dir = await repo({ config: { alerts: { webhook: 'slack please' } } });
  const result = runCli(['audit', 'report'], { cwd: dir });
  assert.is(result.status, 2);
  assert.match(result.stdout, /alerts\.webhook: expected an http\(s\) URL/);
});

test('audit report: --json and --markdown', async () => {
  const json = runCli(['audit', 'report', '--json'], { cwd: source });
  assert.is(json.status, 0, json.stdout + json.stderr);
  const report = JSON.parse(json.stdout);
  assert.is(report.integrity.ok, true);
  assert.equal(report.metrics.verification, { total: 9, passed: 8, failed: 1, rate: 8 / 9 });
  assert.is(report.metrics.timeToSign.count, 8);
  const markdown = runCli(['audit', 'report', '--markdown'], { cwd: source });
  assert.match(markdown.stdout, /## sealpack audit report/);
  assert.match(markdown.stdout, /\| verification success rate \| 88\.9% \|/);
});

test.run();
