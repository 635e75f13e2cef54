// Benchmark: one `sealpack verify` over N sealed tarballs (default 300; every check: manifest
// signature, trust, tarball digest, every file digest, identity) against a loop of `gpgv`, one
// process per tarball, that checks only the tarball signatures, and against the floor: reading,
// inflating and hashing every tarball and file in one Node thread. Prints wall and CPU time of
// each, the ratios, sealpack's peak RSS and the load average; the fastest of R interleaved runs counts.
// Usage: node scripts/bench-verify.mjs [N] [--runs R] [--random] [--keep] [--before BIN]
// (--keep leaves the tarballs and prints where; --before BIN also runs another build's
// packages/cli/dist/bin.js, interleaved, for a before/after in one run.)
// (BENCH_PROF=DIR writes CPU profiles of one more sealpack run there: main thread and workers.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { create } from 'tar';
import { Parser } from 'tar/parse';
import { generateKey, readSigningKey } from '@sealpack/openpgp';
import { signTarball } from '@sealpack/sign';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// What users run: the bin entry of sealpack's package.json.
const cli = join(
  root,
  'packages',
  'cli',
  JSON.parse(readFileSync(join(root, 'packages', 'cli', 'package.json'), 'utf8')).bin.sealpack,
);
const beforeAt = process.argv.indexOf('--before');
const before = beforeAt > 0 ? resolve(process.argv[beforeAt + 1]) : undefined;
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const count = Number(args.find((a, i) => /^\d+$/.test(a) && i !== runsAt + 1) ?? 300);
const work = mkdtempSync(join(tmpdir(), 'sealpack-bench-'));
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
// CPU time of this process and of the children it waited for, from /proc (clock ticks of 10 ms).
const cpuMs = () => {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000 + (Number(fields[13]) + Number(fields[14])) * 10;
};
const measure = (fn) => {
  const start = process.hrtime.bigint();
  const cpu = cpuMs();
  const result = fn();
  return { ms: ms(start), cpu: cpuMs() - cpu, result };
};

// Deterministic pseudo-random sizes: most files small, a few large, as in real packages.
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const fileSize = () => Math.floor(rand() < 0.8 ? 200 + rand() * 4000 : 4000 + rand() * 60000);
// Source-like text (compresses about as real JavaScript does), or incompressible bytes with --random.
const randomContent = process.argv.includes('--random');
const source = (size) => {
  if (randomContent) return randomBytes(size).toString('base64');
  let text = '';
  while (text.length < size) {
    const id = `v${Math.floor(rand() * 1e6).toString(36)}`;
    text += `export function ${id}(input, options = {}) {\n  const ${id}Result = input.map((x) => x * ${Math.floor(rand() * 100)});\n  return options.flag ? ${id}Result : null;\n}\n`;
  }
  return text.slice(0, size);
};

