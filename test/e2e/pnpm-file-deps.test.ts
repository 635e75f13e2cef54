// A tarball dependency installed by real pnpm 10 (`pnpm add ../pk/tiny-1.0.0.tgz`): pnpm keys it
// by where it came from (`tiny@file:../pk/tiny-1.0.0.tgz`, store folder `tiny@file+..+pk+…`)
// and records the version its package.json gives. verify-installed passes it, and still holds
// the installed package to that recorded version (npm's layout passed already).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanTempDirs, tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { exec, noStack, PNPM10, sealpack, setUp, type Setup } from './publish-helpers.js';

const test = suite('e2e: pnpm file: tarball dependencies');
let setup: Setup;
let app: string;

test.before(async () => {
  setup = await setUp();
  const dir = await tempDir('sealpack-pnpm-file-');
  await mkdir(join(dir, 'pk'));
  const tgz = await makeTarball(join(dir, 'pk', 'tiny-1.0.0.tgz'), packageFiles('tiny', '1.0.0'));
  // Sealed in place (embedded seal), by the key the project pins.
  const sealed = sealpack(['seal', tgz, '--key', setup.key], dir, setup.env);
  assert.is(sealed.status, 0, sealed.stdout + sealed.stderr);
  app = join(dir, 'app');
  await mkdir(join(app, '.sealpack', 'keys'), { recursive: true });
  await writeFile(join(app, '.sealpack', 'keys', 'release.asc'), setup.publicKey);
  await writeFile(join(app, '.sealpackrc.json'), JSON.stringify({ trust: [{ packages: 'tiny', keys: ['release'] }] }));
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  const env = { ...setup.env, npm_config_store_dir: join(setup.home, 'pnpm-store') };
  const added = exec(process.execPath, [PNPM10, 'add', '../pk/tiny-1.0.0.tgz', '--offline'], app, env);
  assert.is(added.status, 0, added.stdout + added.stderr);
});
test.after(cleanTempDirs);

const verifyInstalled = () => {
  const r = sealpack(['verify-installed', '--json'], app, setup.env);
  assert.ok(noStack(r), r.stdout + r.stderr);
  return { status: r.status, codes: (JSON.parse(r.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code) };
};

test('verify-installed passes a sealed file: tarball dependency (it was ESEAL_IDENTITY "expected a version")', async () => {
  assert.match(await readFile(join(app, 'pnpm-lock.yaml'), 'utf8'), /tiny@file:\.\.\/pk\/tiny-1\.0\.0\.tgz:/);
  assert.equal(verifyInstalled(), { status: 0, codes: [] });
});

test('the installed package must still be the version the lockfile records for the tarball: ESEAL_IDENTITY', async () => {
  const lockfile = join(app, 'pnpm-lock.yaml');
  const original = await readFile(lockfile, 'utf8');
  try {
    await writeFile(lockfile, original.replace(/(tiny@file:[^\n]*\n(?:\s+resolution:[^\n]*\n)?\s+version: )1\.0\.0/, '$11.0.1'));
    assert.match(await readFile(lockfile, 'utf8'), /version: 1\.0\.1/);
    assert.equal(verifyInstalled(), { status: 1, codes: ['ESEAL_IDENTITY'] });
  } finally {
    await writeFile(lockfile, original);
  }
});

test.run();
