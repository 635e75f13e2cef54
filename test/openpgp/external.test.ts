// The check every gpg/exec signature passes before it is used, with an injected clock, and
// the runner with Node itself as the "command" (no shell, no gpg): fast unit cases.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendSignatures, externalSigner, generateKey, readPublicKey, readSigningKey, type KeyInfo } from '@sealpack/openpgp';
import { checkReturnedSignature } from '../../packages/openpgp/src/external.js';
import { parseSecretKeys } from '../../packages/openpgp/src/gpg.js';
import { rejects } from '../helpers/index.js';

const test = suite('openpgp: external signers');
const data = new TextEncoder().encode('{"format":"sealpack/manifest@1"}\n');
const MADE = new Date('2026-06-01T12:00:00Z');
const HOUR = 3_600_000;

const keys = {} as { key: KeyInfo; sign: (bytes: Uint8Array, date?: Date) => Promise<string>; otherSign: typeof keys.sign };

test.before(async () => {
  const [mine, other] = await Promise.all([
    generateKey({ name: 'Mine', date: new Date('2026-01-01T00:00:00Z') }),
    generateKey({ name: 'Other', date: new Date('2026-01-01T00:00:00Z') }),
  ]);
  keys.key = await readPublicKey(mine.publicKey);
  const signer = await readSigningKey(mine.privateKey);
  keys.sign = (bytes, date) => signer.sign(bytes, date);
  const otherSigner = await readSigningKey(other.privateKey);
  keys.otherSign = (bytes, date) => otherSigner.sign(bytes, date);
});

const check = (armored: string, now = MADE) => checkReturnedSignature(data, armored, keys.key, { label: 'exec:test', now });

test('a fresh signature by the key over the bytes is returned re-armored', async () => {
  const armored = await keys.sign(data, MADE);
  const returned = await check(`\n${armored}\n`);
  assert.match(returned, /^-----BEGIN PGP SIGNATURE-----/);
  assert.ok(await check(returned, new Date(MADE.getTime() + 4 * 60_000)), 'a few minutes of skew is fine');
});

test('refusals: wrong key, other bytes, two packets, trailing text, clock', async () => {
  await rejects(async () => check(await keys.otherSign(data, MADE)), 'ESEAL_BAD_SIGNATURE', /expected a signature by/);
  await rejects(async () => check(await keys.sign(data.slice(1), MADE)), 'ESEAL_BAD_SIGNATURE', /does not verify/);
  const two = await appendSignatures(await keys.sign(data, MADE), await keys.otherSign(data, MADE));
  await rejects(() => check(two), 'ESEAL_BAD_SIGNATURE', /exactly one signature packet, found 2/);
  await rejects(async () => check(`${await keys.sign(data, MADE)}\nmore`), 'ESEAL_BAD_SIGNATURE', /found more after it/);
  await rejects(() => check('-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n'), 'ESEAL_BAD_SIGNATURE');
  const signature = await keys.sign(data, MADE);
  await rejects(() => check(signature, new Date(MADE.getTime() + 2 * HOUR)), 'ESEAL_BAD_SIGNATURE', /made now/);
  await rejects(() => check(signature, new Date(MADE.getTime() - 10 * 60_000)), 'ESEAL_BAD_SIGNATURE', /made now/);
});

test('the runner: stdin in, stdout out; a failing, silent or hanging command is refused', async () => {
  const armored = await keys.sign(data);
  const node = (script: string) => [process.execPath, '-e', script];
  const echo = node(`process.stdin.resume(); process.stdin.on('end', () => process.stdout.write(${JSON.stringify(armored)}))`);
  const signer = externalSigner({ command: echo, key: keys.key, label: 'exec:echo' });
  assert.is(signer.fingerprint, keys.key.fingerprint);
  assert.match(await signer.sign(data), /BEGIN PGP SIGNATURE/);
  await rejects(() => signer.sign(data, MADE), 'ESEAL_CONFIG', /signs at the current time only/);

  const lines: string[] = [];
  const failing = externalSigner({
    command: node(`console.error('kms: denied'); process.exit(4)`),
    key: keys.key,
    label: 'exec:fail',
    onStderr: (line) => lines.push(line),
  });
  await rejects(() => failing.sign(data), 'ESEAL_CONFIG', /exited with status 4: kms: denied/);
  assert.ok(lines.includes('kms: denied'), lines.join('\n'));
  const missing = externalSigner({ command: ['sealpack-no-such-command'], key: keys.key, label: 'exec:missing' });
  await rejects(() => missing.sign(data), 'ESEAL_CONFIG', /cannot run sealpack-no-such-command \(ENOENT\)/);
  const hanging = externalSigner({
    command: node('setInterval(() => {}, 1000)'),
    key: keys.key,
    label: 'exec:hang',
    timeoutMs: 200,
  });
  await rejects(() => hanging.sign(data), 'ESEAL_CONFIG', /did not finish within 0.2 s/);

  // A process the command started keeps stdout open after the command is killed: the wait
  // still ends at the timeout (it would otherwise last as long as that process).
  const pids: string[] = [];
  const spawner = externalSigner({
    // A shell starts in milliseconds (node takes a tenth of a second, more on a loaded machine):
    // its background sleep inherits stdout, and the shell waits on forever.
    command: ['sh', '-c', 'sleep 600 & echo $! >&2; while :; do sleep 1; done'],
    key: keys.key,
    label: 'exec:spawner',
    // Long enough for a loaded machine to start the shell and its child before the timeout.
    timeoutMs: 1000,
    onStderr: (line) => void (/^\d+$/.test(line) && pids.push(line)),
  });
  try {
    await rejects(() => spawner.sign(data), 'ESEAL_CONFIG', /did not finish within 1 s/);
  } finally {
    for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
  }
  assert.is(pids.length, 1);
});

test('parseSecretKeys: primary fingerprints, signing capability, revoked and expired keys', () => {
  const listing = [
    'sec:u:255:22:AAAAAAAAAAAAAAAA:1700000000:::u:::scSC:::+:::ed25519:::0:',
    'fpr:::::::::AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:',
    'ssb:u:255:18:BBBBBBBBBBBBBBBB:1700000000::::::e:::+:::cv25519::',
    'fpr:::::::::BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB:',
    'sec:r:255:22:CCCCCCCCCCCCCCCC:1700000000:::u:::scSC:::+:::ed25519:::0:',
    'fpr:::::::::CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC:',
    'sec:u:3072:1:DDDDDDDDDDDDDDDD:1700000000:::u:::cE:::+::::::0:',
    'fpr:::::::::dddddddddddddddddddddddddddddddddddddddd:',
  ].join('\n');
  assert.equal(parseSecretKeys(listing), [
    { fingerprint: 'A'.repeat(40), canSign: true },
    { fingerprint: 'C'.repeat(40), canSign: false },
    { fingerprint: 'D'.repeat(40), canSign: false },
  ]);
});

test.run();
