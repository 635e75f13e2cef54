// `X.tgz.asc`, the signature gpg users check, through `sealpack verify` with signatures real
// gpg made: each signature in it is judged by the rules of a seal's signatures (hash policy,
// revocation, key expiry, its own lifetime), never only for a cryptographic match.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanTempDirs, runCli, tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { Gpg } from '../helpers/gpg.js';

const test = suite('e2e: X.tgz.asc judged by the signature rules');

// Keys made in the past, so that gpg can date a signature that has expired by now.
const PAST = ['--faked-system-time', '20250101T000000!'];

let gpg: Gpg;
let dir: string;
let tgz: string;
let alice: string;
let mallory: string;
let stranger: string;

test.before(async () => {
  gpg = await Gpg.create();
  alice = gpg.generate('Alice <alice@example.org>', 'ed25519', 'sign', '0', PAST);
  mallory = gpg.generate('Mallory <mallory@example.org>', 'ed25519', 'sign', '0', PAST);
  stranger = gpg.generate('Stranger <stranger@example.org>', 'ed25519', 'sign', '0', PAST);
  dir = await tempDir('sealpack-tgzasc-');
  await mkdir(join(dir, '.sealpack', 'keys'), { recursive: true });
  await writeFile(join(dir, '.sealpack', 'keys', 'alice.asc'), gpg.exportPublic(alice));
  await writeFile(join(dir, '.sealpack', 'keys', 'mallory.asc'), gpg.exportPublic(mallory));
  await writeFile(
    join(dir, '.sealpack', 'revocations.json'),
    JSON.stringify([{ fingerprint: mallory, reason: 'compromised', date: '2025-03-01T00:00:00Z', comment: 'laptop stolen' }]),
  );
  await writeFile(join(dir, 'alice.key.asc'), gpg.exportSecret(alice));
  tgz = await makeTarball(join(dir, 'tiny-1.0.0.tgz'), packageFiles('tiny', '1.0.0'));
  // The seal (manifest + its signature) by alice, valid throughout: only X.tgz.asc changes below.
  const signed = runCli(['sign', tgz, '--key', join(dir, 'alice.key.asc')], { cwd: dir });
  assert.is(signed.status, 0, signed.stdout + signed.stderr);
});

test.after(async () => {
  gpg.stop();
  await cleanTempDirs();
});

/** Replaces X.tgz.asc with `signature`, runs `sealpack verify --json`: exit code and findings. */
async function verifyWith(signature: string | Uint8Array) {
  await writeFile(`${tgz}.asc`, signature);
  const result = runCli(['verify', '--json', tgz], { cwd: dir });
  assert.not.match(result.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  const verdict = JSON.parse(result.stdout) as { findings: { code: string; severity: string; message: string; hint?: string }[] };
  return { status: result.status, findings: verdict.findings, codes: verdict.findings.map((f) => `${f.severity}:${f.code}`) };
}

const tarballBytes = async () => new Uint8Array(await readFile(tgz));

test('a good X.tgz.asc by a pinned key passes', async () => {
  const result = await verifyWith(await gpg.signDetached(alice, await tarballBytes()));
  assert.equal([result.status, result.codes], [0, []]);
});

test('an X.tgz.asc made with gpg --digest-algo SHA1 is ESEAL_WEAK_ALGORITHM (it passed)', async () => {
  const result = await verifyWith(await gpg.signDetached(alice, await tarballBytes(), ['--digest-algo', 'SHA1']));
  assert.equal([result.status, result.codes], [1, ['error:ESEAL_WEAK_ALGORITHM']]);
  assert.match(result.findings[0]!.message, /tiny-1\.0\.0\.tgz\.asc: signature #1 by alice .*hash sha1/);
});

test('an X.tgz.asc by a pinned key listed compromised is ESEAL_KEY_REVOKED, next to a good one too (it passed)', async () => {
  const bytes = await tarballBytes();
  const alone = await verifyWith(await gpg.signDetached(mallory, bytes));
  assert.equal([alone.status, alone.codes], [1, ['error:ESEAL_KEY_REVOKED']]);
  assert.match(alone.findings[0]!.message, /mallory .*compromised/);
  const both = await verifyWith(await gpg.signDetached(alice, bytes, ['--local-user', mallory]));
  assert.equal([both.status, both.codes], [1, ['error:ESEAL_KEY_REVOKED']]);
});

test('an X.tgz.asc past its own expiration (gpg --default-sig-expire) is ESEAL_SIGNATURE_EXPIRED (it passed)', async () => {
  const expired = await gpg.signDetached(alice, await tarballBytes(), [
    '--faked-system-time',
    '20250601T000000!',
    '--default-sig-expire',
    '1d',
  ]);
  const result = await verifyWith(expired);
  assert.equal([result.status, result.codes], [1, ['error:ESEAL_SIGNATURE_EXPIRED']]);
  assert.match(result.findings[0]!.message, /expired on 2025-06-02/);
});

test('an X.tgz.asc dated a day ahead is ESEAL_SIGNATURE_EXPIRED "dated in the future" (it was BAD_SIGNATURE, "altered")', async () => {
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().replace(/[-:]/g, '').slice(0, 15);
  const result = await verifyWith(await gpg.signDetached(alice, await tarballBytes(), ['--faked-system-time', `${tomorrow}!`]));
  assert.equal([result.status, result.codes], [1, ['error:ESEAL_SIGNATURE_EXPIRED']]);
  assert.match(result.findings[0]!.message, /dated in the future \(check the clocks/);
  assert.not.match(result.findings[0]!.hint ?? '', /altered/);
});

test('an X.tgz.asc that does not verify over the tarball stays ESEAL_BAD_SIGNATURE', async () => {
  const result = await verifyWith(await gpg.signDetached(alice, new TextEncoder().encode('other bytes')));
  assert.equal([result.status, result.codes], [1, ['error:ESEAL_BAD_SIGNATURE']]);
});

test('an unreadable X.tgz.asc is ESEAL_MALFORMED (it was BAD_SIGNATURE)', async () => {
  const garbage = await verifyWith('-----BEGIN PGP SIGNATURE-----\n\nbm90IGEgc2lnbmF0dXJl\n-----END PGP SIGNATURE-----\n');
  assert.equal([garbage.status, garbage.codes], [1, ['error:ESEAL_MALFORMED']]);
  const binary = await verifyWith(new Uint8Array([0x01, 0x02, 0x03, 0x04]));
  assert.equal([binary.status, binary.codes], [1, ['error:ESEAL_MALFORMED']]);
});

test('an X.tgz.asc by a key that is not pinned stays a warning, unless its hash is refused', async () => {
  const bytes = await tarballBytes();
  const unknown = await verifyWith(await gpg.signDetached(stranger, bytes));
  assert.equal([unknown.status, unknown.codes], [0, ['warning:ESEAL_UNKNOWN_KEY']]);
  const weak = await verifyWith(await gpg.signDetached(stranger, bytes, ['--digest-algo', 'SHA1']));
  assert.equal([weak.status, weak.codes], [1, ['error:ESEAL_WEAK_ALGORITHM']]);
});

test.run();
