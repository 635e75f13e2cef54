// Bounded mutation fuzzing of everything sealpack reads (issue 13): sealed tarballs (detached
// and embedded seals), manifests, signatures, lockfiles and installed files. Each case mutates
// one input of a genuine, passing setup and runs the real verification on it, in a worker
// thread watched by a clock: a case that ends in no verdict within --timeout is a hang, an error
// that is not a coded SealError is a crash, a passing verdict for input that means something
// else than the sealed one is accepted. Prints tried / accepted / equivalent / crashes / hangs;
// exits 1 when any of accepted, crashes or hangs is not 0.
//   node scripts/fuzz.mjs [--count 10000] [--seed 1] [--timeout 20000] [--kinds tarball,manifest,...]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export const KINDS = ['tarball', 'embedded', 'manifest', 'signature', 'lockfile', 'installed'];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

/** A small deterministic PRNG (mulberry32): the same seed, the same mutations. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x20, 0x2f, 0x2e, 0x30, 0x37, 0x22, 0x3d, 0x5c];

/** One to four random edits of `bytes`: bit flips, interesting bytes, inserts, deletes, duplicates, truncation. */
export function mutate(bytes, random) {
  let out = Buffer.from(bytes);
  const edits = 1 + Math.floor(random() * 4);
  const at = () => Math.floor(random() * Math.max(1, out.length));
  for (let i = 0; i < edits; i++) {
    const op = Math.floor(random() * 8);
    if (out.length === 0) out = Buffer.from([0]);
    if (op === 0) out[at()] ^= 1 << Math.floor(random() * 8);
    else if (op === 1) out[at()] = INTERESTING[Math.floor(random() * INTERESTING.length)];
    else if (op === 2) out[at()] = Math.floor(random() * 256);
    else if (op === 3) {
      const p = at();
      const extra = Buffer.alloc(1 + Math.floor(random() * 16), Math.floor(random() * 256));
      out = Buffer.concat([out.subarray(0, p), extra, out.subarray(p)]);
    } else if (op === 4) {
      const p = at();
      out = Buffer.concat([out.subarray(0, p), out.subarray(p + 1 + Math.floor(random() * 64))]);
    } else if (op === 5) {
      const p = at();
      const len = 1 + Math.floor(random() * 512);
      out = Buffer.concat([out.subarray(0, p), out.subarray(p, p + len), out.subarray(p)]);
    } else if (op === 6) out = out.subarray(0, at());
    else out = Buffer.concat([out, random() < 0.5 ? Buffer.alloc(1 + at()) : out.subarray(at())]);
  }
  return out;
}

// ---------------------------------------------------------------- main thread

