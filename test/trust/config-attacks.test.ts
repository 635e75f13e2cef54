// Configuration attacks from issue 13: what a config tried that was silently accepted.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKey, readSigningKey } from '@sealpack/openpgp';
import { signTarball } from '@sealpack/sign';
import { loadPolicy } from '@sealpack/trust';
import { cleanTempDirs, rejects, runCli, tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';

const test = suite('trust: config attacks');
let alicePublic: string;
test.before(async () => {
  alicePublic = (await generateKey({ name: 'alice', date: new Date('2024-01-01T00:00:00Z') })).publicKey;
});
test.after(cleanTempDirs);

async function project(config: unknown): Promise<string> {
  const dir = await tempDir('sealpack-config-');
  await mkdir(join(dir, '.sealpack', 'keys'), { recursive: true });
  await writeFile(join(dir, '.sealpack', 'keys', 'alice.asc'), alicePublic);
  await writeFile(join(dir, '.sealpackrc.json'), JSON.stringify(config));
  return dir;
}
const detailsOf = (error: Error) => String((error as Error & { details: string }).details);

test('extraFiles that excuse code anywhere ("**", "*", "**/*.js") are refused; build output globs pass', async () => {
  for (const glob of ['**', '**/*', '*', '**/*.js', '*/**']) {
    const dir = await project({ extraFiles: ['build/**', glob] });
    const error = await rejects(() => loadPolicy({ cwd: dir }), 'ESEAL_CONFIG');
    assert.match(detailsOf(error), /extraFiles\[1\]: .* excuses files Node loads anywhere/, glob);
  }
  const dir = await project({ extraFiles: ['build/**', '**/*.map', 'prebuilds/*.node'] });
  assert.equal((await loadPolicy({ cwd: dir })).policy.extraFiles, ['build/**', '**/*.map', 'prebuilds/*.node']);
});

test('a trust glob that is invalid or matches no package name is refused', async () => {
  for (const glob of ['[', '@acme/[', 'not a name', '@acme/ widget*']) {
    const dir = await project({ trust: [{ packages: ['@acme/*', glob], keys: ['alice'] }] });
    const error = await rejects(() => loadPolicy({ cwd: dir }), 'ESEAL_CONFIG');
    assert.match(detailsOf(error), /trust\[0\]\.packages: .*(not a valid glob|matches no package name)/, glob);
  }
  const dir = await project({ trust: [{ packages: ['@acme/*', 'left-pad', 'JSONStream', '{a,b}-*'], keys: ['alice'] }] });
  assert.is((await loadPolicy({ cwd: dir })).policy.trust[0]!.packages.length, 4);
});

test('a .sealpackrc.json that is a folder is refused naming it (not skipped for a config further up)', async () => {
  const parent = await project({ unsigned: 'allow' });
  const child = join(parent, 'child');
  await mkdir(join(child, '.sealpackrc.json'), { recursive: true });
  const error = await rejects(() => loadPolicy({ cwd: child }), 'ESEAL_CONFIG', /a folder/);
  assert.ok(error.message.includes(join(child, '.sealpackrc.json')));
  // A FIFO given with --config: test/e2e/blocking-inputs.test.ts (were it opened, the read would block forever).
});

test('cosmiconfig\'s own settings in the working folder (.config/config.json, a "cosmiconfig" key) do not bring in another config file', async () => {
  // cosmiconfig's factory reads them from process.cwd(), and its search then answered with that
  // file's "sealpack" key before the .sealpackrc.json beside it: here, one signer where the
  // reviewed config asks for two.
  const dir = await project({ trust: [{ packages: 'one', keys: ['alice', 'bob'], threshold: 2 }] });
  const alice = await generateKey({ name: 'alice' });
  await writeFile(join(dir, '.sealpack', 'keys', 'alice.asc'), alice.publicKey);
  await writeFile(join(dir, '.sealpack', 'keys', 'bob.asc'), (await generateKey({ name: 'bob' })).publicKey);
  await mkdir(join(dir, '.config'));
  const weaker = { keyring: '../.sealpack/keys', trust: [{ packages: 'one', keys: ['alice'] }] };
  await writeFile(join(dir, '.config', 'config.json'), JSON.stringify({ cosmiconfig: {}, sealpack: weaker }));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  const tarball = await makeTarball(join(dir, 'one-1.0.0.tgz'), packageFiles('one', '1.0.0'));
  await signTarball(tarball, { signer: await readSigningKey(alice.privateKey) });
  const result = runCli(['verify', tarball], { cwd: dir });
  assert.is(result.status, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /ESEAL_THRESHOLD/);
  assert.not.match(result.stderr, /config\.json/);
});

test.run();
