// `sealpack keys list` and `doctor` about pinned keys, in-process: which keys expire within
// --days, what each may sign and approve; usage errors exit 2.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKey } from '@sealpack/openpgp';
import { cli } from '../helpers/cli.js';
import { cleanTempDirs, tempDir } from '../helpers/index.js';

const test = suite('cli: keys list and doctor on pinned keys');
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

test.run();
