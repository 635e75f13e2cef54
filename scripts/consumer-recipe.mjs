// The consumer recipe on real packages (issue 8): resolves the dependency tree of a few real
// packages from the public registry, fetches up to N of their tarballs with `npm pack`, seals
// each as it is (`sealpack seal`) and publishes it byte for byte into a local Verdaccio; then a
// consumer follows the README's recipe against it, and the script prints each step's time and
// verdict, then tries the attacks (a stripped seal, a swapped file) and prints those verdicts.
// Usage: node --import tsx scripts/consumer-recipe.mjs [--packages N] [--seed express,ms]   (build first: tsc -b)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKey } from '@sealpack/openpgp';
import { startRegistry } from '../test/helpers/registry.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const N = Number(option('--packages', 40));
const SEEDS = option('--seed', 'express').split(',');

const work = mkdtempSync(join(tmpdir(), 'sealpack-recipe-'));
const home = join(work, 'home');
mkdirSync(home);
writeFileSync(join(home, '.npmrc'), '');
// The consumer has sealpack as a devDependency; here the built CLI stands in for it on PATH
// (npm rebuild runs the root postinstall, `sealpack verify-installed`, too).
mkdirSync(join(home, 'bin'));
writeFileSync(join(home, 'bin', 'sealpack'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|sealpack_)/i.test(k))) };
Object.assign(env, {
  PATH: `${join(home, 'bin')}:${process.env.PATH}`,
  HOME: home,
  npm_config_userconfig: join(home, '.npmrc'),
  npm_config_cache: join(home, 'npm-cache'),
});
Object.assign(env, { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });

const run = (cmd, argv, cwd, extra = {}) => {
  const started = performance.now();
  const r = spawnSync(cmd, argv, { cwd, env: { ...env, ...extra }, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Math.round(performance.now() - started) };
};
const sealpack = (argv, cwd, extra) => run(process.execPath, [CLI, ...argv], cwd, extra);
const must = (r, what) => {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
};
const summaryOf = (r) => {
  // The report is on stdout (progress and warnings on stderr).
  const codes = [...new Set([...r.stdout.matchAll(/^error (ESEAL_\w+)/gm)].map((m) => m[1]))];
  return (
    (r.stdout.match(/^sealpack [\w-]+: .*$/m) ?? [r.stdout.trim().split('\n').pop()])[0] +
    (codes.length ? ` (${codes.join(', ')})` : '')
  );
};

// 1. The real tree, resolved from the public registry.
const resolver = join(work, 'resolve');
mkdirSync(resolver);
const seedDeps = Object.fromEntries(SEEDS.map((s) => [s, '*']));
writeFileSync(join(resolver, 'package.json'), JSON.stringify({ name: 'resolve', version: '1.0.0', dependencies: seedDeps }));
must(run('npm', ['install', '--package-lock-only', '--ignore-scripts'], resolver), 'resolving the seed tree');
const lock = JSON.parse(readFileSync(join(resolver, 'package-lock.json'), 'utf8'));
const tree = Object.entries(lock.packages)
  .filter(([path, p]) => path && !p.inBundle && !p.link)
  .map(([path, p]) => ({ name: p.name ?? path.slice(path.lastIndexOf('node_modules/') + 13), version: p.version }));
const unique = [...new Map(tree.map((p) => [`${p.name}@${p.version}`, p])).values()];
if (unique.length > N) console.log(`the seed tree has ${unique.length} packages; only the first ${N} are sealed`);
const chosen = unique.slice(0, N);

// 2. A registry holding them sealed: npm pack fetches each tarball, sealpack seal seals it as it is.
const registry = await startRegistry();
try {
  const key = await generateKey({ name: 'release', email: 'release@example.test' });
  const keyFile = join(work, 'release.key.asc');
  writeFileSync(keyFile, key.privateKey);
  const tarballs = join(work, 'tarballs');
  // `sealpack publish X.tgz` checks the seal against a pinned key before it uploads.
  mkdirSync(join(tarballs, '.sealpack', 'keys'), { recursive: true });
  writeFileSync(join(tarballs, '.sealpack', 'keys', 'release.asc'), key.publicKey);
  await registry.writeNpmrc(tarballs);
  let packMs = 0;
  let sealMs = 0;
  let publishMs = 0;
  for (const { name, version } of chosen) {
    const packed = must(
      run('npm', ['pack', `${name}@${version}`, '--registry', 'https://registry.npmjs.org/'], tarballs),
      `npm pack ${name}`,
    );
    packMs += packed.ms;
    const file = packed.stdout.trim().split('\n').pop();
    const sealed = must(sealpack(['seal', file, '--key', keyFile, '--out', 'sealed'], tarballs), `seal ${file}`);
    sealMs += sealed.ms;
    const published = must(sealpack(['publish', join('sealed', file), '--key', keyFile], tarballs), `publish ${file}`);
    publishMs += published.ms;
  }
  console.log(
    `${chosen.length} real packages: npm pack ${packMs} ms, sealpack seal ${sealMs} ms, sealpack publish ${publishMs} ms`,
  );

  // 3. The consumer: the README's recipe against the local registry.
  const consumer = join(work, 'consumer');
  mkdirSync(join(consumer, '.sealpack', 'keys'), { recursive: true });
  writeFileSync(join(consumer, '.sealpack', 'keys', 'release.asc'), key.publicKey);
  const deps = Object.fromEntries(
    SEEDS.filter((s) => chosen.some((p) => p.name === s)).map((s) => [s, chosen.find((p) => p.name === s).version]),
  );
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, dependencies: deps }),
  );
  await registry.writeNpmrc(consumer);
  must(sealpack(['init', '--consumer'], consumer), 'init --consumer');
  must(run('npm', ['install', '--package-lock-only', '--ignore-scripts'], consumer), 'npm install --package-lock-only');
  const steps = [
    ['sealpack verify-lockfile', () => sealpack(['verify-lockfile'], consumer)],
    ['npm ci --ignore-scripts', () => run('npm', ['ci', '--ignore-scripts'], consumer)],
    ['sealpack verify-installed', () => sealpack(['verify-installed'], consumer)],
    ['npm rebuild', () => run('npm', ['rebuild'], consumer)],
    ['sealpack verify-installed (after scripts)', () => sealpack(['verify-installed'], consumer)],
    ['sealpack verify-lockfile (warm)', () => sealpack(['verify-lockfile'], consumer)],
  ];
  for (const [label, step] of steps) {
    const r = step();
    console.log(`${label}: exit ${r.status}, ${r.ms} ms${label.startsWith('sealpack') ? `: ${summaryOf(r)}` : ''}`);
    if (r.status !== 0) console.log(r.stdout, r.stderr);
  }

  // 4. The attacks, on the installed tree.
  const victim = chosen.find(
    (p) => !p.name.startsWith('@') && readdirSync(join(consumer, 'node_modules', p.name)).includes('package.json'),
  );
  const dir = join(consumer, 'node_modules', victim.name);
  const main = readdirSync(dir).find((f) => f.endsWith('.js')) ?? 'package.json';
  writeFileSync(join(dir, main), `${readFileSync(join(dir, main), 'utf8')}\n// evil\n`);
  let r = sealpack(['verify-installed'], consumer);
  console.log(`attack: one file of ${victim.name} edited: exit ${r.status}: ${summaryOf(r)}`);
  rmSync(join(dir, '.sealpack'), { recursive: true, force: true });
  r = sealpack(['verify-installed'], consumer);
  console.log(`attack: and its seal stripped: exit ${r.status}: ${summaryOf(r)}`);
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
