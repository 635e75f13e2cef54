// `sealpack init --consumer`: pins a public key (never a private one), writes the pnpm hook
// and the postinstall check; idempotent.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKey } from '@sealpack/openpgp';
import { cleanTempDirs, run, runCli, tempDir } from '../helpers/index.js';

const test = suite('e2e: init --consumer');
const ctx = {} as { publicKey: string; privateKey: string; fingerprint: string };

test.before(async () => {
  const key = await generateKey({ name: 'release-bot', email: 'bot@example.test' });
  Object.assign(ctx, key);
});
test.after(cleanTempDirs);

async function project(pkg: object = { name: 'app', version: '1.0.0', private: true }): Promise<string> {
  const dir = await tempDir('sealpack-init-consumer-');
  await writeFile(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  await writeFile(join(dir, 'release-bot.pub.asc'), ctx.publicKey);
  await writeFile(join(dir, 'release-bot.key.asc'), ctx.privateKey);
  return dir;
}

test('pins the key as NAME.asc, writes .pnpmfile.cjs and the postinstall; a second run changes nothing', async () => {
  const dir = await project({ name: 'app', version: '1.0.0', scripts: { postinstall: 'node setup.js' } });
  const first = runCli(['init', '--consumer', '--key', 'release-bot.pub.asc'], { cwd: dir });
  assert.is(first.status, 0, first.stdout + first.stderr);
  assert.match(first.stdout, new RegExp(`pinned ${ctx.fingerprint}`));
  assert.is(
    await readFile(join(dir, '.sealpack', 'keys', 'release-bot.asc'), 'utf8'),
    ctx.publicKey.endsWith('\n') ? ctx.publicKey : `${ctx.publicKey}\n`,
  );
  const pnpmfile = await readFile(join(dir, '.pnpmfile.cjs'), 'utf8');
  assert.match(pnpmfile, /require\('@sealpack\/pnpm'\)\.sealpackHooks\(\{ dir: __dirname \}\)/);
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  assert.is(pkg.scripts.postinstall, 'sealpack verify-installed && node setup.js');
  // An explicit policy file, to read and review in the repository.
  assert.equal(JSON.parse(await readFile(join(dir, '.sealpackrc.json'), 'utf8')), {
    keyring: '.sealpack/keys',
    revocations: '.sealpack/revocations.json',
    trust: [],
    unsigned: 'warn',
    installScripts: {},
  });

  const files = ['package.json', '.pnpmfile.cjs', '.sealpackrc.json'];
  const before = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  const second = runCli(['init', '--consumer', '--key', 'release-bot.pub.asc'], { cwd: dir });
  assert.is(second.status, 0, second.stdout + second.stderr);
  const after = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  assert.equal(after, before);

  // Without @sealpack/pnpm the hook fails closed: install scripts must not run unchecked.
  const load = ['-e', "const m = require('./.pnpmfile.cjs'); if (typeof m.hooks !== 'object') process.exit(3)"];
  const closed = run(process.execPath, load, { cwd: dir, env: { SEALPACK_BOOTSTRAP: '' } });
  assert.is.not(closed.status, 0, 'the hook refuses to load');
  assert.match(closed.stderr, /@sealpack\/pnpm is not installed, so this install cannot be verified/);
  assert.match(closed.stderr, /SEALPACK_BOOTSTRAP=1 pnpm add -D --ignore-scripts sealpack @sealpack\/pnpm/);
  const notExplicit = run(process.execPath, load, { cwd: dir, env: { SEALPACK_BOOTSTRAP: 'true' } });
  assert.is.not(notExplicit.status, 0, 'only SEALPACK_BOOTSTRAP=1 opens it');
  // Set on purpose, for a bootstrap install: loads, and says postinstall alone checks it.
  const bootstrap = run(process.execPath, load, { cwd: dir, env: { SEALPACK_BOOTSTRAP: '1' } });
  assert.is(bootstrap.status, 0, bootstrap.stdout + bootstrap.stderr);
  assert.match(bootstrap.stderr, /SEALPACK_BOOTSTRAP=1: @sealpack\/pnpm is not installed/);
});

test('the fail-open hook of earlier versions is replaced by the fail-closed one', async () => {
  const dir = await project();
  const old = `let hooks = {};
try {
  hooks = require('@sealpack/pnpm').sealpackHooks({ dir: __dirname });
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND') throw error;
  console.warn('sealpack: @sealpack/pnpm is not installed yet; this install is checked by postinstall only');
}
module.exports = { hooks };
`;
  await writeFile(join(dir, '.pnpmfile.cjs'), old);
  const r = runCli(['init', '--consumer'], { cwd: dir });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /rewrote \.pnpmfile\.cjs/);
  assert.match(await readFile(join(dir, '.pnpmfile.cjs'), 'utf8'), /SEALPACK_BOOTSTRAP/);
});

test('a malformed package.json: exit 2, ESEAL_CONFIG, no stack, nothing written', async () => {
  const dir = await project();
  await writeFile(join(dir, 'package.json'), '{ "name": "app", ');
  const r = runCli(['init', '--consumer', '--key', 'release-bot.pub.asc'], { cwd: dir });
  assert.is(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /error ESEAL_CONFIG: .*package\.json: expected valid JSON/);
  assert.not.match(r.stdout + r.stderr, /\n\s+at .+:\d+:\d+/);
  assert.not.ok(existsSync(join(dir, '.sealpack')), 'no key pinned');
  assert.not.ok(existsSync(join(dir, '.pnpmfile.cjs')), 'no hook written');
});

test('refuses a private key: exit 2, ESEAL_CONFIG, nothing pinned', async () => {
  const dir = await project();
  const r = runCli(['init', '--consumer', '--key', 'release-bot.key.asc'], { cwd: dir });
  assert.is(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /ESEAL_CONFIG/);
  assert.match(r.stdout, /private/i);
  assert.not.ok(existsSync(join(dir, '.sealpack', 'keys')));
});

test('refuses to replace a pinned key with another one', async () => {
  const dir = await project();
  assert.is(runCli(['init', '--consumer', '--key', 'release-bot.pub.asc'], { cwd: dir }).status, 0);
  const other = await generateKey({ name: 'release-bot', email: 'impostor@example.test' });
  await writeFile(join(dir, 'release-bot.pub.asc'), other.publicKey);
  const r = runCli(['init', '--consumer', '--key', 'release-bot.pub.asc'], { cwd: dir });
  assert.is(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /already exists with another key/);
  assert.is(
    await readFile(join(dir, '.sealpack', 'keys', 'release-bot.asc'), 'utf8'),
    ctx.publicKey.endsWith('\n') ? ctx.publicKey : `${ctx.publicKey}\n`,
  );
});

test.run();
