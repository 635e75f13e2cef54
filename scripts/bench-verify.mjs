// Benchmark: one `sealpack verify` over N sealed tarballs (every check: manifest signature,
// trust, tarball digest, every file digest, identity) against a loop of `gpgv`, one process
// per tarball, that checks only the tarball signatures. Usage: node scripts/bench-verify.mjs [N] [--random]
// (BENCH_PROF=DIR writes a CPU profile of the sealpack run there.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from 'tar';
import { generateKey, readSigningKey } from '@sealpack/openpgp';
import { signTarball } from '@sealpack/sign';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages', 'cli', 'dist', 'bin.js');
const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 500);
const work = mkdtempSync(join(tmpdir(), 'sealpack-bench-'));
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

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
  for (const t of tarballs) totalBytes += (await import('node:fs')).statSync(t).size;
  console.log(
    `made ${count} sealed tarballs (${totalFiles} files, ${(totalBytes / 1e6).toFixed(1)} MB gzip) in ${(ms(makeStart) / 1000).toFixed(1)} s`,
  );

  const sealStart = process.hrtime.bigint();
  const verify = spawnSync(
    process.execPath,
    [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : []), cli, 'verify', ...tarballs],
    { cwd: consumer, encoding: 'utf8' },
  );
  const sealpackMs = ms(sealStart);
  if (verify.status !== 0) throw new Error(`sealpack verify failed:\n${verify.stderr.slice(-2000)}`);

  const gpgvStart = process.hrtime.bigint();
  for (const t of tarballs) {
    const r = spawnSync('gpgv', ['--keyring', join(work, 'keyring.gpg'), `${t}.asc`, t]);
    if (r.status !== 0) throw new Error(`gpgv failed on ${t}: ${r.stderr}`);
  }
  const gpgvMs = ms(gpgvStart);

  console.log(
    `sealpack verify (one process, all checks): ${sealpackMs.toFixed(0)} ms  (${(sealpackMs / count).toFixed(2)} ms/tarball)`,
  );
  console.log(
    `gpgv loop (one process per tarball, signature only): ${gpgvMs.toFixed(0)} ms  (${(gpgvMs / count).toFixed(2)} ms/tarball)`,
  );
  console.log(`ratio gpgv/sealpack: ${(gpgvMs / sealpackMs).toFixed(2)}x (target >= 2x)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
