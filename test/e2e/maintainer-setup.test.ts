// A maintainer's first minutes: keygen asks for the passphrase on a real terminal (a pty
// made by util-linux `script`) and keeps the private key outside the repository; init
// ignores private keys in git; doctor asks the registry (a real Verdaccio) who we are and
// says which key, expiry and registry it checked.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSigningKey } from '@sealpack/openpgp';
import { CLI, rejects, tempDir } from '../helpers/index.js';
import { exec, noStack, sealpack, registrySuite, writeTree } from './publish-helpers.js';

const { test, ctx } = registrySuite('e2e: keygen on a terminal, init, doctor against a registry');

/**
 * Runs the CLI on a pseudo-terminal and types each answer once its prompt has appeared
 * (waiting on output, not on the clock). Returns everything the terminal showed.
 */
async function onTerminal(args: string[], cwd: string, env: NodeJS.ProcessEnv, answers: [RegExp, string][]) {
  // Once (of two CI runs on a loaded machine) the first keygen sat at its prompt forever; not
  // reproduced since. A bounded wait turns that into a retry, and a second stall into a failure
  // that shows the screen, instead of a CI run that never ends.
  const first = await onTerminalOnce(args, cwd, env, answers);
  return first.status === null ? onTerminalOnce(args, cwd, env, answers) : first;
}

function onTerminalOnce(args: string[], cwd: string, env: NodeJS.ProcessEnv, answers: [RegExp, string][]) {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise<{ status: number | null; screen: string }>((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, env, detached: true });
    const stalled = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 90_000);
    child.on('exit', () => clearTimeout(stalled));
    child.on('error', reject);
    let screen = '';
    let next = 0;
    const onOutput = (chunk: Buffer) => {
      screen += chunk.toString('utf8');
      while (next < answers.length && answers[next]![0].test(screen.slice(screen.lastIndexOf('\n', screen.length - 2) + 1))) {
        child.stdin.write(`${answers[next]![1]}\r`);
        next++;
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('close', (status) => resolve({ status, screen }));
  });
}

test('keygen on a terminal: asks twice, echoes nothing, encrypts, writes to ~/.sealpack/keys (not the repository)', async () => {
  const repo = await tempDir('sealpack-repo-');
  const { SEALPACK_PASSPHRASE: _unset, ...env } = ctx.setup.env;
  const secret = 'tty passphrase 42';
  const result = await onTerminal(['keygen', '--name', 'release', '--email', 'r@example.com'], repo, env, [
    [/Passphrase for the new private key: $/, secret],
    [/Repeat it: $/, secret],
  ]);
  assert.is(result.status, 0, result.screen);
  assert.not.ok(result.screen.includes(secret), 'the passphrase is never shown');
  assert.equal(await readdir(repo), [], 'nothing written into the working directory');
  const keyFile = join(ctx.setup.home, '.sealpack', 'keys', 'release.key.asc');
  const armored = await readFile(keyFile, 'utf8');
  await rejects(() => readSigningKey(armored, undefined, keyFile), 'ESEAL_CONFIG');
  assert.ok((await readSigningKey(armored, secret, keyFile)).fingerprint);
  assert.ok(existsSync(join(ctx.setup.home, '.sealpack', 'keys', 'release.pub.asc')));

  const differ = await onTerminal(['keygen', '--name', 'other'], repo, env, [
    [/Passphrase for the new private key: $/, 'one'],
    [/Repeat it: $/, 'two'],
  ]);
  assert.is(differ.status, 2, differ.screen);
  assert.match(differ.screen, /the two passphrases differ/);
  assert.not.ok(existsSync(join(ctx.setup.home, '.sealpack', 'keys', 'other.key.asc')));
});

