// Benchmark of `sealpack verify-installed` (issue 10): builds a tree of N sealed installed
// packages (default 1,000, about 100 MB, file counts and sizes skewed like npm's), then times
//   (a) reading and hashing every file with Node's crypto, one thread (the floor),
//   (b) `sealpack verify-installed`, the CLI, one process, all its checks,
//   (c) a loop running `gpgv` once per package over its manifest (signatures only),
// and prints wall and CPU time of each, b/a, c/b, the load average, and sealpack's peak RSS
// on the whole tree and on a quarter of it (memory must not grow with the tree beyond the manifests).
// Usage: node scripts/bench-installed.mjs [--packages N] [--runs R] [--keep | --tree DIR] [--no-gpgv] [--prof DIR] [--before BIN]
//   --keep leaves the tree and prints its folder; --tree DIR measures a tree kept earlier (no rebuild);
//   --no-gpgv skips (c) (at 10,000 packages it takes minutes); --prof DIR writes CPU profiles of one
//   more sealpack run (main thread and hash workers) there; --before BIN also runs another build's
//   packages/cli/dist/bin.js, interleaved, for a before/after in one run. Build first: tsc -b.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildManifest, hashBytes, serializeManifest } from '@sealpack/manifest';
import { generateKey, readSigningKey } from '@sealpack/openpgp';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// What users run: the bin entry of sealpack's package.json.
const CLI = join(
  ROOT,
  'packages',
  'cli',
  JSON.parse(readFileSync(join(ROOT, 'packages', 'cli', 'package.json'), 'utf8')).bin.sealpack,
);
const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const treeOption = option('--tree');
const N = Number(option('--packages') || 0) || 1000;
const RUNS = Number(option('--runs') || 0) || 3;
const prof = option('--prof');
const keep = args.includes('--keep') || treeOption !== undefined;
const skipGpgv = args.includes('--no-gpgv');
const before = option('--before') && resolve(option('--before'));

// A fixed-seed PRNG: the same tree on every run.
let seed = 0x5eed;
const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
// Log-normal draws: most files are small, a few are large, as in real packages.
const lognormal = (median, sigma) =>
  Math.exp(Math.log(median) + sigma * Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random()));

const work = treeOption ? resolve(treeOption) : mkdtempSync(join(tmpdir(), 'sealpack-bench-installed-'));
const consumer = join(work, 'consumer');
const small = join(work, 'quarter');
const ms = (t) => `${(t / 1000).toFixed(2)} s`;
// CPU time of this process and of its children waited for (gpgv): /proc/self/stat, clock ticks of 10 ms.
const childrenCpuMs = () => {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
};
const ownCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const time = (fn) => {
  const start = performance.now();
  const cpu = ownCpuMs() + childrenCpuMs();
  const result = fn();
  return { ms: performance.now() - start, cpu: ownCpuMs() + childrenCpuMs() - cpu, result };
};
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function build() {
  const key = await generateKey({ name: 'bench', email: 'bench@example.test' });
  const signer = await readSigningKey(key.privateKey);
  mkdirSync(join(consumer, '.sealpack', 'keys'), { recursive: true });
  writeFileSync(join(consumer, '.sealpack', 'keys', 'bench.asc'), key.publicKey);
  writeFileSync(join(consumer, '.sealpackrc.json'), JSON.stringify({ trust: [{ packages: '**', keys: ['bench'] }] }));
  writeFileSync(join(consumer, 'package.json'), '{"name":"bench-consumer","version":"1.0.0","private":true}');
  mkdirSync(join(small, 'node_modules'), { recursive: true });
  for (const f of ['.sealpackrc.json', 'package.json']) writeFileSync(join(small, f), readFileSync(join(consumer, f)));
  mkdirSync(join(small, '.sealpack', 'keys'), { recursive: true });
  writeFileSync(join(small, '.sealpack', 'keys', 'bench.asc'), key.publicKey);
  const manifests = [];
  let bytes = 0;
  let files = 0;
  for (let i = 0; i < N; i++) {
    const name = i % 7 === 0 ? `@scope${i % 5}/pkg-${i}` : `pkg-${i}`;
    const version = `1.${i % 10}.${i % 3}`;
    const dir = join(consumer, 'node_modules', name);
    const count = Math.max(3, Math.min(400, Math.round(lognormal(18, 1.0))));
    const content = { 'package.json': Buffer.from(JSON.stringify({ name, version, main: 'index.js' }, null, 2)) };
    for (let f = 0; f < count; f++) {
      const size = Math.max(40, Math.min(2_000_000, Math.round(lognormal(1250, 1.3))));
      const buffer = Buffer.alloc(size);
      for (let b = 0; b < size; b += 4) buffer.writeUInt32LE((random() * 0xffffffff) >>> 0, Math.min(b, size - 4));
      content[`${f % 4 === 0 ? 'lib/' : f % 4 === 1 ? 'dist/esm/' : ''}file-${f}.js`] = buffer;
    }
    const listed = [];
    for (const [path, data] of Object.entries(content)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), data);
      listed.push({ path, ...hashBytes(data) });
      bytes += data.length;
      files++;
    }
    listed.sort((a, b) => (a.path < b.path ? -1 : 1));
    const manifest = serializeManifest(buildManifest({ name, version, files: listed }));
    mkdirSync(join(dir, '.sealpack'), { recursive: true });
    writeFileSync(join(dir, '.sealpack', 'manifest.json'), manifest);
    writeFileSync(join(dir, '.sealpack', 'manifest.json.asc'), await signer.sign(manifest));
    manifests.push(dir);
    // A quarter of the tree, copied into a second project, for the memory comparison.
    if (i < N / 4) cpSync(dir, join(small, 'node_modules', name), { recursive: true });
  }
  return { publicKey: key.publicKey, manifests, bytes, files };
}

