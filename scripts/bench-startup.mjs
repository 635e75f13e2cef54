// Benchmark: start-up. A bare `node -e 0` against `sealpack --version`, `sealpack --help` and
// `sealpack verify` of one sealed tarball (a consumer with a config file and a pinned key), run
// through the installed entry (package.json "bin"), interleaved, medians of N runs each; and
// which heavy libraries each command loaded. Run it with the Node to measure:
//   node scripts/bench-startup.mjs [N]   (needs the build: npm run build)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateKey, readSigningKey } from '@sealpack/openpgp';
import { signTarball } from '@sealpack/sign';
import { create } from 'tar';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliPackage = join(root, 'packages', 'cli');
const cli = join(cliPackage, JSON.parse(readFileSync(join(cliPackage, 'package.json'), 'utf8')).bin.sealpack);
const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20);
const work = mkdtempSync(join(tmpdir(), 'sealpack-bench-startup-'));
const HEAVY = ['openpgp', 'ajv', 'cosmiconfig', 'tar', 'minizlib', 'picomatch', 'semver', 'js-yaml', 'ini', 'parse-json', 'cac'];

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

try {
  const key = await generateKey({ name: 'bench', email: 'bench@example.com' });
  const consumer = join(work, 'consumer');
  mkdirSync(join(consumer, '.sealpack', 'keys'), { recursive: true });
  writeFileSync(join(consumer, '.sealpack', 'keys', 'bench.asc'), key.publicKey);
  writeFileSync(join(consumer, '.sealpackrc.json'), JSON.stringify({ trust: [{ packages: 'bench-*', keys: ['bench'] }] }));
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  const src = join(work, 'src');
  mkdirSync(join(src, 'package', 'lib'), { recursive: true });
  writeFileSync(join(src, 'package', 'package.json'), JSON.stringify({ name: 'bench-one', version: '1.0.0' }));
  for (let f = 0; f < 12; f++) writeFileSync(join(src, 'package', 'lib', `f${f}.js`), `exports.f${f} = ${f};\n`.repeat(100));
  const tarball = join(work, 'bench-one-1.0.0.tgz');
  await create({ gzip: true, file: tarball, cwd: src, portable: true }, ['package']);
  await signTarball(tarball, { signer: await readSigningKey(key.privateKey) });

  // Which packages a command loads: a resolve hook records each resolved URL in a file.
  const hook = join(work, 'hook.mjs');
  const log = join(work, 'loaded.txt');
  writeFileSync(
    hook,
    `import { appendFileSync } from 'node:fs';\n` +
      `export async function resolve(specifier, context, next) {\n` +
      `  const result = await next(specifier, context);\n` +
      `  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');\n  return result;\n}\n`,
  );
  const register = join(work, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
  // CommonJS modules (Ajv, cosmiconfig, semver) load through require, which the hook does not see.
  const requireHook = join(work, 'require-hook.cjs');
  writeFileSync(
    requireHook,
    `const Module = require('node:module'); const fs = require('node:fs'); const load = Module._load;\n` +
      `Module._load = function (request, parent) { try { fs.appendFileSync(${JSON.stringify(log)}, Module._resolveFilename(request, parent) + '\\n'); } catch {} return load.apply(this, arguments); };\n`,
  );

  const commands = {
    'node -e 0': ['-e', '0'],
    'sealpack --version': [cli, '--version'],
    'sealpack --help': [cli, '--help'],
    'sealpack verify (1 tarball)': [cli, 'verify', tarball],
  };
  // Where verify's time goes: its modules imported alone, each step including the ones above it
  // (OpenPGP.js as sealpack loads it, its minified CommonJS build; then the sealpack modules
  // verify imports, through the subpath exports it uses; then the command).
  const openpgpCjs = createRequire(join(root, 'packages', 'openpgp', 'package.json')).resolve('openpgp');
  const dist = (pkg, file) => join(root, 'packages', pkg, 'dist', file);
  const importOf = (...files) => [
    '--input-type=module',
    '-e',
    files.map((file) => `await import(${JSON.stringify(pathToFileURL(file).href)});`).join(' '),
  ];
  const ladder = {
    'require openpgp (OpenPGP.js)': ['-e', `require(${JSON.stringify(openpgpCjs)})`],
    'import @sealpack/openpgp': importOf(dist('openpgp', 'key.js'), dist('openpgp', 'signature.js')),
    'import @sealpack/manifest': importOf(
      dist('openpgp', 'key.js'),
      dist('openpgp', 'signature.js'),
      dist('manifest', 'index.js'),
    ),
    'import @sealpack/trust': importOf(dist('trust', 'trust.js'), dist('trust', 'judgement.js'), dist('manifest', 'index.js')),
    'import @sealpack/verify': importOf(dist('trust', 'trust.js'), dist('verify', 'tarball.js')),
    // The command imports the trust and verification modules when it runs: the same, and its own.
    'import the verify command': importOf(
      join(cliPackage, 'dist', 'commands', 'verify.js'),
      dist('trust', 'trust.js'),
      dist('verify', 'tarball.js'),
    ),
  };
  for (const [name, args] of Object.entries(commands)) {
    if (name.startsWith('node')) continue;
    writeFileSync(log, '');
    const r = spawnSync(process.execPath, ['--require', requireHook, '--import', pathToFileURL(register).href, ...args], {
      cwd: consumer,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`${name} failed:\n${r.stdout}${r.stderr}`);
    const urls = readFileSync(log, 'utf8');
    const loaded = HEAVY.filter((p) => urls.includes(`/node_modules/${p}/`));
    console.log(`${name.padEnd(28)} loads: ${loaded.length ? loaded.join(', ') : 'none of ' + HEAVY.join(', ')}`);
  }

  // Wall time, and CPU time: on a machine other work keeps busy, CPU time says more about what
  // start-up costs. Each process reports its own (user + system, every thread, microseconds) as
  // it exits, through a preload that every command gets alike, `node -e 0` included.
  const cpuFile = join(work, 'cpu.txt');
  const cpuHook = join(work, 'cpu.cjs');
  writeFileSync(
    cpuHook,
    `process.on('exit', () => { const u = process.cpuUsage(); require('node:fs').writeFileSync(${JSON.stringify(cpuFile)}, String((u.user + u.system) / 1000)); });\n`,
  );
  const loadBefore = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const timed = { ...commands, ...ladder };
  const wall = Object.fromEntries(Object.keys(timed).map((name) => [name, []]));
  const cpu = Object.fromEntries(Object.keys(timed).map((name) => [name, []]));
  // The CLI turns Node 22+'s compile cache on (its default folder); the imports alone get the same.
  const cached = { ...process.env, NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache') };
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of Object.entries(timed)) {
      const start = process.hrtime.bigint();
      const r = spawnSync(process.execPath, ['--require', cpuHook, ...args], {
        cwd: consumer,
        stdio: 'ignore',
        ...(name in ladder ? { env: cached } : {}),
      });
      wall[name].push(ms(start));
      if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
      cpu[name].push(Number(readFileSync(cpuFile, 'utf8')));
    }
  }
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `\nmedians of ${runs} interleaved runs (node ${process.version}; load average before: ${loadBefore}, after: ${load()}):`,
  );
  const baseWall = median(wall['node -e 0']);
  const baseCpu = median(cpu['node -e 0']);
  for (const name of Object.keys(timed)) {
    if (name === Object.keys(ladder)[0]) console.log(`where verify's CPU goes (modules imported alone, cumulative):`);
    const w = median(wall[name]);
    const c = median(cpu[name]);
    console.log(
      `${name.padEnd(28)} wall ${w.toFixed(1).padStart(7)} ms  ${(w / baseWall).toFixed(2)}x` +
        `   cpu ${c.toFixed(1).padStart(6)} ms  ${(c / baseCpu).toFixed(2)}x`,
    );
  }
  console.log('targets: --version <= 1.3x, verify of one tarball <= 2x');
} finally {
  rmSync(work, { recursive: true, force: true });
}