test('keygen with no terminal and no SEALPACK_PASSPHRASE writes nothing (exit 2); an empty one on purpose is unencrypted', async () => {
  const out = await tempDir('sealpack-keys-');
  const { SEALPACK_PASSPHRASE: _unset, ...env } = ctx.setup.env;
  const refused = sealpack(['keygen', '--name', 'ci', '--out', out], out, env);
  assert.is(refused.status, 2);
  assert.match(
    refused.stdout,
    /ESEAL_CONFIG: no passphrase for the private key: expected a terminal to ask on, or SEALPACK_PASSPHRASE/,
  );
  assert.ok(noStack(refused));
  assert.equal(await readdir(out), []);
  const plain = sealpack(['keygen', '--name', 'ci', '--out', out], out, { ...env, SEALPACK_PASSPHRASE: '' });
  assert.is(plain.status, 0, plain.stdout + plain.stderr);
  assert.match(plain.stderr, /unencrypted/);
});

test('init adds *.key.asc to .gitignore, once; git then ignores a private key in the repository', async () => {
  const root = await tempDir('sealpack-init-');
  await writeTree(root, { 'package.json': { name: 'solo', version: '1.0.0', files: ['index.js'] } });
  await writeFile(join(root, '.gitignore'), 'node_modules');
  assert.is(exec('git', ['init', '-q'], root, ctx.setup.env).status, 0);
  const first = sealpack(['init'], root, ctx.setup.env);
  assert.is(first.status, 0, first.stdout + first.stderr);
  assert.match(first.stdout, /added \*\.key\.asc to \.gitignore/);
  assert.match(first.stdout, /npx --no-install sealpack keygen/);
  const ignore = await readFile(join(root, '.gitignore'), 'utf8');
  assert.ok(ignore.startsWith('node_modules\n'), ignore);
  assert.ok(ignore.endsWith('*.key.asc\n'), ignore);
  assert.is(exec('git', ['check-ignore', '-q', 'release.key.asc'], root, ctx.setup.env).status, 0);
  assert.is(sealpack(['init'], root, ctx.setup.env).status, 0);
  assert.is(await readFile(join(root, '.gitignore'), 'utf8'), ignore, 'idempotent');
});

test('doctor asks the registry who we are, and reports the key, its expiry and the registry (--json too)', async () => {
  const root = await tempDir('sealpack-doctor-');
  await writeTree(root, {
    'package.json': { name: 'doc-pkg', version: '1.0.0', files: ['index.js'], scripts: { prepublishOnly: 'sealpack guard' } },
    '.sealpack/keys/release.asc': ctx.setup.publicKey,
  });
  await ctx.registry.writeNpmrc(root);
  const ok = sealpack(['doctor', '--key', ctx.setup.key], root, ctx.setup.env);
  assert.is(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(
    ok.stdout,
    new RegExp(`key: ${ctx.setup.fingerprint} release <release@example.com>, never expires, pinned as release`),
  );
  assert.match(ok.stdout, new RegExp(`registry: ${ctx.registry.url} \\(logged in as sealpack-test\\)`));

  const json = sealpack(['doctor', '--json', '--key', ctx.setup.key], root, ctx.setup.env);
  assert.is(json.status, 0, json.stdout + json.stderr);
  const report = JSON.parse(json.stdout);
  assert.is(report.ok, true);
  assert.is(report.key.fingerprint, ctx.setup.fingerprint);
  assert.is(report.key.pinnedAs, 'release');
  assert.is(report.key.expires, null);
  assert.equal(report.registries, [{ registry: ctx.registry.url, user: 'sealpack-test' }]);

  await writeFile(
    join(root, '.npmrc'),
    `registry=${ctx.registry.url}\n//127.0.0.1:${ctx.registry.port}/:_authToken=not-a-token\n`,
  );
  const denied = sealpack(['doctor', '--json', '--key', ctx.setup.key], root, ctx.setup.env);
  assert.is(denied.status, 1, denied.stdout + denied.stderr);
  const problems = JSON.parse(denied.stdout).problems as string[];
  assert.ok(
    problems.some((p) => /registry: .*expected to be logged in, found (HTTP 401|an anonymous user)/.test(p)),
    problems.join('\n'),
  );
});

test.run();
