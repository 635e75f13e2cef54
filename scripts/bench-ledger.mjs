// Benchmark: what the audit ledger adds to `sealpack sign` and `sealpack verify` of N packages
// (one run each, as a release or a CI check does): the same work in a repository without a
// ledger and in one with `.sealpack/ledger`, alternating, best of R rounds.
// Usage: node scripts/bench-ledger.mjs [N=1000] [--rounds R=2]
// On a busy machine the two sides' noise can exceed the ledger's cost, so the ledger's own work
// (what the command wrapper adds: load the policy and keyring, build and append N entries) is
// also timed in-process and set against the runs.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from 'tar';
import { recordRun } from '@sealpack/ledger';
import { loadPolicy, readKeyring } from '@sealpack/trust';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages', 'cli', 'dist', 'bin.js');
const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1000);
const roundsAt = process.argv.indexOf('--rounds');
const rounds = roundsAt === -1 ? 2 : Number(process.argv[roundsAt + 1]);
const work = mkdtempSync(join(tmpdir(), 'sealpack-bench-ledger-'));
const keys = join(root, 'test', 'fixtures', 'keys');

function sealpack(args, cwd) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0)
    throw new Error(`sealpack ${args[0]} exited ${result.status}: ${(result.stdout + result.stderr).slice(-2000)}`);
  if (/ledger: /.test(result.stderr)) throw new Error(`ledger warning: ${result.stderr.match(/.*ledger: .*/)[0]}`);
  return ms;
}

try {
  // N small packages, packed once; each round copies them into a fresh repository.
  const made = join(work, 'made');
  for (let i = 0; i < count; i++) {
    const src = join(work, 'src', `p${i}`, 'package');
    mkdirSync(join(src, 'lib'), { recursive: true });
    writeFileSync(join(src, 'package.json'), JSON.stringify({ name: `bench-ledger-${i}`, version: '1.0.0' }));
    writeFileSync(join(src, 'lib', 'index.js'), `module.exports = ${i};\n`.repeat(40));
    mkdirSync(made, { recursive: true });
    await create({ gzip: true, file: join(made, `p${i}.tgz`), cwd: join(work, 'src', `p${i}`), portable: true }, [
      'package/package.json',
      'package/lib/index.js',
    ]);
  }

  function repository(name, ledger) {
    const dir = join(work, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, '.sealpack', 'keys'), { recursive: true });
    if (ledger) mkdirSync(join(dir, '.sealpack', 'ledger'));
    copyFileSync(join(keys, 'ed25519.pub.asc'), join(dir, '.sealpack', 'keys', 'alice.asc'));
    const tarballs = [];
    for (let i = 0; i < count; i++) {
      copyFileSync(join(made, `p${i}.tgz`), join(dir, `p${i}.tgz`));
      tarballs.push(join(dir, `p${i}.tgz`));
    }
    return { dir, tarballs };
  }

  const best = { sign: [Infinity, Infinity], verify: [Infinity, Infinity] };
  for (let round = 0; round < rounds; round++) {
    // Alternate which side goes first, so a machine that speeds up or slows down hurts both.
    for (const ledger of round % 2 ? [true, false] : [false, true]) {
      const { dir, tarballs } = repository(ledger ? 'with' : 'without', ledger);
      const side = ledger ? 1 : 0;
      best.sign[side] = Math.min(best.sign[side], sealpack(['sign', ...tarballs, '--key', join(keys, 'ed25519.key.asc')], dir));
      best.verify[side] = Math.min(best.verify[side], sealpack(['verify', ...tarballs], dir));
      if (ledger) {
        const lines = readFileSync(join(dir, '.sealpack', 'ledger', 'events.jsonl'), 'utf8')
          .split('\n')
          .filter(Boolean);
        if (lines.length !== 2 * count) throw new Error(`expected ${2 * count} ledger entries, found ${lines.length}`);
      }
    }
  }
  // The wrapper's work for one run of N subjects, best of 5, each into a fresh ledger.
  let own = Infinity;
  for (let i = 0; i < 5; i++) {
    const { dir } = repository('own', true);
    const facts = Array.from({ length: count }, (_, j) => ({
      outcome: 'ok',
      package: { name: `bench-ledger-${j}`, version: '1.0.0', integrity: 'sha512-' + 'A'.repeat(86) + '==' },
      artifact: join(dir, `p${j}.tgz`),
      keys: [{ fingerprint: '3E53F5D09D5A777597D3020C5E6312DFD884E6CB' }],
      durationMs: 9,
    }));
    const start = process.hrtime.bigint();
    const { policy } = await loadPolicy({ cwd: dir });
    const pinned = (await readKeyring(policy.keyring)).keys;
    await recordRun(policy.ledger.path, {
      command: 'sign',
      facts,
      started: new Date(),
      durationMs: 1,
      env: process.env,
      tool: 'bench',
      describeKey: (fp) => pinned.find((k) => k.key.fingerprint === fp) && { name: 'alice' },
    });
    own = Math.min(own, Number(process.hrtime.bigint() - start) / 1e6);
  }
  console.log(`sealpack ledger benchmark: ${count} packages, best of ${rounds} round(s)`);
  for (const [what, [without, withLedger]] of Object.entries(best)) {
    const overhead = ((withLedger - without) / without) * 100;
    console.log(
      `${what.padEnd(7)} without ledger ${without.toFixed(0).padStart(7)} ms   with ledger ${withLedger.toFixed(0).padStart(7)} ms   ledger adds ${overhead.toFixed(1)}%`,
    );
  }
  console.log(
    `ledger's own work for ${count} entries (policy, keyring, append; in-process): ${own.toFixed(0)} ms = ${((own / best.sign[0]) * 100).toFixed(1)}% of sign, ${((own / best.verify[0]) * 100).toFixed(1)}% of verify`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