try {
  const key = await generateKey({ name: 'bench', email: 'bench@example.com' });
  const signer = await readSigningKey(key.privateKey);
  const consumer = join(work, 'consumer');
  mkdirSync(join(consumer, '.sealpack', 'keys'), { recursive: true });
  writeFileSync(join(consumer, '.sealpack', 'keys', 'bench.asc'), key.publicKey);
  const gnupg = join(work, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  const dearmor = spawnSync('gpg', ['--homedir', gnupg, '--batch', '--dearmor'], { input: key.publicKey });
  writeFileSync(join(work, 'keyring.gpg'), dearmor.stdout);

  const tarballs = [];
  let totalBytes = 0;
  let totalFiles = 0;
  const makeStart = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const name = `bench-pkg-${i}`;
    const src = join(work, 'src', name);
    const files = ['package.json'];
    mkdirSync(join(src, 'package', 'lib'), { recursive: true });
    writeFileSync(
      join(src, 'package', 'package.json'),
      JSON.stringify({ name, version: '1.0.0', main: 'lib/index.js' }, null, 2),
    );
    const n = 10 + Math.floor(rand() * 41) - 1;
    for (let f = 0; f < n; f++) {
      const path = `lib/file-${f}.js`;
      writeFileSync(join(src, 'package', path), source(fileSize()));
      files.push(path);
    }
    const tgz = join(work, 'tgz', `${name}-1.0.0.tgz`);
    mkdirSync(dirname(tgz), { recursive: true });
    await create(
      { gzip: true, file: tgz, cwd: src, portable: true },
      files.map((p) => `package/${p}`),
    );
    await signTarball(tgz, { signer });
    tarballs.push(tgz);
    totalFiles += files.length;
  }
  for (const t of tarballs) totalBytes += statSync(t).size;
  console.log(
    `made ${count} sealed tarballs (${totalFiles} files, ${(totalBytes / 1e6).toFixed(1)} MB gzip) in ${(ms(makeStart) / 1000).toFixed(1)} s`,
  );

  console.log(`load average at start (1, 5, 15 min): ${load()}`);

  // The floor: read, inflate and hash every tarball and every file in it, one thread, no checks.
  const floor = () => {
    for (const t of tarballs) {
      const bytes = readFileSync(t);
      createHash('sha512').update(bytes).digest('base64');
      const parser = new Parser();
      parser.on('entry', (entry) => {
        const hash = createHash('sha512');
        entry.on('data', (chunk) => hash.update(chunk));
        entry.on('end', () => hash.digest('base64'));
      });
      parser.end(gunzipSync(bytes));
    }
  };
  const sealpack = (extra = [], bin = cli) => {
    // Peak RSS, and each thread's CPU time from /proc (clock ticks): the main thread is the first.
    const probe = `data:text/javascript,import{readdirSync as d,readFileSync as r}from'node:fs';process.on('exit',()=>{const u=process.resourceUsage();const t=d('/proc/self/task').map((id)=>{try{const f=r('/proc/self/task/'+id+'/stat','utf8').split(') ')[1].split(' ');return(Number(f[11])+Number(f[12]))*10}catch{return 0}});process.stderr.write('\\nSEALPACK_USAGE='+u.maxRSS+' '+t.join(',')+'\\n')})`;
    const r = spawnSync(process.execPath, [...extra, '--import', probe, bin, 'verify', ...tarballs], {
      cwd: consumer,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`sealpack verify failed:\n${(r.stdout + r.stderr).slice(-2000)}`);
    const [, rss, tasks] = /SEALPACK_USAGE=(\d+) ([\d,]*)/.exec(r.stderr) ?? [];
    const [main = 0, ...others] = (tasks ?? '').split(',').map(Number);
    return { rss: Number(rss ?? 0) * 1024, main, busiest: Math.max(0, ...others) };
  };
  const gpgv = () => {
    for (const t of tarballs) {
      const r = spawnSync('gpgv', ['--keyring', join(work, 'keyring.gpg'), `${t}.asc`, t]);
      if (r.status !== 0) throw new Error(`gpgv failed on ${t}: ${r.stderr}`);
    }
  };
  floor(); // warm the page cache
  const fl = [];
  const sp = [];
  const gp = [];
  const bp = [];
  // Interleaved, the fastest of each counts: on a shared machine, the run least disturbed.
  for (let run = 0; run < runs; run++) {
    fl.push(measure(floor));
    sp.push(measure(() => sealpack()));
    if (before) bp.push(measure(() => sealpack([], before)));
    gp.push(measure(gpgv));
  }
  if (process.env.BENCH_PROF) sealpack(['--cpu-prof', '--cpu-prof-dir', resolve(process.env.BENCH_PROF)]);
  const best = (list) => list.reduce((a, b) => (b.ms < a.ms ? b : a));
  const [f, s, g] = [best(fl), best(sp), best(gp)];
  const line = (r) => `${r.ms.toFixed(0)} ms wall, ${r.cpu.toFixed(0)} ms CPU (${(r.ms / count).toFixed(2)} ms/tarball)`;
  const all = (list) => list.map((r) => `${r.ms.toFixed(0)}/${r.cpu.toFixed(0)}`).join(', ');
  console.log(`floor (read + inflate + sha512, one thread, no checks): ${line(f)}`);
  const threads = (r) => `main thread ${r.result.main} ms CPU, busiest other thread ${r.result.busiest} ms (a worker)`;
  console.log(
    `sealpack verify (one process, all checks): ${line(s)}, peak RSS ${(s.result.rss / 1048576).toFixed(0)} MB; ${threads(s)}`,
  );
  if (before) {
    const b = best(bp);
    console.log(
      `the same, ${before}: ${line(b)}, peak RSS ${(b.result.rss / 1048576).toFixed(0)} MB; ${threads(b)}; gpgv/it: ${(g.ms / b.ms).toFixed(2)}x wall`,
    );
  }
  console.log(`gpgv loop (one process per tarball, signature only): ${line(g)}`);
  console.log(`runs wall/CPU ms: floor ${all(fl)}; sealpack ${all(sp)}; gpgv ${all(gp)}${before ? `; before ${all(bp)}` : ''}`);
  console.log(
    `gpgv/sealpack: ${(g.ms / s.ms).toFixed(2)}x wall, ${(g.cpu / s.cpu).toFixed(2)}x CPU (target >= 3x wall); sealpack/floor: ${(s.ms / f.ms).toFixed(2)}x wall`,
  );
  console.log(`load average at end (1, 5, 15 min): ${load()}`);
} finally {
  if (args.includes('--keep')) console.log(`kept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
