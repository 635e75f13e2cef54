// `sealpack keys list` and `doctor` about pinned keys, in-process: which keys expire within
// --days, what each may sign and approve; usage errors exit 2. `keys rotate` and `keygen` get
// the new key's passphrase the same way.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKey, readPrivateKey } from '@sealpack/openpgp';
import { cli } from '../helpers/cli.js';
import { cleanTempDirs, tempDir } from '../helpers/index.js';

const test = suite('cli: keys list, doctor, and the passphrase of a new key');
test.after(cleanTempDirs);

async function repo(): Promise<string> {
  const dir = await tempDir('sealpack-keys-cli-');
  const [soon, later] = await Promise.all([
    generateKey({ name: 'soon', expires: new Date(Date.now() + 10 * 86_400_000) }),
    generateKey({ name: 'later' }),
  ]);
  await mkdir(join(dir, '.sealpack', 'keys'), { recursive: true });
  await writeFile(join(dir, '.sealpack', 'keys', 'soon.asc'), soon.publicKey);
  await writeFile(join(dir, '.sealpack', 'keys', 'later.asc'), later.publicKey);
  await writeFile(
    join(dir, '.sealpackrc.json'),
    JSON.stringify({ trust: [{ packages: '@acme/*', keys: ['soon'], approvers: ['later'], approvals: 1 }] }),
  );
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  return dir;
}

test('keys list: keys expiring within --days (default 30), what each signs and approves', async () => {
  const cwd = await repo();
  const listed = await cli(['keys', 'list', '--json'], { cwd });
  assert.is(listed.status, 0, listed.stdout + listed.stderr);
  const json = JSON.parse(listed.stdout) as {
    days: number;
    expiring: string[];
    keys: { name: string; signs: { packages: string[] }[]; approves: { packages: string[] }[] }[];
  };
  assert.equal([json.days, json.expiring], [30, ['soon']]);
  const byName = Object.fromEntries(json.keys.map((k) => [k.name, k]));
  assert.equal(byName.soon!.signs, [{ rule: 'trust[0]', packages: ['@acme/*'] }]);
  assert.equal(byName.later!.approves, [{ rule: 'trust[0]', packages: ['@acme/*'] }]);
  assert.equal(JSON.parse((await cli(['keys', 'list', '--json', '--days', '5'], { cwd })).stdout).expiring, []);
  const human = await cli(['keys', 'list'], { cwd });
  assert.match(human.stdout, /expiring within 30 days: soon/);
  const bad = await cli(['keys', 'list', '--days', 'soon'], { cwd });
  assert.is(bad.status, 2);
  assert.match(bad.stdout, /error ESEAL_CONFIG: --days/);
  const unknown = await cli(['keys', 'spin'], { cwd });
  assert.is(unknown.status, 2);
  assert.match(unknown.stdout, /keys: expected rotate, update, list or resign, found spin/);
});

test('doctor warns about a pinned key expiring within 30 days', async () => {
  const cwd = await repo();
  const doctor = await cli(['doctor', '--offline'], { cwd });
  assert.match(doctor.stdout, /warning: pinned key soon \([0-9A-F]{40}\) expires on \d{4}-\d{2}-\d{2}, within 30 days/);
  assert.not.match(doctor.stdout + doctor.stderr, /pinned key later/);
});

test("keys rotate asks for the new key's passphrase as keygen does: none and no terminal is refused, empty is unencrypted with a warning", async () => {
  const dir = await tempDir('sealpack-rotate-');
  await writeFile(join(dir, 'old.key.asc'), (await generateKey({ name: 'old', email: 'old@example.test' })).privateKey);
  const rotate = ['keys', 'rotate', '--from', 'old.key.asc', '--name', 'new', '--out', 'out'];
  const keygen = ['keygen', '--name', 'fresh', '--out', 'out'];
  // No SEALPACK_PASSPHRASE and no terminal (the test's stdin): both refuse, nothing written.
  for (const args of [rotate, keygen]) {
    const refused = await cli(args, { cwd: dir });
    assert.is(refused.status, 2, `${args[0]}: ${refused.stdout}${refused.stderr}`);
    assert.match(refused.stdout, /error ESEAL_CONFIG: no passphrase for the private key: expected a terminal to ask on, or /);
    assert.match(refused.stdout, /SEALPACK_PASSPHRASE=''/);
  }
  assert.equal(await readdir(dir), ['old.key.asc'], 'nothing written');
  // Empty on purpose: unencrypted, and the warning says it is empty, not unset.
  for (const args of [rotate, keygen]) {
    const run = await cli(args, { cwd: dir, env: { SEALPACK_PASSPHRASE: '' } });
    assert.is(run.status, 0, `${args[0]}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, /warning: SEALPACK_PASSPHRASE is empty: the new private key is written unencrypted/);
    assert.not.match(run.stderr, /not set/);
  }
  assert.match(await readFile(join(dir, 'out', 'new.key.asc'), 'utf8'), /BEGIN PGP PRIVATE KEY BLOCK/);
  // SEALPACK_NEW_PASSPHRASE alone (the old key unencrypted): the new key is encrypted, no warning.
  const encrypted = await cli([...rotate.slice(0, 5), 'newer'], { cwd: dir, env: { SEALPACK_NEW_PASSPHRASE: 'pass' } });
  assert.is(encrypted.status, 0, encrypted.stdout + encrypted.stderr);
  assert.not.match(encrypted.stderr, /unencrypted/);
  const newer = await readFile(join(dir, 'newer.key.asc'), 'utf8');
  await readPrivateKey(newer, 'pass', 'newer.key.asc');
  let locked = false;
  await readPrivateKey(newer, undefined, 'newer.key.asc').catch(() => (locked = true));
  assert.ok(locked, 'the new key needs its passphrase');
});

test.run();
