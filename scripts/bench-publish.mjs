// Benchmark of `sealpack publish` (issue 3): what sealing adds to a plain `npm publish`.
// Starts a Verdaccio (test/helpers/registry.ts, through tsx), makes N small packages, and
//   (a) times `npm publish` of each (the baseline: npm packs and uploads),
//   (b) times `sealpack publish` of an identical copy (npm pack + embed + sign + upload),
//   (c) times `npm pack` alone: sealpack runs it as a child, so publishing starts npm twice,
//   (d) times, in process, only what sealpack adds per package: embedding and signing the
//       seal into an npm-packed tarball, the detached seal, the registry seal,
// then prints the medians and b - a. Target for (d): under 50 ms per package.
// Usage: node scripts/bench-publish.mjs [--packages N]   (build first: tsc -b)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { buildManifest, readTarball, serializeManifest } from '@sealpack/manifest';
import { generateKey, readSigningKey } from '@sealpack/openpgp';
import { sealTarballBytes } from '@sealpack/publish';
import { signTarball } from '@sealpack/sign';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');
const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--packages') + 1] || 0) || 10;

const { startRegistry } = await tsImport(pathToFileURL(join(ROOT, 'test', 'helpers', 'registry.ts')).href, import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'sealpack-bench-publish-'));
const registry = await startRegistry();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => `${x.toFixed(1)} ms`;

try {
  const key = await generateKey({ name: 'bench', email: 'bench@example.com' });
  const keyFile = join(work, 'bench.key.asc');
  writeFileSync(keyFile, key.privateKey);
  writeFileSync(join(work, 'user.npmrc'), '');
  const env = {
    ...process.env,
    npm_config_userconfig: join(work, 'user.npmrc'),
    npm_config_cache: join(work, 'cache'),
    npm_config_update_notifier: 'false',
  };
  for (const name of Object.keys(env))
    if (/^(npm_(?!config_(userconfig|cache|update_notifier))|pnpm_|sealpack_)/i.test(name)) delete env[name];

  // Packages of a realistic small size: a dozen files, ~40 KB.
  const makePackage = (name) => {
    const dir = join(work, name);
    mkdirSync(join(dir, 'lib'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'lib/index.js' }, null, 2));
    // Random text: the tarball is about as big as the files, as for minified code.
    for (let i = 0; i < 12; i++)
      writeFileSync(join(dir, 'lib', `m${i}.js`), `module.exports = '${randomBytes(2400).toString('base64')}';\n`);
    writeFileSync(join(dir, '.npmrc'), registry.npmrc);
    return dir;
  };
  const time = (cmd, cmdArgs, cwd) => {
    const start = performance.now();
    const r = spawnSync(cmd, cmdArgs, { cwd, env, encoding: 'utf8' });
    const ms = performance.now() - start;
    if (r.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(' ')}: ${r.stderr}`);
    return ms;
  };

  const plain = [];
  const sealed = [];
  const packs = [];
  for (let i = 0; i < N; i++) {
    // Alternate, so that a warming disk or registry favours neither.
    plain.push(time('npm', ['publish', '--ignore-scripts'], makePackage(`bench-plain-${i}`)));
    sealed.push(time(process.execPath, [CLI, 'publish', '--key', keyFile], makePackage(`bench-sealed-${i}`)));
    const dest = join(work, `pack-${i}`);
    mkdirSync(dest);
    packs.push(time('npm', ['pack', '--pack-destination', dest], join(work, `bench-plain-${i}`)));
  }

  // (c) in process: an npm-packed tarball, sealed N times.
  const signer = await readSigningKey(key.privateKey);
  const packDir = join(work, 'packed');
  mkdirSync(packDir);
  spawnSync('npm', ['pack', '--pack-destination', packDir], { cwd: makePackage('bench-inproc'), env });
  const tgz = readFileSync(join(packDir, readdirSync(packDir)[0]));
  const inproc = [];
  for (let i = 0; i < N + 3; i++) {
    const start = performance.now();
    const result = await sealTarballBytes(tgz, { signer });
    const out = join(work, `inproc-${i}.tgz`);
    writeFileSync(out, result.bytes);
    await signTarball(out, { signer });
    const contents = await readTarball(result.bytes);
    await signer.sign(
      serializeManifest(buildManifest({ name: result.name, version: result.version, tarball: contents.tarball })),
    );
    // The first runs warm up OpenPGP.js and the JIT: not what a release sees per package.
    if (i >= 3) inproc.push(performance.now() - start);
  }

  console.log(
    `sealpack publish vs npm publish, ${N} packages of ${tgz.length} bytes packed, Verdaccio on 127.0.0.1 (node ${process.version})`,
  );
  console.log(`  npm publish (median)                 ${fmt(median(plain))}`);
  console.log(`  sealpack publish (median)            ${fmt(median(sealed))}`);
  console.log(`  added by sealpack (median b - a)     ${fmt(median(sealed) - median(plain))}`);
  console.log(`  of which a second npm start (npm pack) ${fmt(median(packs))}`);
  console.log(`  sealing + signing only, in process   ${fmt(median(inproc))} per package (target < 50 ms)`);
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
