// Threshold counts distinct keys, and several certificates in one key file all count under its
// NAME (DESIGN.md): `team.asc` holding alice and bob meets `threshold: 2` on its own.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signTarball } from '@sealpack/sign';
import { cleanTempDirs } from '../helpers/index.js';
import { cli } from '../helpers/cli.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { makeConsumer, makeKey, type TestKey } from '../verify/sealed.js';

const test = suite('cli: a threshold met by the certificates of one key file');
let alice: TestKey;
let bob: TestKey;
test.before(async () => {
  [alice, bob] = await Promise.all([makeKey('alice'), makeKey('bob')]);
});
test.after(cleanTempDirs);

const codesOf = (stdout: string) => (JSON.parse(stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);

test('keys: ["team"], threshold 2: alice and bob pass, alice alone is ESEAL_THRESHOLD (the config was refused, exit 2)', async () => {
  const root = await makeConsumer([], { trust: [{ packages: 'tiny', keys: ['team'], threshold: 2 }] });
  await writeFile(join(root, '.sealpack', 'keys', 'team.asc'), alice.publicKey + bob.publicKey);
  const both = await makeTarball(join(root, 'tiny-1.0.0.tgz'), packageFiles('tiny', '1.0.0'));
  await signTarball(both, { signer: alice.signer });
  await signTarball(both, { signer: bob.signer });
  const passed = await cli(['verify', '--json', both], { cwd: root });
  assert.equal([passed.status, codesOf(passed.stdout)], [0, []], passed.stdout + passed.stderr);

  const one = await makeTarball(join(root, 'tiny-1.0.1.tgz'), packageFiles('tiny', '1.0.1'));
  await signTarball(one, { signer: alice.signer });
  const short = await cli(['verify', '--json', one], { cwd: root });
  assert.equal([short.status, codesOf(short.stdout)], [1, ['ESEAL_THRESHOLD']], short.stdout + short.stderr);
});

test.run();
