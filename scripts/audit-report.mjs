// Renders `sealpack audit report --html` for a sample ledger (three weeks of signing and
// verifying, with failures and anomalies) in headless Chromium and saves a screenshot.
// Usage: node scripts/audit-report.mjs [OUT.png]   (default: docs/audit-report.png)
// Prints the HTML file, the screenshot, and how many charts the page drew (from its DOM).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendEvents } from '@sealpack/ledger';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages', 'cli', 'dist', 'bin.js');
const out = resolve(process.argv[2] ?? join(root, 'docs', 'audit-report.png'));
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'sealpack-report-'));

// Deterministic pseudo-random numbers: the same picture every run.
let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;

const RELEASE = { fingerprint: '3E53F5D09D5A777597D3020C5E6312DFD884E6CB', name: 'release-bot', algorithm: 'ed25519' };
const ALICE = { fingerprint: '9B7C1F2A66D0E4A1C3B5D7E9F0A2B4C6D8E0F1A3', name: 'alice', algorithm: 'ed25519' };
const STRANGER = { fingerprint: 'D41D8CD98F00B204E9800998ECF8427E5A4C1B20', name: 'unknown', algorithm: 'rsa3072' };
const PACKAGES = ['@acme/widget', '@acme/gadget', '@acme/core', '@acme/cli', 'left-pad-ng'];
const who = { user: 'octocat', ci: { provider: 'github-actions', runId: '1042', workflow: 'release' } };

function sampleEvents() {
  const events = [];
  const start = Date.UTC(2026, 9, 5);
  for (let day = 0; day < 21; day++) {
    const date = new Date(start + day * 86_400_000);
    const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6;
    const signs = weekend ? 0 : 1 + Math.floor(rand() * 3) + (day === 17 ? 14 : 0);
    for (let i = 0; i < signs; i++) {
      const name = PACKAGES[Math.floor(rand() * PACKAGES.length)];
      const key = day === 10 && i === 0 ? STRANGER : rand() < 0.8 ? RELEASE : ALICE;
      const hour = day === 9 && i === 0 ? 2 : 9 + Math.floor(rand() * 8);
      events.push({
        time: new Date(date.getTime() + hour * 3_600_000 + i * 60_000).toISOString(),
        command: rand() < 0.5 ? 'publish' : 'sign',
        run: `sign-${day}-${i}`,
        outcome: 'ok',
        codes: [],
        package: { name, version: `1.${day}.${i}` },
        keys: [key],
        who,
        durationMs: Math.round(300 + rand() * 900 + (rand() < 0.1 ? 2500 : 0)),
        tool: 'sealpack@0.1.0',
      });
    }
    const verifies = 20 + Math.floor(rand() * 30);
    for (let i = 0; i < verifies; i++) {
      const burst = day === 15 && i < 7;
      const fails = burst || rand() < 0.03;
      const code = burst ? 'ESEAL_INTEGRITY' : ['ESEAL_UNSIGNED', 'ESEAL_KEY_SCOPE', 'ESEAL_EXTRA_FILE'][Math.floor(rand() * 3)];
      events.push({
        time: new Date(date.getTime() + (burst ? 14 * 3_600_000 + i * 30_000 : 7 * 3_600_000 + i * 600_000)).toISOString(),
        command: ['verify', 'verify-installed', 'verify-lockfile'][i % 3],
        run: `verify-${day}`,
        outcome: fails ? 'fail' : 'ok',
        codes: fails ? [code] : [],
        package: { name: PACKAGES[i % PACKAGES.length], version: '1.0.0' },
        keys: fails ? [] : [RELEASE],
        who,
        durationMs: Math.round(20 + rand() * 60),
        tool: 'sealpack@0.1.0',
      });
    }
  }
  return events.sort((a, b) => (a.time < b.time ? -1 : 1));
}

try {
  const repo = join(work, 'repo');
  mkdirSync(join(repo, '.sealpack', 'keys'), { recursive: true });
  copyFileSync(join(root, 'test', 'fixtures', 'keys', 'ed25519.pub.asc'), join(repo, '.sealpack', 'keys', 'release-bot.asc'));
  const config = {
    alerts: { signingWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: '08:00-19:00', timeZone: 'UTC' } },
  };
  writeFileSync(join(repo, '.sealpackrc.json'), JSON.stringify(config));
  await appendEvents(join(repo, '.sealpack', 'ledger'), sampleEvents());
  const html = join(work, 'audit-report.html');
  const report = spawnSync(process.execPath, [cli, 'audit', 'report', '--html', html], { cwd: repo, encoding: 'utf8' });
  if (report.status !== 0) throw new Error(`sealpack audit report exited ${report.status}: ${report.stdout}${report.stderr}`);

  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--hide-scrollbars',
    `--user-data-dir=${join(work, 'profile')}`,
  ];
  const page = `file://${html}`;
  mkdirSync(dirname(out), { recursive: true });
  const shot = spawnSync(chromium, [...flags, `--screenshot=${out}`, '--window-size=1280,1500', page], { encoding: 'utf8' });
  if (shot.error || shot.status !== 0)
    throw new Error(`chromium could not take the screenshot: ${shot.error?.message ?? shot.stderr}`);
  const dom = spawnSync(chromium, [...flags, '--dump-dom', page], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (dom.error || dom.status !== 0) throw new Error(`chromium could not load the page: ${dom.error?.message ?? dom.stderr}`);
  const charts = /data-charts="(\d+)"/.exec(dom.stdout)?.[1] ?? '0';
  console.log(`html: ${html}\nscreenshot: ${out}\ncharts drawn: ${charts}`);
  if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
} catch (error) {
  rmSync(work, { recursive: true, force: true });
  console.error(String(error?.message ?? error));
  process.exit(1);
}
