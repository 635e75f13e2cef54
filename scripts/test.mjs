// The test runner. Unit tests (test/<package>/*.test.ts) run first, from the sources (the
// `sealpack-source` export condition, TypeScript through tsx: no build needed), spread over the
// cores; then, after `tsc -b` when --build is given, the end-to-end suites (test/e2e/), which run
// the built CLI against real tools. It ends with one line per run, which .ci/run reads:
//   sealpack tests (node vX): N passed, N failed, N skipped
// Options: a regex on test file paths (`verify/lockfile`, `test/e2e/seal`); --build; --unit
// (units only); --coverage (`npm test` gives it): V8 coverage of every process, the CLI's too,
// reported by c8 for packages/ and plugins/.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const uvuBin = join(root, 'node_modules', 'uvu', 'bin.js');
const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
const pattern = new RegExp(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? '\\.test\\.ts$');
const coverage = flags.has('--coverage');

/** Test files relative to test/, chosen by the pattern (tried on `x/y.test.ts` and `test/x/y.test.ts`). */
const chosen = readdirSync(join(root, 'test'), { recursive: true })
  .map((file) => String(file).split('\\').join('/'))
  .filter((file) => file.endsWith('.test.ts') && (pattern.test(file) || pattern.test(`test/${file}`)))
  .sort();
const units = chosen.filter((file) => !file.startsWith('e2e/'));
const e2e = flags.has('--unit') ? [] : chosen.filter((file) => file.startsWith('e2e/'));

// NO_COLOR alone: with FORCE_COLOR set too, Node warns in every child process.
const { FORCE_COLOR: _ignored, ...baseEnv } = process.env;
const coverageDir = coverage ? mkdtempSync(join(tmpdir(), 'sealpack-coverage-')) : undefined;
const env = { ...baseEnv, NO_COLOR: '1' };
// Units: every process is measured (few start others). End-to-end: only the CLI's processes, through
// a wrapper (test/helpers/cli-coverage.mjs), not the npm, pnpm and Verdaccio processes around them.
const unitEnv = coverageDir ? { ...env, NODE_V8_COVERAGE: coverageDir } : env;
const e2eEnv = coverageDir ? { ...env, COVERAGE_SEALPACK: coverageDir } : env;

const escape = (file) => file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs uvu over `files` in one process; resolves with its counts and its output. */
function runUvu(files, nodeArgs, { echo, env }) {
  return new Promise((resolve) => {
    const only = `^(${files.map(escape).join('|')})$`;
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', uvuBin, 'test', only], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let out = '';
    const take = (stream) => (chunk) => {
      out += chunk;
      if (echo) stream.write(chunk);
    };
    child.stdout.on('data', take(process.stdout));
    child.stderr.on('data', take(process.stderr));
    child.on('close', (code) => {
      const count = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(out)?.[1] ?? 0);
      const total = count('Total');
      const passed = count('Passed');
      const skipped = count('Skipped');
      // A crash before uvu's summary (a suite that throws while loading) is one failure at least.
      const failed = Math.max(total - passed - skipped, code === 0 && total > 0 ? 0 : 1);
      resolve({ passed, failed, skipped, out });
    });
  });
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const add = (r) => {
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
};

// Units import the packages' sources through this export condition: a package without it would
// be read from its build, a second copy of the modules beside the sources (or none, unbuilt).
const withoutSource = ['packages', 'plugins']
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(group, name)))
  .filter((dir) => existsSync(join(root, dir, 'src', 'index.ts')))
  .map((dir) => join(dir, 'package.json'))
  .filter((file) => JSON.parse(readFileSync(join(root, file), 'utf8')).exports?.['.']?.['sealpack-source'] !== './src/index.ts');
if (units.length && withoutSource.length) {
  process.stdout.write(`\nexpected exports["."]["sealpack-source"] = "./src/index.ts" in ${withoutSource.join(', ')}\n`);
  totals.failed++;
}

if (units.length) {
  // Shards of about equal size, largest files first, each to the lightest shard: a file's size
  // is a rough measure of its cost, and alternate files left one process with most of the work.
  const shards = Math.max(1, Math.min(availableParallelism(), 4, units.length));
  const groups = Array.from({ length: shards }, () => ({ files: [], bytes: 0 }));
  const sized = units.map((file) => ({ file, bytes: statSync(join(root, 'test', file)).size }));
  for (const { file, bytes } of sized.sort((a, b) => b.bytes - a.bytes || (a.file < b.file ? -1 : 1))) {
    const lightest = groups.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    lightest.files.push(file);
    lightest.bytes += bytes;
  }
  const started = performance.now();
  const results = await Promise.all(
    groups.map(({ files }) => runUvu(files, ['--conditions=sealpack-source'], { echo: shards === 1, env: unitEnv })),
  );
  // Output of parallel shards is printed whole, one after the other, not interleaved.
  if (shards > 1) for (const r of results) process.stdout.write(r.out);
  results.forEach(add);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`\nunit tests from sources: ${units.length} files, ${shards} processes, ${seconds} s\n`);
}

if (e2e.length) {
  if (flags.has('--build')) {
    process.stdout.write('\nbuilding for the end-to-end tests: tsc -b\n');
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  add(await runUvu(e2e, [], { echo: true, env: e2eEnv }));
}

if (coverageDir) {
  const c8 = join(root, 'node_modules', 'c8', 'bin', 'c8.js');
  const report = execFileSync(
    process.execPath,
    [
      c8,
      'report',
      '--temp-directory',
      coverageDir,
      '--include',
      'packages/*/src/**',
      '--include',
      'plugins/*/src/**',
      '--exclude',
      '**/*.types.ts',
      '--exclude',
      '**/*.d.ts',
      '--exclude',
      '**/*.generated.ts',
      // Filters apply to the sources the built files map back to, not to dist/.
      '--exclude-after-remap',
      '--all',
      '--reporter',
      'text-summary',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  rmSync(coverageDir, { recursive: true, force: true });
  const lines = /Lines\s*:\s*([\d.]+)%\s*\(\s*(\d+)\/(\d+)\s*\)/.exec(report);
  process.stdout.write(`\n${report.trim()}\n`);
  if (lines) {
    process.stdout.write(
      `sealpack coverage (node ${process.version}): ${lines[1]}% of lines in packages/ and plugins/ (${lines[2]}/${lines[3]})\n`,
    );
  }
}

const total = totals.passed + totals.failed + totals.skipped;
process.stdout.write(
  `\nsealpack tests (node ${process.version}): ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`,
);
process.exit(totals.failed === 0 && total > 0 ? 0 : 1);