/** (a): walk the tree and hash every file, synchronously (fastest in one thread for small files). */
function hashAll(dir) {
  let count = 0;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        createHash('sha512').update(readFileSync(path)).digest('base64');
        count++;
      }
    }
  };
  walk(dir);
  return count;
}

/**
 * Runs the CLI in a child and reads its peak RSS and CPU time (every thread) from
 * `process.resourceUsage()` at exit.
 */
function runSealpack(dir, nodeArgs = [], cli = CLI) {
  // The main thread's own CPU time comes from /proc/self/task/PID/stat (clock ticks of 10 ms).
  const probe = `data:text/javascript,import{readFileSync as r}from'node:fs';process.on('exit',()=>{const u=process.resourceUsage();const f=r('/proc/self/task/'+process.pid+'/stat','utf8').split(') ')[1].split(' ');process.stderr.write('\\nSEALPACK_USAGE='+u.maxRSS+','+(u.userCPUTime+u.systemCPUTime)+','+(Number(f[11])+Number(f[12]))*10000+'\\n')})`;
  // Trust comes from the working directory (the consumer's pinned keys), not from the tree verified.
  const child = spawnSync(process.execPath, [...nodeArgs, '--import', probe, cli, 'verify-installed', dir, '--json'], {
    cwd: consumer,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  // A run that died (out of memory under a heap cap) printed no verdict.
  let verdict;
  try {
    verdict = JSON.parse(child.stdout);
  } catch {
    verdict = undefined;
  }
  const [maxRss, cpu, mainCpu] = (/SEALPACK_USAGE=(\d+),(\d+),(\d+)/.exec(child.stderr) ?? [0, 0, 0, 0]).slice(1).map(Number);
  return { status: child.status, verdict, rss: maxRss * 1024, cpu: cpu / 1000, mainCpu: mainCpu / 1000, stderr: child.stderr };
}

const built = treeOption ? JSON.parse(readFileSync(join(work, 'tree.json'), 'utf8')) : await build();
if (!treeOption) writeFileSync(join(work, 'tree.json'), JSON.stringify(built));
console.log(
  `tree: ${built.manifests.length} sealed packages, ${built.files} files, ${(built.bytes / 1e6).toFixed(1)} MB in ${consumer}`,
);
console.log(`load average at start (1, 5, 15 min): ${load()}`);

// Warm the page cache once so that (a) and (b) both read from memory.
hashAll(join(consumer, 'node_modules'));
// (a) and (b) alternate and the fastest of each counts: on a shared machine the minimum is
// the run least disturbed by other processes.
const as = [];
const bs = [];
const befores = [];
const timeSealpack = (cli) => {
  const b = time(() => runSealpack(consumer, [], cli));
  if (b.result.status !== 0 || !b.result.verdict?.ok) {
    console.error(b.result.stderr.slice(-2000));
    throw new Error(`sealpack verify-installed failed (exit ${b.result.status})`);
  }
  // The child's own count covers its worker threads; the parent's view of it is the same process.
  b.cpu = b.result.cpu;
  return b;
};
for (let run = 0; run < RUNS; run++) {
  as.push(time(() => hashAll(join(consumer, 'node_modules'))));
  bs.push(timeSealpack(CLI));
  if (before) befores.push(timeSealpack(before));
}
const fastest = (runs) => runs.reduce((best, r) => (r.ms < best.ms ? r : best));
const a = fastest(as);
const b = fastest(bs);
const all = (runs) => runs.map((r) => `${(r.ms / 1000).toFixed(2)}/${(r.cpu / 1000).toFixed(2)}`).join(', ');
const quarter = runSealpack(small);
// Peak RSS includes garbage V8 has not collected yet: with the heap capped, the whole tree
// still verifies, so what it needs does not grow with the tree.
const capped = runSealpack(consumer, ['--max-old-space-size=32']);
if (prof) {
  mkdirSync(prof, { recursive: true });
  // Node writes one profile per thread: the main thread's and each hash worker's.
  runSealpack(consumer, ['--cpu-prof', '--cpu-prof-dir', resolve(prof)]);
  console.log(`CPU profiles (main thread and workers): ${resolve(prof)}`);
}

let c;
if (!skipGpgv) {
  const keyring = join(work, 'keyring.gpg');
  const dearmor = spawnSync('gpg', ['--batch', '--yes', '--dearmor', '--output', keyring], { input: built.publicKey });
  if (dearmor.status !== 0) throw new Error(`gpg --dearmor failed: ${dearmor.stderr}`);
  c = time(() => {
    for (const dir of built.manifests) {
      const r = spawnSync('gpgv', [
        '--keyring',
        keyring,
        join(dir, '.sealpack', 'manifest.json.asc'),
        join(dir, '.sealpack', 'manifest.json'),
      ]);
      if (r.status !== 0) throw new Error(`gpgv failed for ${dir}: ${r.stderr}`);
    }
  });
}

const mb = (n) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const cpu = (r) => `CPU ${ms(r.cpu)}`;
console.log(`(a) read + sha512 of every file, node crypto, one thread: ${ms(a.ms)}, ${cpu(a)} (${a.result} files)`);
console.log(
  `(b) sealpack verify-installed (CLI, one process):       ${ms(b.ms)}, ${cpu(b)}, of which main thread ${ms(b.result.mainCpu)} (${b.result.verdict.summary.passed} packages passed)`,
);
if (before) {
  const b0 = fastest(befores);
  console.log(
    `(b0) the same, ${before}: ${ms(b0.ms)}, ${cpu(b0)}, of which main thread ${ms(b0.result.mainCpu)}, peak RSS ${mb(b0.result.rss)}; b0/a = ${(b0.ms / a.ms).toFixed(2)} wall`,
  );
}
console.log(`    runs wall/CPU s: (a) ${all(as)}; (b) ${all(bs)}${before ? `; (b0) ${all(befores)}` : ''}`);
if (c) console.log(`(c) gpgv once per package over its manifest:             ${ms(c.ms)}, ${cpu(c)}`);
console.log(
  `b/a = ${(b.ms / a.ms).toFixed(2)} wall, ${(b.cpu / a.cpu).toFixed(2)} CPU (target <= 1.2 wall)` +
    (c ? `   c/b = ${(c.ms / b.ms).toFixed(2)} wall, ${(c.cpu / b.cpu).toFixed(2)} CPU (target >= 5 wall)` : ''),
);
console.log(
  `sealpack peak RSS: ${mb(b.result.rss)} on ${built.manifests.length} packages, ${mb(quarter.rss)} on ${quarter.verdict.summary.passed}`,
);
console.log(
  `with a 32 MB V8 heap cap: ${capped.status === 0 ? `${capped.verdict.summary.passed} packages passed` : `failed (exit ${capped.status})`}, peak RSS ${mb(capped.rss)}`,
);
console.log(`load average at end (1, 5, 15 min): ${load()}`);
if (keep) console.log(`tree kept: --tree ${work}`);
else rmSync(work, { recursive: true, force: true });