async function main() {
  const count = Number(option('count', 10000));
  const seed = Number(option('seed', 1));
  const timeout = Number(option('timeout', 20000));
  const kinds = option('kinds', KINDS.join(',')).split(',');
  const started = Date.now();
  const setup = await makeSetup();
  const registry = await serveRegistry(setup.registryDoc);
  const stats = { tried: 0, refused: 0, warned: 0, accepted: 0, equivalent: 0, crashes: 0, hangs: 0 };
  const perKind = Object.fromEntries(KINDS.map((k) => [k, { tried: 0, accepted: 0, crashes: 0, hangs: 0 }]));
  const findings = [];
  let worker;
  let pending;
  const start = () => {
    worker = new Worker(fileURLToPath(import.meta.url), { workerData: { ...setup, registry: registry.url } });
    worker.on('message', (message) => pending?.resolve(message));
    worker.on('error', (error) => pending?.resolve({ outcome: 'crash', detail: `worker error: ${error.stack ?? error}` }));
    worker.on('exit', (code) => pending?.resolve({ outcome: 'crash', detail: `worker exited with ${code}` }));
  };
  start();
  // --case KIND:SEED replays one case (as printed with a finding).
  const only = option('case', undefined)?.split(':');
  for (let i = 0; i < (only ? 1 : count); i++) {
    const kind = only ? only[0] : kinds[i % kinds.length];
    const caseSeed = only ? Number(only[1]) : (seed * 1_000_003 + i) >>> 0;
    const result = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ outcome: 'hang', detail: `no verdict within ${timeout} ms` }), timeout);
      pending = {
        resolve: (message) => {
          clearTimeout(timer);
          pending = undefined;
          resolve(message);
        },
      };
      worker.postMessage({ kind, seed: caseSeed });
    });
    stats.tried++;
    perKind[kind].tried++;
    if (only) console.log(`case ${kind}:${caseSeed}: ${JSON.stringify(result)}`);
    if (result.outcome === 'hang' || result.outcome === 'crash') {
      // A hung or broken worker is replaced: the next case starts clean.
      const old = worker;
      worker = undefined;
      old.removeAllListeners('exit');
      await old.terminate();
      start();
    }
    const key =
      {
        refused: 'refused',
        warned: 'warned',
        equivalent: 'equivalent',
        accepted: 'accepted',
        crash: 'crashes',
        hang: 'hangs',
      }[result.outcome] ?? 'crashes';
    // An answer that is no outcome (another listener on the worker's port answered) is a crash too.
    if (!result.outcome) result.detail = `no outcome: ${JSON.stringify(result).slice(0, 200)}`;
    stats[key]++;
    if (key in perKind[kind]) perKind[kind][key]++;
    if (key === 'accepted' || key === 'crashes' || key === 'hangs') findings.push({ kind, seed: caseSeed, ...result });
  }
  await worker.terminate();
  registry.close();
  rmSync(setup.work, { recursive: true, force: true });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `sealpack fuzz: tried ${stats.tried}, refused ${stats.refused}, accepted ${stats.accepted}, equivalent ${stats.equivalent}, crashes ${stats.crashes}, hangs ${stats.hangs}, passed with a warning on the changed file ${stats.warned} (${seconds} s, seed ${seed})`,
  );
  for (const [kind, s] of Object.entries(perKind))
    console.log(`  ${kind}: tried ${s.tried}, accepted ${s.accepted}, crashes ${s.crashes}, hangs ${s.hangs}`);
  for (const f of findings.slice(0, 20)) console.log(`  ${f.outcome} ${f.kind} seed ${f.seed}: ${f.detail}`);
  process.exitCode = stats.accepted + stats.crashes + stats.hangs === 0 ? 0 : 1;
}

