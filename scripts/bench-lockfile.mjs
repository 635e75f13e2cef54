// Benchmark of `sealpack verify-lockfile` (issue 4): a package-lock.json pinning N sealed
// packages (default 1,000) served by a local registry; one cold run fills the seal cache,
// then the warm run is timed (targets: cold at most 3 s, warm at most 0.5 s) and must send no request.
// Usage: node scripts/bench-lockfile.mjs [--packages N] [--unsealed N] [--verdaccio] [--cli PATH]   (build first: tsc -b)
// --verdaccio: the documents are served by a real Verdaccio (its storage written directly, as if
// published), reached through a counting TCP pass-through; without it, by a stub in this process.
// --cli: another build's packages/cli/dist/bin.js (a before/after comparison on one machine state).
// CPU time (user + system, from GNU time when installed) is printed too: on a loaded machine it
// says more than the wall clock. BENCH_PROF=DIR writes a CPU profile of each sealpack run there.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, request } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildManifest, hashBytes, serializeManifest } from '@sealpack/manifest';
import { generateKey, readSigningKey } from '@sealpack/openpgp';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const CLI = args.includes('--cli') ? resolve(args[args.indexOf('--cli') + 1]) : join(ROOT, 'packages', 'cli', 'dist', 'bin.js');
const VERDACCIO = args.includes('--verdaccio');
const N = Number(args[args.indexOf('--packages') + 1] || 0) || 1000;
// How many of them the registry has no seal for (third-party packages): each run looks these up.
const UNSEALED = args.includes('--unsealed') ? Number(args[args.indexOf('--unsealed') + 1]) : 0;

const work = mkdtempSync(join(tmpdir(), 'sealpack-bench-lockfile-'));
const key = await generateKey({ name: 'bench', email: 'bench@example.test' });
const signer = await readSigningKey(key.privateKey);
mkdirSync(join(work, '.sealpack', 'keys'), { recursive: true });
writeFileSync(join(work, '.sealpack', 'keys', 'bench.asc'), key.publicKey);
writeFileSync(
  join(work, '.sealpackrc.json'),
  JSON.stringify({ trust: [{ packages: ['pkg-*', '@scope*/*'], keys: ['bench'] }], unsigned: 'allow' }),
);
writeFileSync(join(work, 'package.json'), '{"name":"bench-consumer","version":"1.0.0","private":true}');

const docs = new Map();
const packages = { '': { name: 'bench-consumer', version: '1.0.0' } };
for (let i = 0; i < N; i++) {
  const sealed = i >= UNSEALED;
  // Unsealed ones no trust rule covers, as third-party packages.
  const name = !sealed ? `ext-${i}` : i % 7 === 0 ? `@scope${i % 5}/pkg-${i}` : `pkg-${i}`;
  const version = `1.${i % 10}.${i % 3}`;
  const tarball = hashBytes(Buffer.from(`tarball ${name}@${version}`));
  const manifest = serializeManifest(buildManifest({ name, version, tarball }));
  const dist = {
    integrity: tarball.integrity,
    tarball: `http://x/${name}.tgz`,
    ...(sealed && { sealpack: { manifest: manifest.toString('utf8'), signature: await signer.sign(manifest) } }),
  };
  docs.set(name, JSON.stringify({ name, versions: { [version]: { name, version, dist } } }));
  if (VERDACCIO) {
    // Verdaccio's local storage, as a publish leaves it.
    const time = new Date(0).toISOString();
    mkdirSync(join(work, 'storage', name), { recursive: true });
    writeFileSync(
      join(work, 'storage', name, 'package.json'),
      JSON.stringify({
        name,
        versions: { [version]: { name, version, dist } },
        'dist-tags': { latest: version },
        time: { created: time, modified: time, [version]: time },
        _uplinks: {},
        _distfiles: {},
        _attachments: {},
        _rev: '1-0000000000000000',
      }),
    );
  }
  docs.set(`${name}/${version}`, JSON.stringify({ name, version, dist }));
  packages[`node_modules/${name}`] = { version, resolved: dist.tarball, integrity: tarball.integrity };
}
writeFileSync(join(work, 'package-lock.json'), JSON.stringify({ name: 'bench-consumer', lockfileVersion: 3, packages }));

