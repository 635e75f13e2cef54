// Benchmark of `sealpack verify-installed` (issue 4): builds a tree of N sealed installed
// packages (default 1,000, about 100 MB, file counts and sizes skewed like npm's), then times
//   (a) reading and hashing every file with Node's crypto, one process (the floor),
//   (b) `sealpack verify-installed`, the CLI, one process, all its checks,
//   (c) a loop running `gpgv` once per package over its manifest (signatures only),
// and prints the times, b/a, c/b and sealpack's peak RSS on the whole tree and on a quarter
// of it (memory must not grow with the tree beyond the manifests).
// Usage: node scripts/bench-installed.mjs [--packages N] [--keep]   (build first: tsc -b)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildManifest, hashBytes, serializeManifest } from '@sealpack/manifest';
import { generateKey, readSigningKey } from '@sealpack/openpgp';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');
const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--packages') + 1] || 0) || 1000;
const keep = args.includes('--keep');

// A fixed-seed PRNG: the same tree on every run.
let seed = 0x5eed;
const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
// Log-normal draws: most files are small, a few are large, as in real packages.
const lognormal = (median, sigma) =>
  Math.exp(Math.log(median) + sigma * Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random()));

const work = mkdtempSync(join(tmpdir(), 'sealpack-bench-installed-'));
const consumer = join(work, 'consumer');
const small = join(work, 'quarter');
const ms = (t) => `${(t / 1000).toFixed(2)} s`;
const time = (fn) => {
  const start = performance.now();
  const result = fn();
  return { ms: performance.now() - start, result };
};

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

/** Runs the CLI in a child and reads its peak RSS from `process.resourceUsage()` at exit. */
function runSealpack(dir, nodeArgs = []) {
  const probe = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nSEALPACK_MAXRSS='+process.resourceUsage().maxRSS+'\\n'))`;
  // Trust comes from the working directory (the consumer's pinned keys), not from the tree verified.
  const child = spawnSync(process.execPath, [...nodeArgs, '--import', probe, CLI, 'verify-installed', dir, '--json'], {
    cwd: consumer,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const verdict = JSON.parse(child.stdout);
  const rss = Number(/SEALPACK_MAXRSS=(\d+)/.exec(child.stderr)?.[1] ?? 0) * 1024;
  return { status: child.status, verdict, rss, stderr: child.stderr };
}

const built = await build();
console.log(`tree: ${N} sealed packages, ${built.files} files, ${(built.bytes / 1e6).toFixed(1)} MB in ${consumer}`);

// Warm the page cache once so that (a) and (b) both read from memory.
hashAll(join(consumer, 'node_modules'));
// (a) and (b) alternate three times and the fastest of each counts: on a shared machine the
// minimum is the run least disturbed by other processes.
const as = [];
const bs = [];
for (let run = 0; run < 3; run++) {
  as.push(time(() => hashAll(join(consumer, 'node_modules'))));
  const b = time(() => runSealpack(consumer));
  if (b.result.status !== 0 || !b.result.verdict.ok) {
    console.error(b.result.stderr.slice(-2000));
    throw new Error(`sealpack verify-installed failed (exit ${b.result.status})`);
  }
  bs.push(b);
}
const fastest = (runs) => runs.reduce((best, r) => (r.ms < best.ms ? r : best));
const a = fastest(as);
const b = fastest(bs);
const all = (runs) => runs.map((r) => (r.ms / 1000).toFixed(2)).join(', ');
const quarter = runSealpack(small);
// Peak RSS includes garbage V8 has not collected yet: with the heap capped, the whole tree
// still verifies, so what it needs does not grow with the tree.
const capped = runSealpack(consumer, ['--max-old-space-size=32']);

const keyring = join(work, 'keyring.gpg');
const dearmor = spawnSync('gpg', ['--batch', '--dearmor', '--output', keyring], { input: built.publicKey });
if (dearmor.status !== 0) throw new Error(`gpg --dearmor failed: ${dearmor.stderr}`);
const c = time(() => {
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

const mb = (n) => `${(n / 1024 / 1024).toFixed(0)} MB`;
console.log(`(a) read + sha512 of every file, node crypto: ${ms(a.ms)} (${a.result} files; runs ${all(as)})`);
console.log(
  `(b) sealpack verify-installed (CLI, one process): ${ms(b.ms)} (${b.result.verdict.summary.passed} packages passed; runs ${all(bs)})`,
);
console.log(`(c) gpgv once per package over its manifest:     ${ms(c.ms)}`);
console.log(`b/a = ${(b.ms / a.ms).toFixed(2)} (target <= 2)   c/b = ${(c.ms / b.ms).toFixed(2)} (target >= 4)`);
console.log(`sealpack peak RSS: ${mb(b.result.rss)} on ${N} packages, ${mb(quarter.rss)} on ${quarter.verdict.summary.passed}`);
console.log(
  `with a 32 MB V8 heap cap: ${capped.status === 0 ? `${capped.verdict.summary.passed} packages passed` : `failed (exit ${capped.status})`}, peak RSS ${mb(capped.rss)}`,
);
if (!keep) rmSync(work, { recursive: true, force: true });