/** A genuine setup every case starts from: a consumer pinning a key, a sealed tarball, an installed package, a lockfile. */
async function makeSetup() {
  const { create } = await import('tar');
  const { readSigningKey } = await import('@sealpack/openpgp');
  const { signTarball } = await import('@sealpack/sign');
  const { buildManifest, hashBytes, serializeManifest } = await import('@sealpack/manifest');
  const work = mkdtempSync(join(tmpdir(), 'sealpack-fuzz-'));
  // The fixture key (test/fixtures/keys): the same key on every run, so a printed KIND:SEED
  // replays the same mutation of the same bytes (up to the signature's date).
  const fixtures = join(root, 'test', 'fixtures', 'keys');
  const key = { publicKey: readFileSync(join(fixtures, 'ed25519.pub.asc'), 'utf8') };
  const signer = await readSigningKey(readFileSync(join(fixtures, 'ed25519.key.asc'), 'utf8'));
  const consumer = join(work, 'consumer');
  mkdirSync(join(consumer, '.sealpack', 'keys'), { recursive: true });
  writeFileSync(join(consumer, '.sealpack', 'keys', 'alice.asc'), key.publicKey);
  writeFileSync(
    join(consumer, '.sealpackrc.json'),
    JSON.stringify({ trust: [{ packages: '@acme/*', keys: ['alice'] }], unsigned: 'warn' }),
  );
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));

  const files = {
    'package.json': `${JSON.stringify({ name: '@acme/core', version: '1.0.0', main: 'index.js' }, null, 2)}\n`,
    'index.js': "module.exports = require('./lib/core.js');\n",
    'lib/core.js': 'exports.core = () => 42;\n'.repeat(20),
    'README.md': '# core\n',
  };
  const listed = Object.keys(files)
    .sort()
    .map((path) => ({ path, ...hashBytes(Buffer.from(files[path])) }));
  const embeddedManifest = serializeManifest(buildManifest({ name: '@acme/core', version: '1.0.0', files: listed }));
  const embeddedSignature = await signer.sign(embeddedManifest);
  const sealedFiles = { ...files, '.sealpack/manifest.json': embeddedManifest, '.sealpack/manifest.json.asc': embeddedSignature };

  // The tarball with the embedded seal, then its detached seal.
  const src = join(work, 'src');
  for (const [path, content] of Object.entries(sealedFiles)) {
    mkdirSync(dirname(join(src, 'package', path)), { recursive: true });
    writeFileSync(join(src, 'package', path), content);
  }
  const tgz = join(work, 'acme-core-1.0.0.tgz');
  await create(
    { gzip: true, file: tgz, cwd: src, portable: true, mtime: new Date('1985-10-26T08:15:00Z') },
    Object.keys(sealedFiles)
      .sort()
      .map((p) => `package/${p}`),
  );
  await signTarball(tgz, { signer });

  // The same package installed.
  const installed = join(consumer, 'node_modules', '@acme', 'core');
  for (const [path, content] of Object.entries(sealedFiles)) {
    mkdirSync(dirname(join(installed, path)), { recursive: true });
    writeFileSync(join(installed, path), content);
  }

  // The registry's seal and a lockfile pinning the sealed tarball.
  const tarballBytes = readFileSync(tgz);
  const integrity = hashBytes(tarballBytes).integrity;
  const registryManifest = serializeManifest(
    buildManifest({ name: '@acme/core', version: '1.0.0', tarball: hashBytes(tarballBytes) }),
  );
  const registryDoc = {
    name: '@acme/core',
    versions: {
      '1.0.0': {
        name: '@acme/core',
        version: '1.0.0',
        dist: {
          integrity,
          tarball: 'http://x/core.tgz',
          sealpack: { manifest: registryManifest.toString('utf8'), signature: await signer.sign(registryManifest) },
        },
      },
    },
  };
  const lockfile = `${JSON.stringify(
    {
      name: 'consumer',
      lockfileVersion: 3,
      packages: {
        '': { name: 'consumer', version: '1.0.0' },
        'node_modules/@acme/core': { version: '1.0.0', resolved: 'http://x/core.tgz', integrity },
      },
    },
    null,
    2,
  )}\n`;
  return { work, consumer, tgz, installed, lockfile, integrity, registryDoc, installedFiles: Object.keys(sealedFiles) };
}

