// The command line before it is parsed: a private key pasted as an argument's value is refused
// and never echoed; no value's characters can turn into --help and an exit 0 with nothing done.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKey } from '@sealpack/openpgp';
import { hidePrivateKeys } from '../../packages/cli/src/arguments.js';
import { cli } from '../helpers/cli.js';
import { cleanTempDirs, tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';

const test = suite('cli: arguments refused before parsing');
test.after(cleanTempDirs);

const ctx = {} as { dir: string; armored: string; body: string[] };
test.before(async () => {
  ctx.dir = await tempDir('sealpack-arguments-');
  ctx.armored = (await generateKey({ name: 'alice', email: 'alice@example.test' })).privateKey;
  // The key's base64 lines: none may appear in anything printed.
  ctx.body = ctx.armored.split('\n').filter((line) => /^[A-Za-z0-9+/=]{20,}$/.test(line));
  await makeTarball(join(ctx.dir, 'w-1.0.0.tgz'), packageFiles('w', '1.0.0'));
  await writeFile(join(ctx.dir, 'package.json'), JSON.stringify({ name: 'w', version: '1.0.0' }));
});

const leaks = (text: string) => ctx.body.some((line) => text.includes(line)) || /BEGIN PGP PRIVATE/.test(text);

test('a private key as a flag value, positional or after --: exit 2, ESEAL_CONFIG with a hint, the key never shown', async () => {
  const k = ctx.armored;
  const cases: [string[], RegExp][] = [
    [['sign', 'w-1.0.0.tgz', `--key=${k}`], /argument 3 \(the value of --key\) holds an armored block/],
    // cac read the key as short flags; its `h` printed the help and exited 0, nothing published.
    [['publish', '.', '--key', k], /argument 4 \(after --key\) holds an armored block/],
    [['publish', '.', '--dry-run', '--key', k], /argument 5 \(after --key\)/],
    [['seal', 'w-1.0.0.tgz', '--signer', k], /argument 4 \(after --signer\)/],
    [['sign', k], /argument 2 holds an armored block/],
    [['sign', 'w-1.0.0.tgz', '--', k], /argument 4 holds an armored block/],
    [['keys', 'rotate', '--name', 'b', `--from=${k}`], /the value of --from/],
    [['verify', 'w-1.0.0.tgz', `--config=${k}`], /the value of --config/],
  ];
  for (const [args, message] of cases) {
    const label = args.map((a) => (a.includes('BEGIN') ? 'KEY' : a)).join(' ');
    const run = await cli(args, { cwd: ctx.dir, env: { SEALPACK_PASSPHRASE: '' } });
    assert.is(run.status, 2, label);
    assert.not.ok(leaks(run.stdout + run.stderr), `${label}: the key is not echoed`);
    assert.not.match(run.stdout, /Usage:/, `${label}: not the help`);
    assert.match(run.stderr, /error ESEAL_CONFIG: /, label);
    assert.match(run.stderr, message, label);
    assert.match(run.stderr, /hint: give the private key as a file \(`--key FILE`\), in the environment \(`SEALPACK_KEY`/);
    const json = await cli([...args, '--json'], { cwd: ctx.dir, env: { SEALPACK_PASSPHRASE: '' } });
    assert.is(json.status, 2, `${label} --json`);
    assert.not.ok(leaks(json.stdout + json.stderr), `${label} --json: the key is not echoed`);
    const document = JSON.parse(json.stdout) as { ok: boolean; error: { code: string; message: string; hint: string } };
    assert.is(document.ok, false);
    assert.is(document.error.code, 'ESEAL_CONFIG');
    assert.match(document.error.message, message);
    assert.match(document.error.hint, /SEALPACK_KEY/);
  }
  assert.equal((await readdir(ctx.dir)).sort(), ['package.json', 'w-1.0.0.tgz'], 'nothing written');
});

test('a value read as a group of short flags is refused, never --help with exit 0', async () => {
  for (const args of [
    ['publish', '.', '--dry-run', '--tag', '-xyh'],
    ['sign', 'w-1.0.0.tgz', '-rh'],
    ['verify', '---help', 'w-1.0.0.tgz'],
  ]) {
    const run = await cli(args, { cwd: ctx.dir });
    assert.is(run.status, 2, args.join(' '));
    assert.not.match(run.stdout, /Usage:/, args.join(' '));
    assert.match(run.stderr, /would be read as a group of short flags: refused/, args.join(' '));
    assert.match(run.stderr, /hint: give a value that starts with "-" with "="/);
  }
  // A flag where a value belongs: cac left --tag without one and printed the help for -h.
  for (const args of [
    ['publish', '.', '--dry-run', '--tag', '-h'],
    ['publish', '.', '--dry-run', '--registry', '--help'],
    ['verify', 'w-1.0.0.tgz', '--config', '-v'],
  ]) {
    const run = await cli(args, { cwd: ctx.dir });
    assert.is(run.status, 2, args.join(' '));
    assert.not.match(run.stdout, /Usage:|sealpack\/\d/, args.join(' '));
    assert.match(run.stderr, new RegExp(`expected a value after ${args.at(-2)}, found a flag: refused`), args.join(' '));
  }
  // The same value with "=" is a value, and -h alone is still the help.
  const tagged = await cli(['publish', '.', '--tag=-xyh', '--frobnicate'], { cwd: ctx.dir });
  assert.match(tagged.stderr, /Unknown option `--frobnicate`/);
  for (const help of [['publish', '-h'], ['publish', '--help'], ['-h']]) {
    const run = await cli(help, { cwd: ctx.dir });
    assert.is(run.status, 0, help.join(' '));
    assert.match(run.stdout, /Usage:/);
  }
});

test('a value on several lines is refused without being shown', async () => {
  const run = await cli(['sign', 'w-1.0.0.tgz', '--signer', 'exec:first\nsecret-second-line'], { cwd: ctx.dir });
  assert.is(run.status, 2);
  assert.match(run.stderr, /argument 4 \(after --signer\) spans several lines: refused/);
  assert.match(run.stderr, /hint: a file's contents belong in a file/);
  assert.not.match(run.stdout + run.stderr, /secret-second-line/);
});

test('an armored key where a command or a path belongs in the environment is not echoed either', async () => {
  for (const env of [{ SEALPACK_SIGNER: ctx.armored }, { SEALPACK_SIGNER: 'gpg', SEALPACK_SIGNER_KEY: ctx.armored }]) {
    const run = await cli(['sign', 'w-1.0.0.tgz'], { cwd: ctx.dir, env });
    assert.is(run.status, 2, Object.keys(env).join(' '));
    assert.match(run.stdout, /error ESEAL_CONFIG: .*\[private key, not shown\]/);
    assert.not.ok(leaks(run.stdout + run.stderr), `${Object.keys(env).join(' ')}: the key is not echoed`);
  }
});

test('hidePrivateKeys: a private key block is hidden, whole or cut short; signatures and public keys stay', () => {
  const [head, ...rest] = ctx.armored.trim().split('\n');
  assert.is(hidePrivateKeys(`cannot read /x/${ctx.armored.trim()} (ENOENT)`), 'cannot read /x/[private key, not shown] (ENOENT)');
  assert.is(
    hidePrivateKeys(`found ${JSON.stringify([head, ...rest.slice(0, 3)].join('\n'))}…`),
    'found "[private key, not shown]',
  );
  const signature = 'found more after it: "-----BEGIN PGP SIGNATURE-----\\n\\nwnUEABYKACcFgm"…; nothing was written';
  assert.is(hidePrivateKeys(signature), signature);
});

test.run();