let requests = 0;
let notModified = 0;
const upstream = VERDACCIO ? await startVerdaccio() : undefined;
// Verdaccio is reached through a TCP pass-through that counts request and 304 status lines in
// the bytes going by: it parses no HTTP (an HTTP proxy here took ~0.6 s of CPU per 1,000
// requests from the same two cores, a fifth of the cold run). A GET has no body, so each request
// line starts a segment or follows the blank line ending the previous request's headers.
const server = upstream
  ? createNetServer((client) => {
      const socket = connect(upstream.port, '127.0.0.1');
      client.on('data', (chunk) => (requests += chunk.toString('latin1').match(/(?:^|\r\n\r\n)[A-Z]+ \//g)?.length ?? 0));
      socket.on('data', (chunk) => (notModified += chunk.toString('latin1').match(/(?:^|\r\n)HTTP\/1\.[01] 304 /g)?.length ?? 0));
      client.pipe(socket).pipe(client);
      const close = () => (client.destroy(), socket.destroy());
      client.on('error', close);
      socket.on('error', close);
    })
  : createServer((req, res) => {
      requests++;
      const doc = docs.get(decodeURIComponent(req.url.slice(1)));
      // As registries do: an ETag, and a 304 without the body when the client names it.
      const etag = doc && `"${hashBytes(Buffer.from(doc)).integrity.slice(7, 27)}"`;
      if (etag && req.headers['if-none-match'] === etag) {
        notModified++;
        return res.writeHead(304, { etag }).end();
      }
      res.writeHead(doc ? 200 : 404, { 'content-type': 'application/json', ...(etag && { etag }) }).end(doc ?? '{}');
    });
let connections = 0;
server.on('connection', () => connections++);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const registry = `http://127.0.0.1:${server.address().port}/`;

const env = { ...process.env, SEALPACK_CACHE_DIR: join(work, 'cache'), NPM_CONFIG_USERCONFIG: join(work, 'none') };
const gnuTime = spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0;
const cpuFile = join(work, 'cpu.txt');
const prof = process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : [];
const run = () => {
  const start = performance.now();
  // Asynchronous spawn: the registry lives in this process and must keep answering.
  return new Promise((resolve) => {
    // From the consumer's folder: trust comes from the working directory.
    const argv = [process.execPath, ...prof, CLI, 'verify-lockfile', work, '--registry', registry, '--json'];
    const [command, ...rest] = gnuTime ? ['/usr/bin/time', '-f', '%U %S', '-o', cpuFile, ...argv] : argv;
    const child = spawn(command, rest, { cwd: work, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (status) => {
      const ms = performance.now() - start;
      const cpu = gnuTime
        ? readFileSync(cpuFile, 'utf8')
            .trim()
            .split(/\s+/)
            .map(Number)
            .reduce((a, b) => a + b, 0)
        : NaN;
      resolve({ status, out, err, ms, cpu });
    });
  });
};
const cpuOf = (r) => (gnuTime ? `, cpu ${r.cpu.toFixed(2)} s` : '');
const loadBefore = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
// CPU the registry side spends on the cold run (Verdaccio's process, this process's server or
// pass-through): on a 2-core machine it competes with sealpack for the same cores.
const registryCpu = () => {
  const own = process.cpuUsage();
  let verdaccio = 0;
  if (upstream) {
    const stat = readFileSync(`/proc/${upstream.child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    verdaccio = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks (USER_HZ 100) to ms
  }
  return { own: (own.user + own.system) / 1000, verdaccio };
};
const registryBefore = registryCpu();
const cold = await run();
const registryAfter = registryCpu();
const coldRequests = requests;
const coldConnections = connections;
// The fastest of three warm runs: on a shared machine, the one least disturbed.
const warms = [await run(), await run(), await run()];
const warm = warms.reduce((best, r) => (r.ms < best.ms ? r : best));
const warmRequests = requests - coldRequests;
const warmNotModified = notModified;
// Past the 5-minute window: every kept document is revalidated with its ETag (304s). The store's
// fetch times are moved back, as the clock moving on would; a build without the store has none.
const store = join(work, 'cache', 'documents-v1');
const aged = existsSync(store);
for (const file of aged ? readdirSync(store) : []) {
  const data = JSON.parse(readFileSync(join(store, file), 'utf8'));
  writeFileSync(join(store, file), JSON.stringify({ ...data, fetchedAt: data.fetchedAt - 10 * 60_000 }));
}
const revalidated = aged ? await run() : undefined;
server.close();
upstream?.child.kill();
for (const r of [cold, ...warms, ...(revalidated ? [revalidated] : [])]) {
  if (r.status !== 0) {
    console.error(r.err.slice(-2000));
    throw new Error(`verify-lockfile failed (exit ${r.status})`);
  }
}
const passed = JSON.parse(warm.out).summary.passed;
console.log(
  `lockfile: ${N - UNSEALED} sealed and ${UNSEALED} unsealed packages (package-lock.json v3), ${VERDACCIO ? 'local Verdaccio' : 'stub registry'}; ${CLI}`,
);
console.log(
  `cold run (fills the cache): ${(cold.ms / 1000).toFixed(2)} s${cpuOf(cold)} (target <= 3 s), ${coldRequests} requests on ${coldConnections} connections`,
);
console.log(
  `warm run: ${(warm.ms / 1000).toFixed(2)} s${cpuOf(warm)} (target <= 0.5 s; runs ${warms.map((r) => (r.ms / 1000).toFixed(2)).join(', ')}), ${warmRequests} requests in all (${warmNotModified} answered 304), ${passed} passed`,
);
console.log(
  `registry side during the cold run: ${VERDACCIO ? `Verdaccio cpu ${((registryAfter.verdaccio - registryBefore.verdaccio) / 1000).toFixed(2)} s, pass-through` : 'stub'} cpu ${((registryAfter.own - registryBefore.own) / 1000).toFixed(2)} s (this process)`,
);
if (revalidated) {
  console.log(
    `revalidation run (kept copies past the window): ${(revalidated.ms / 1000).toFixed(2)} s${cpuOf(revalidated)}, ${requests - coldRequests - warmRequests} requests (${notModified - warmNotModified} answered 304)`,
  );
}
console.log(
  `load average before/after: ${loadBefore} / ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
else console.log(work, registry);

/** Verdaccio on a free port over the storage written above: anyone may read, nothing goes upstream. */
async function startVerdaccio() {
  const port = await new Promise((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const config = join(work, 'verdaccio.yaml');
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(work, 'storage'))}`,
      `auth: { htpasswd: { file: ${JSON.stringify(join(work, 'htpasswd'))} } }`,
      'uplinks: {}',
      "packages: { '**': { access: $all, publish: $all } }",
      `listen: 127.0.0.1:${port}`,
      'log: { type: stdout, format: pretty, level: error }',
      '',
    ].join('\n'),
  );
  const bin = join(ROOT, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  const child = spawn(process.execPath, [bin, '--config', config], {
    stdio: 'ignore',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 300; i++) {
    const up = await new Promise((resolve) =>
      request(`${url}-/ping`, (res) => resolve(res.resume() && res.statusCode === 200))
        .on('error', () => resolve(false))
        .end(),
    );
    if (up) return { url, port, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error('verdaccio did not start within 30 s');
}
