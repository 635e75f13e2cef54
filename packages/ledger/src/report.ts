import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Anomaly } from './anomalies.js';
import type { Metrics } from './metrics.js';

/** What `sealpack audit report` shows: the metrics, the anomalies, and the audit of the log itself. */
export interface LedgerReport {
  generated: string;
  ledger: string;
  integrity: { ok: boolean; size: number; root: string; problems: string[] };
  metrics: Metrics;
  anomalies: Anomaly[];
}

const pct = (rate: number | null) => (rate === null ? 'n/a' : `${(rate * 100).toFixed(1)}%`);
const ms = (value: number | null) => (value === null ? 'n/a' : `${Math.round(value)} ms`);
// Table cells: a `|` would split the cell, a newline the row, and `<` could start HTML in a step summary.
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ').replace(/</g, '&lt;');

/** GitHub-flavoured Markdown, e.g. for `$GITHUB_STEP_SUMMARY`. */
export function renderMarkdown(report: LedgerReport): string {
  const { metrics: m, anomalies, integrity } = report;
  const out: string[] = [
    '## sealpack audit report',
    '',
    `Ledger \`${report.ledger}\`: ${m.events} entries${m.from ? ` from ${m.from} to ${m.to}` : ''}. ` +
      (integrity.ok ? `Integrity verified (root \`${integrity.root}\`).` : `**Integrity check FAILED** (ESEAL_LEDGER).`),
    '',
  ];
  for (const problem of integrity.problems) out.push(`- ${cell(problem)}`);
  if (integrity.problems.length) out.push('');
  out.push(
    '| metric | value |',
    '| --- | --- |',
    `| verifications | ${m.verification.total} (${m.verification.failed} failed) |`,
    `| verification success rate | ${pct(m.verification.rate)} |`,
    `| time to sign p50 / p95 | ${ms(m.timeToSign.p50)} / ${ms(m.timeToSign.p95)} (${m.timeToSign.count} signing events) |`,
    '',
    `### Anomalies (${anomalies.length})`,
    '',
  );
  if (anomalies.length === 0) out.push('None.', '');
  else {
    out.push('| entry | time | kind | what |', '| --- | --- | --- | --- |');
    for (const a of anomalies) out.push(`| ${a.seq} | ${a.time} | ${a.kind} | ${cell(a.message)} |`);
    out.push('');
  }
  if (m.findingsByCode.length) {
    out.push('### Findings by code', '', '| code | events |', '| --- | --- |');
    for (const row of m.findingsByCode) out.push(`| ${row.code} | ${row.count} |`);
    out.push('', '### Findings by package', '', '| package | events |', '| --- | --- |');
    for (const row of m.findingsByPackage.slice(0, 20)) out.push(`| ${cell(row.package)} | ${row.count} |`);
    out.push('');
  }
  if (m.perKeyDay.length) {
    out.push('### Events per key and day', '', '| day | key | events |', '| --- | --- | --- |');
    for (const row of m.perKeyDay.slice(-30))
      out.push(`| ${row.day} | ${cell(row.name ?? '')} \`${row.fingerprint.slice(-16)}\` | ${row.count} |`);
    out.push('');
  }
  return out.join('\n');
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// The page's data goes in a JSON script element: `<` escaped so no value can end the element.
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** Chart.js's own UMD build, read from its npm package and inlined: the page works offline. */
function chartLibrary(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
}

/** One self-contained HTML page: tables, and charts drawn by the inlined Chart.js. */
export function renderHtml(report: LedgerReport): string {
  const { metrics: m, anomalies, integrity } = report;
  // Every column but the last holds short values (entry, time, kind, count) that read best unwrapped.
  const rows = (cells: string[][]) =>
    cells
      .map((r) => `<tr>${r.map((c, i) => `<td${i < r.length - 1 ? ' class="nowrap"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`)
      .join('');
  const shortTime = (time: string) => time.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z');
  const tiles: [string, string][] = [
    ['entries', String(m.events)],
    ['verification success', pct(m.verification.rate)],
    ['verifications failed', String(m.verification.failed)],
    ['time to sign p50', ms(m.timeToSign.p50)],
    ['time to sign p95', ms(m.timeToSign.p95)],
    ['anomalies', String(anomalies.length)],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sealpack audit report</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: #f6f7f9; color: #1f2328; }
  header { background: #1f2937; color: #fff; padding: 16px 28px; }
  header h1 { margin: 0; font-size: 20px; }
  header p { margin: 4px 0 0; color: #cbd5e1; font-size: 13px; word-break: break-all; }
  main { padding: 20px 28px; max-width: 1200px; }
  .status { padding: 10px 14px; border-radius: 6px; margin-bottom: 16px; font-weight: 600; }
  .ok { background: #dcfce7; color: #14532d; } .bad { background: #fee2e2; color: #7f1d1d; }
  .tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; margin-bottom: 16px; }
  .tile { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 12px; }
  .tile b { display: block; font-size: 22px; } .tile span { color: #6b7280; font-size: 12px; }
  .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin-bottom: 16px; }
  .card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px 14px; }
  .card h2 { font-size: 15px; margin: 0 0 8px; }
  .chart { position: relative; height: 240px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eef0f2; vertical-align: top; }
  th { color: #6b7280; font-weight: 600; }
  .empty { color: #6b7280; }
  td.nowrap { white-space: nowrap; }
</style>
</head>
<body>
<header><h1>sealpack audit report</h1><p>${escapeHtml(report.ledger)} · ${m.events} entries${m.from ? ` · ${escapeHtml(m.from)} → ${escapeHtml(m.to!)}` : ''} · generated ${escapeHtml(report.generated)}</p></header>
<main>
<div class="status ${integrity.ok ? 'ok' : 'bad'}">${integrity.ok ? `Ledger integrity verified: ${integrity.size} entries, root ${escapeHtml(integrity.root)}` : `Ledger integrity check FAILED (ESEAL_LEDGER): ${integrity.problems.map(escapeHtml).join('; ')}`}</div>
<div class="tiles">${tiles.map(([label, value]) => `<div class="tile"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`).join('')}</div>
<div class="charts">
  <div class="card"><h2>Events per day</h2><div class="chart"><canvas id="perDay"></canvas></div></div>
  <div class="card"><h2>Verification success rate per day</h2><div class="chart"><canvas id="successRate"></canvas></div></div>
  <div class="card"><h2>Events per key and day</h2><div class="chart"><canvas id="perKey"></canvas></div></div>
  <div class="card"><h2>Findings by code</h2><div class="chart"><canvas id="byCode"></canvas></div></div>
</div>
<div class="card"><h2>Anomalies (${anomalies.length})</h2>${
    anomalies.length
      ? `<table><thead><tr><th>entry</th><th>time</th><th>kind</th><th>what</th></tr></thead><tbody>${rows(anomalies.map((a) => [String(a.seq), shortTime(a.time), a.kind, a.message]))}</tbody></table>`
      : '<p class="empty">None.</p>'
  }</div>
<p></p>
<div class="card"><h2>Findings by package</h2>${
    m.findingsByPackage.length
      ? `<table><thead><tr><th>package</th><th>failed events</th></tr></thead><tbody>${rows(m.findingsByPackage.slice(0, 25).map((r) => [r.package, String(r.count)]))}</tbody></table>`
      : '<p class="empty">None.</p>'
  }</div>
</main>
<script type="application/json" id="data">${scriptJson(m)}</script>
<script>${chartLibrary()}</script>
<script>
(function () {
  var m = JSON.parse(document.getElementById('data').textContent);
  var palette = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#4b5563'];
  var uniq = function (xs) { return xs.filter(function (x, i) { return xs.indexOf(x) === i; }); };
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  var days = uniq(m.perDay.map(function (r) { return r.day; }));
  var commands = uniq(m.perDay.map(function (r) { return r.command; })).sort();
  new Chart(document.getElementById('perDay'), { type: 'bar', data: { labels: days, datasets: commands.map(function (c, i) {
    return { label: c, backgroundColor: palette[i % palette.length], data: days.map(function (d) {
      var row = m.perDay.find(function (r) { return r.day === d && r.command === c; }); return row ? row.count : 0; }) };
  }) }, options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } });
  new Chart(document.getElementById('successRate'), { type: 'line', data: { labels: m.verificationPerDay.map(function (r) { return r.day; }),
    datasets: [{ label: 'passed %', borderColor: '#16a34a', backgroundColor: '#16a34a', data: m.verificationPerDay.map(function (r) { return Math.round(1000 * r.passed / r.total) / 10; }) }] },
    options: { scales: { y: { min: 0, max: 100 } } } });
  var keyDays = uniq(m.perKeyDay.map(function (r) { return r.day; }));
  var keys = uniq(m.perKeyDay.map(function (r) { return r.fingerprint; }));
  new Chart(document.getElementById('perKey'), { type: 'bar', data: { labels: keyDays, datasets: keys.map(function (k, i) {
    var named = m.perKeyDay.find(function (r) { return r.fingerprint === k && r.name; });
    return { label: (named ? named.name + ' ' : '') + k.slice(-8), backgroundColor: palette[i % palette.length], data: keyDays.map(function (d) {
      var row = m.perKeyDay.find(function (r) { return r.day === d && r.fingerprint === k; }); return row ? row.count : 0; }) };
  }) }, options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } });
  new Chart(document.getElementById('byCode'), { type: 'bar', data: { labels: m.findingsByCode.map(function (r) { return r.code; }),
    datasets: [{ label: 'events', backgroundColor: '#dc2626', data: m.findingsByCode.map(function (r) { return r.count; }) }] },
    options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } } });
  // For tests and monitors: how many charts were drawn.
  document.documentElement.setAttribute('data-charts', String(Object.keys(Chart.instances).length));
})();
</script>
</body>
</html>
`;
}
