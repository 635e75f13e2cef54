// Start-up: each command of the built CLI loads only what it needs. Not timed (the benchmark,
// scripts/bench-startup.mjs, prints times): which libraries a run loaded, from resolve hooks.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import module from 'node:module';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateKey, readSigningKey } from '@sealpack/openpgp';
import { hashBytes } from '@sealpack/manifest';
import { signTarball } from '@sealpack/sign';
import { loadTrust } from '@sealpack/trust';
import { verifyLockfile } from '@sealpack/verify';
import { CLI, ROOT, cleanTempDirs, run, tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { startStubRegistry, tarballOf } from '../verify/registry-stub.js';
import { makeConsumer, makeKey } from '../verify/sealed.js';

const test = suite('e2e: start-up loads');
test.after(cleanTempDirs);

const HEAVY = ['openpgp', 'ajv', 'cosmiconfig', 'tar', 'npm-registry-fetch', 'yaml', '@yarnpkg/parsers', 'cacache'];

/** The HEAVY packages `sealpack ...args` loaded, through require (CommonJS) or import (ESM). */
async function loads(args: string[], cwd: string): Promise<string[]> {
  const urls = await loaded(args, cwd);
  return HEAVY.filter((name) => urls.includes(`/node_modules/${name}/`));
}

/** Every module `sealpack ...args` resolved, one path or URL a line, and a line for each worker thread it started. */
async function loaded(args: string[], cwd: string, entry = CLI, status = 0, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const dir = await tempDir('sealpack-loads-');
  const log = join(dir, 'loaded.txt');
  await writeFile(log, '');
  await writeFile(
    join(dir, 'require.cjs'),
    `const Module = require('node:module'); const fs = require('node:fs'); const load = Module._load;\n` +
      `Module._load = function (request, parent) { try { fs.appendFileSync(${JSON.stringify(log)}, Module._resolveFilename(request, parent) + '\\n'); } catch {} return load.apply(this, arguments); };\n` +
      // Each worker thread started, as a line of its own (before any module imports node:worker_threads).
      `const threads = require('node:worker_threads'); const Worker = threads.Worker;\n` +
      `threads.Worker = class extends Worker { constructor(...args) { fs.appendFileSync(${JSON.stringify(log)}, 'worker thread started\\n'); super(...args); } };\n`,
  );
  await writeFile(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';\n` +
      `export async function resolve(specifier, context, next) { const r = await next(specifier, context); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
  );
  await writeFile(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`,
  );
  const result = run(
    process.execPath,
    ['--require', join(dir, 'require.cjs'), '--import', pathToFileURL(join(dir, 'register.mjs')).href, entry, ...args],
    { cwd, env },
  );
  assert.is(result.status, status, `sealpack ${args.join(' ')}: ${result.stdout}${result.stderr}`);
  return readFile(log, 'utf8');
}

test('--version and --help load none of OpenPGP.js, Ajv, cosmiconfig, tar, npm-registry-fetch, the YAML parsers', async () => {
  const cwd = await tempDir();
  assert.equal(await loads(['--version'], cwd), []);
  assert.equal(await loads(['--help'], cwd), []);
});

test("Node's compile cache goes to sealpack's cache folder, never to TMPDIR (pnpm points it into node_modules while scripts run)", async () => {
  const tmp = await tempDir('sealpack-tmpdir-');
  const cache = await tempDir('sealpack-cache-');
  const env = { TMPDIR: tmp, SEALPACK_CACHE_DIR: cache, NODE_COMPILE_CACHE: undefined };
  for (const entry of [CLI, join(ROOT, 'packages', 'cli', 'dist', 'sealpack.js')]) {
    const result = run(process.execPath, [entry, '--help'], { cwd: tmp, env });
    assert.is(result.status, 0, result.stderr);
  }
  assert.equal(await readdir(tmp), [], 'nothing written under TMPDIR');
  // Node 22.1+ has the cache; Node 20 has none and writes nothing.
  const nodeHasCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
  assert.equal(await readdir(cache), nodeHasCache ? ['node-compile-cache'] : []);
});

test('the installed entry answers --version and -v as the command table does, loading only itself and tool.js', async () => {
  const cwd = await tempDir();
  const entry = join(ROOT, 'packages', 'cli', 'dist', 'sealpack.js');
  const pkg = JSON.parse(await readFile(join(ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  assert.is(join(ROOT, 'packages', 'cli', pkg.bin.sealpack!), entry);
  const viaCac = run(process.execPath, [CLI, '--version'], { cwd });
  for (const flag of ['--version', '-v']) {
    const fast = run(process.execPath, [entry, flag], { cwd });
    assert.is(fast.status, 0);
    assert.is(fast.stdout, viaCac.stdout);
  }
  const urls = await loaded(['--version'], cwd, entry);
  const own = urls.split('\n').filter((line) => line.includes('/packages/'));
  assert.equal(own.map((line) => line.replace(/^.*\/packages\//, '')).sort(), ['cli/dist/sealpack.js', 'cli/dist/tool.js']);
  // Anything else goes through the command table: a usage error exits 2.
  assert.is(run(process.execPath, [entry, 'no-such-command'], { cwd }).status, 2);
});

test('verify of one tarball without a config file loads OpenPGP.js and tar only', async () => {
  const consumer = await tempDir('sealpack-consumer-');
  const key = await generateKey({ name: 'release', email: 'release@example.com' });
  await mkdir(join(consumer, '.sealpack', 'keys'), { recursive: true });
  await writeFile(join(consumer, '.sealpack', 'keys', 'release.asc'), key.publicKey);
  const tarball = await makeTarball(join(consumer, 'one-1.0.0.tgz'), packageFiles('one', '1.0.0'));
  await signTarball(tarball, { signer: await readSigningKey(key.privateKey) });
  assert.equal(await loads(['verify', tarball], consumer), ['openpgp', 'tar']);
});

test("verify with a config file and a revocation list compiles no schema: Ajv's runtime helpers at most, never its compiler", async () => {
  const consumer = await tempDir('sealpack-consumer-');
  const key = await generateKey({ name: 'release', email: 'release@example.com' });
  await mkdir(join(consumer, '.sealpack', 'keys'), { recursive: true });
  await writeFile(join(consumer, '.sealpack', 'keys', 'release.asc'), key.publicKey);
  await writeFile(join(consumer, '.sealpack', 'revocations.json'), '[]\n');
  await writeFile(join(consumer, '.sealpackrc.json'), JSON.stringify({ trust: [{ packages: 'one', keys: ['release'] }] }));
  const tarball = await makeTarball(join(consumer, 'one-1.0.0.tgz'), packageFiles('one', '1.0.0'));
  await signTarball(tarball, { signer: await readSigningKey(key.privateKey) });
  const ajv = (await loaded(['verify', tarball], consumer)).split('\n').filter((line) => line.includes('/node_modules/ajv/'));
  assert.equal(
    ajv.filter((line) => !line.includes('/node_modules/ajv/dist/runtime/')),
    [],
    'Ajv itself was loaded',
  );
});

/** A consumer pinning one key, with `files` written into it, and one tarball sealed by that key. */
async function sealedConsumer(files: Record<string, string> = {}): Promise<{ consumer: string; tarball: string }> {
  const consumer = await tempDir('sealpack-consumer-');
  const key = await generateKey({ name: 'release', email: 'release@example.com' });
  await mkdir(join(consumer, '.sealpack', 'keys'), { recursive: true });
  await writeFile(join(consumer, '.sealpack', 'keys', 'release.asc'), key.publicKey);
  for (const [name, text] of Object.entries(files)) await writeFile(join(consumer, name), text);
  const tarball = await makeTarball(join(consumer, 'one-1.0.0.tgz'), packageFiles('one', '1.0.0'));
  await signTarball(tarball, { signer: await readSigningKey(key.privateKey) });
  return { consumer, tarball };
}

test("verify loads none of @sealpack/verify's lockfile, installed-tree, registry or .npmrc modules", async () => {
  const { consumer, tarball } = await sealedConsumer();
  const urls = await loaded(['verify', tarball], consumer);
  const verifyModules = urls
    .split('\n')
    .filter((line) => line.includes('/packages/verify/'))
    .map((line) => line.replace(/^.*\/packages\/verify\/(?:dist|src)\//, ''));
  for (const module of ['index', 'lockfile', 'installed', 'layout', 'approvals', 'registry', 'npmrc', 'cache', 'downgrade']) {
    assert.not.ok(verifyModules.includes(`${module}.js`), `verify loaded @sealpack/verify's ${module}.js`);
  }
  assert.not.ok(urls.includes('/node_modules/ini/'), 'verify loaded ini');
});

test('verify loads OpenPGP.js once, through its minified CommonJS build, never its 1.2 MB ESM build', async () => {
  const { consumer, tarball } = await sealedConsumer();
  const openpgp = (await loaded(['verify', tarball], consumer))
    .split('\n')
    .filter((line) => line.includes('/node_modules/openpgp/'))
    .map((line) => line.replace(/^.*\/node_modules\/openpgp\//, ''));
  assert.equal([...new Set(openpgp)], ['dist/node/openpgp.min.cjs']);
});

test("verify loads tar's parser and header modules, not tar's whole bundle (index.min.js: create, extract, replace)", async () => {
  const { consumer, tarball } = await sealedConsumer();
  const tar = (await loaded(['verify', tarball], consumer))
    .split('\n')
    .filter((line) => line.includes('/node_modules/tar/'))
    .map((line) => line.replace(/^.*\/node_modules\/tar\//, ''));
  assert.ok(tar.includes('dist/esm/parse.js'), 'the tarball is read with tar');
  assert.not.ok(
    tar.some((path) => path.startsWith('dist/esm/index')),
    `verify loaded tar's ${tar.find((p) => p.includes('index'))}`,
  );
});

test("verify loads none of the signing and key-lifecycle code: @sealpack/openpgp's and @sealpack/trust's indexes, keygen, signer, certify, gpg, rotation, nor child_process", async () => {
  const { consumer, tarball } = await sealedConsumer({
    '.sealpackrc.json': JSON.stringify({ trust: [{ packages: 'one', keys: ['release'] }] }),
  });
  const urls = (await loaded(['verify', tarball], consumer)).split('\n');
  const own = (name: string) =>
    urls.filter((line) => line.includes(`/packages/${name}/`)).map((line) => line.replace(/^.*\/(?:dist|src)\//, ''));
  for (const module of ['index', 'keygen', 'signer', 'certify', 'gpg', 'external']) {
    assert.not.ok(own('openpgp').includes(`${module}.js`), `verify loaded @sealpack/openpgp's ${module}.js`);
  }
  for (const module of ['index', 'rotation', 'install-scripts', 'schema']) {
    assert.not.ok(own('trust').includes(`${module}.js`), `verify loaded @sealpack/trust's ${module}.js`);
  }
  assert.not.ok(urls.includes('node:child_process'), 'verify loaded node:child_process');
});

test('verify of one tarball starts no worker thread (two tarballs start the hashing worker)', async () => {
  const { consumer, tarball } = await sealedConsumer();
  assert.not.ok((await loaded(['verify', tarball], consumer)).includes('worker thread started'), 'one tarball started a worker');
  const second = await makeTarball(join(consumer, 'two-1.0.0.tgz'), packageFiles('two', '1.0.0'));
  const urls = await loaded(['verify', tarball, second], consumer, CLI, 1);
  assert.ok(urls.includes('worker thread started'), 'the detector sees the worker two tarballs start');
});

test("verify with a config without exceptions loads none of semver's range code (only exceptions name ranges)", async () => {
  const { consumer, tarball } = await sealedConsumer({
    '.sealpackrc.json': JSON.stringify({ trust: [{ packages: 'one', keys: ['release'] }] }),
  });
  const semver = (await loaded(['verify', tarball], consumer))
    .split('\n')
    .filter((line) => line.includes('/node_modules/semver/'))
    .map((line) => line.replace(/^.*\/node_modules\/semver\//, ''));
  assert.ok(semver.includes('functions/parse.js'), 'the release channel is read from the version');
  for (const path of ['ranges/valid.js', 'functions/satisfies.js', 'classes/range.js']) {
    assert.not.ok(semver.includes(path), `verify loaded semver's ${path}`);
  }
});

// Run from the folder of the config, which holds a package.json in both cases: cosmiconfig's factory
// read it with parse-json for its own settings; sealpack builds cosmiconfig's explorer without them.
test('a JSON config (.sealpackrc.json, package.json) is read without parse-json or @babel/code-frame', async () => {
  const rule = { trust: [{ packages: 'one', keys: ['release'] }] };
  for (const files of [
    { '.sealpackrc.json': JSON.stringify(rule) },
    { 'package.json': JSON.stringify({ name: 'consumer', private: true, sealpack: rule }) },
  ]) {
    const { consumer, tarball } = await sealedConsumer({ 'package.json': '{"name":"consumer","private":true}', ...files });
    const urls = await loaded(['verify', tarball], consumer);
    assert.ok(urls.includes('/node_modules/cosmiconfig/'), `${Object.keys(files)[0]}: cosmiconfig read the config`);
    for (const name of ['parse-json', '@babel/code-frame', 'js-yaml']) {
      assert.not.ok(urls.includes(`/node_modules/${name}/`), `${Object.keys(files)[0]}: loaded ${name}`);
    }
  }
});

test('verify-lockfile with a warm cache loads neither the npm fetch stack, tar, nor the signing, key-lifecycle and rule-writing code', async () => {
  const key = await makeKey('release');
  const consumer = await makeConsumer([key], { trust: [{ packages: 'one', keys: ['release'] }] });
  const integrity = hashBytes(tarballOf('one', '1.0.0')).integrity;
  const lock = { '': { name: 'consumer', version: '1.0.0' }, 'node_modules/one': { version: '1.0.0', integrity } };
  await writeFile(join(consumer, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: lock }));
  // One run through the library fills the cache; the registry is gone before the CLI's run.
  const registry = await startStubRegistry([{ name: 'one', version: '1.0.0', signer: key.signer }]);
  const cache = await tempDir('sealpack-cache-');
  try {
    const trust = await loadTrust({ cwd: consumer });
    const cold = await verifyLockfile(consumer, { trust, registry: registry.url, cache, env: {} });
    assert.equal(
      cold.findings.filter((f) => f.severity === 'error'),
      [],
    );
  } finally {
    await registry.close();
  }
  const env = { SEALPACK_CACHE_DIR: cache, NPM_CONFIG_USERCONFIG: join(cache, 'none') };
  const urls = (await loaded(['verify-lockfile', '--registry', registry.url], consumer, CLI, 0, env)).split('\n');
  for (const name of ['npm-registry-fetch', 'make-fetch-happen', 'cacache', 'minipass-fetch', 'tar', 'minizlib', 'yaml']) {
    assert.not.ok(
      urls.some((line) => line.includes(`/node_modules/${name}/`)),
      `a warm verify-lockfile loaded ${name}`,
    );
  }
  const own = (name: string) =>
    urls.filter((line) => line.includes(`/packages/${name}/`)).map((line) => line.replace(/^.*\/(?:dist|src)\//, ''));
  for (const module of ['index', 'keygen', 'signer', 'certify', 'gpg', 'external']) {
    assert.not.ok(own('openpgp').includes(`${module}.js`), `verify-lockfile loaded @sealpack/openpgp's ${module}.js`);
  }
  for (const module of ['index', 'rotation', 'install-scripts', 'schema']) {
    assert.not.ok(own('trust').includes(`${module}.js`), `verify-lockfile loaded @sealpack/trust's ${module}.js`);
  }
  for (const module of ['index', 'tarball', 'placement']) {
    assert.not.ok(own('manifest').includes(`${module}.js`), `verify-lockfile loaded @sealpack/manifest's ${module}.js`);
  }
  assert.not.ok(own('ledger').length > 0, 'verify-lockfile loaded the ledger without a ledger in its policy');
  assert.not.ok(urls.includes('node:child_process'), 'verify-lockfile loaded node:child_process');
});

test("verify-installed loads none of the signing and key-lifecycle code, tar, nor @sealpack/manifest's and @sealpack/trust's indexes", async () => {
  const key = await makeKey('release');
  const consumer = await makeConsumer([key], { trust: [{ packages: 'one', keys: ['release'] }] });
  await mkdir(join(consumer, 'node_modules'));
  const urls = (await loaded(['verify-installed'], consumer)).split('\n');
  assert.not.ok(
    urls.some((line) => line.includes('/node_modules/tar/')),
    'verify-installed loaded tar',
  );
  const own = (name: string) =>
    urls.filter((line) => line.includes(`/packages/${name}/`)).map((line) => line.replace(/^.*\/(?:dist|src)\//, ''));
  for (const [name, modules] of Object.entries({
    openpgp: ['index', 'keygen', 'signer', 'certify', 'gpg', 'external'],
    trust: ['index', 'rotation', 'schema'],
    manifest: ['index', 'tarball'],
  })) {
    for (const module of modules) {
      assert.not.ok(own(name).includes(`${module}.js`), `verify-installed loaded @sealpack/${name}'s ${module}.js`);
    }
  }
  assert.not.ok(urls.includes('node:child_process'), 'verify-installed loaded node:child_process');
});

test.run();