/** The registry seal, served as a registry would (every path answers the one packument). */
async function serveRegistry(doc) {
  const body = JSON.stringify(doc);
  const server = createServer((req, res) => {
    const version = decodeURIComponent(req.url).split('/').pop();
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(version === '1.0.0' ? JSON.stringify(doc.versions['1.0.0']) : body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

// ---------------------------------------------------------------- worker thread

async function runWorker() {
  const data = workerData;
  const { loadTrust } = await import('@sealpack/trust');
  const { verifyTarball, verifyInstalled, verifyLockfile } = await import('@sealpack/verify');
  const { isSealError } = await import('@sealpack/diagnostics');
  const { list } = await import('tar');
  const openpgp = await import(
    pathToFileURL(createRequire(join(root, 'packages', 'openpgp', 'package.json')).resolve('openpgp')).href
  );
  const trust = await loadTrust({ cwd: data.consumer });
  const original = {
    tgz: readFileSync(data.tgz),
    manifest: readFileSync(`${data.tgz}.manifest.json`),
    manifestAsc: readFileSync(`${data.tgz}.manifest.json.asc`),
    tgzAsc: readFileSync(`${data.tgz}.asc`),
  };
  const caseDir = mkdtempSync(join(data.work, 'case-'));
  let n = 0;

  /**
   * The signature packets an armored text decodes to, or undefined: mutations of armor alone
   * change nothing. OpenPGP.js's unarmor reads one clean block; text it refuses (a broken line
   * after the checksum, junk after the END line) is read as Sequoia reads it (`sq dearmor`),
   * the implementation sealpack is never to be more lenient than.
   */
  const packets = async (bytes) => {
    try {
      const { data: stream } = await openpgp.unarmor(bytes.toString('utf8'));
      if (stream instanceof Uint8Array) return Buffer.from(stream).toString('hex');
      const chunks = [];
      for await (const chunk of stream) chunks.push(Buffer.from(chunk));
      return Buffer.concat(chunks).toString('hex');
    } catch {
      if (bytes[0] !== 0x2d) return bytes.toString('hex');
      try {
        return execFileSync('sq', ['dearmor'], { input: bytes, stdio: ['pipe', 'pipe', 'ignore'] }).toString('hex');
      } catch {
        return undefined;
      }
    }
  };
  /** What node-tar (non-strict, as npm extracts) reads from a tarball: each regular file's path and digest. */
  const tarView = async (tgz) => {
    const seen = [];
    const file = join(caseDir, 'view.tgz');
    writeFileSync(file, tgz);
    try {
      await list({
        file,
        onReadEntry: (entry) => {
          const hash = createHash('sha256');
          entry.on('data', (c) => hash.update(c));
          entry.on('end', () => seen.push(`${entry.type} ${entry.path} ${hash.digest('hex')}`));
        },
      });
    } catch {
      return undefined;
    }
    return seen.sort().join('\n');
  };
  const originalView = await tarView(original.tgz);

  // Each returns 'refused' | 'accepted' | 'equivalent' (and a detail) for one mutated input.
  const cases = {
    async tarball(random) {
      const bytes = mutateTarball(original.tgz, random);
      const dir = join(caseDir, `t${n++}`);
      mkdirSync(dir);
      const tgz = join(dir, 'acme-core-1.0.0.tgz');
      writeFileSync(tgz, bytes);
      for (const suffix of ['.manifest.json', '.manifest.json.asc', '.asc'])
        writeFileSync(`${tgz}${suffix}`, readFileSync(`${data.tgz}${suffix}`));
      const result = await verifyTarball(tgz, { trust });
      rmSync(dir, { recursive: true, force: true });
      // The detached seal names the tarball's digest: any other bytes must fail.
      if (result.status !== 'pass') return { outcome: 'refused' };
      return bytes.equals(original.tgz)
        ? { outcome: 'equivalent' }
        : { outcome: 'accepted', detail: 'mutated tarball passed its detached seal' };
    },
    async embedded(random) {
      const bytes = mutateTarball(original.tgz, random);
      const dir = join(caseDir, `e${n++}`);
      mkdirSync(dir);
      const tgz = join(dir, 'acme-core-1.0.0.tgz');
      writeFileSync(tgz, bytes);
      const result = await verifyTarball(tgz, { trust });
      const view = await tarView(bytes);
      rmSync(dir, { recursive: true, force: true });
      if (result.status !== 'pass') return { outcome: 'refused' };
      // Passing on the embedded seal alone is right only when an extractor sees the same files.
      return view === originalView
        ? { outcome: 'equivalent' }
        : { outcome: 'accepted', detail: 'mutated tarball passed its embedded seal with other contents' };
    },
    async manifest(random) {
      const bytes = mutate(original.manifest, random);
      return detached({ manifest: bytes }, !bytes.equals(original.manifest));
    },
    async signature(random) {
      const which = random() < 0.5 ? 'manifestAsc' : 'tgzAsc';
      const bytes = mutate(original[which], random);
      const same = (await packets(bytes)) === (await packets(original[which]));
      return detached({ [which]: bytes }, !same);
    },
    async lockfile(random) {
      const text = mutate(Buffer.from(data.lockfile), random);
      const dir = join(caseDir, `l${n++}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'package-lock.json'), text);
      let result;
      try {
        result = await verifyLockfile(dir, { trust, registry: data.registry, cache: false, env: {}, retries: 0 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      if (!result.ok) return { outcome: 'refused' };
      // Passing is right when every covered entry still pins exactly the sealed digest (or none is covered).
      let lock;
      try {
        lock = JSON.parse(text.toString('utf8'));
      } catch {
        return { outcome: 'accepted', detail: 'an unparsable lockfile passed' };
      }
      const covered = Object.entries(lock?.packages ?? {}).filter(
        ([k, v]) => /node_modules\/@acme\//.test(k) || String(v?.name).startsWith('@acme/'),
      );
      const wrong = covered.filter(([, v]) => String(v?.integrity ?? '').trim() !== data.integrity);
      return wrong.length === 0
        ? { outcome: 'equivalent' }
        : { outcome: 'accepted', detail: `lockfile passed pinning ${JSON.stringify(wrong)}` };
    },
    async installed(random) {
      const path = data.installedFiles[Math.floor(random() * data.installedFiles.length)];
      const file = join(data.installed, path);
      const before = readFileSync(file);
      const bytes = mutate(before, random);
      writeFileSync(file, bytes);
      let result;
      try {
        result = await verifyInstalled(data.consumer, { trust, workers: 1 });
      } finally {
        writeFileSync(file, before);
      }
      if (!result.ok) return { outcome: 'refused' };
      if (bytes.equals(before)) return { outcome: 'equivalent' };
      if (path.endsWith('.asc') && (await packets(bytes)) === (await packets(before))) return { outcome: 'equivalent' };
      return { outcome: 'accepted', detail: `installed ${path} changed and passed` };
    },
  };

  async function detached(replaced, changed) {
    const dir = join(caseDir, `d${n++}`);
    mkdirSync(dir);
    const tgz = join(dir, 'acme-core-1.0.0.tgz');
    writeFileSync(tgz, original.tgz);
    writeFileSync(`${tgz}.manifest.json`, replaced.manifest ?? original.manifest);
    writeFileSync(`${tgz}.manifest.json.asc`, replaced.manifestAsc ?? original.manifestAsc);
    writeFileSync(`${tgz}.asc`, replaced.tgzAsc ?? original.tgzAsc);
    const result = await verifyTarball(tgz, { trust });
    rmSync(dir, { recursive: true, force: true });
    if (result.status !== 'pass') return { outcome: 'refused' };
    if (!changed) return { outcome: 'equivalent' };
    // Passing with a warning that names the changed file is no silent acceptance: it was read and reported.
    const file = { manifest: '.manifest.json', manifestAsc: '.manifest.json.asc', tgzAsc: '.tgz.asc' }[Object.keys(replaced)[0]];
    const warned = result.findings.filter((f) => f.severity === 'warning' && f.message.includes(file));
    if (warned.length > 0) return { outcome: 'warned', detail: warned.map((f) => `${f.code}: ${f.message}`).join('; ') };
    return { outcome: 'accepted', detail: `a changed ${Object.keys(replaced)[0]} passed` };
  }

  parentPort.on('message', async ({ kind, seed }) => {
    const random = prng(seed);
    try {
      parentPort.postMessage(await cases[kind](random));
    } catch (error) {
      // A coded error is a refusal; anything else escaped every check.
      parentPort.postMessage(
        isSealError(error)
          ? { outcome: 'refused' }
          : {
              outcome: 'crash',
              detail: String(error?.stack ?? error)
                .split('\n')
                .slice(0, 3)
                .join(' | '),
            },
      );
    }
  });
}

/** Half the time the gzip bytes, half the time the tar inside (re-gzipped), so the tar parser is reached. */
function mutateTarball(tgz, random) {
  if (random() < 0.3) return mutate(tgz, random);
  return gzipSync(mutate(gunzipSync(tgz), random));
}

if (isMainThread) {
  if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
} else {
  await runWorker();
}
