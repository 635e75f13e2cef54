import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import {
  gpgCertifier,
  keyFileCertifier,
  readPrivateKey,
  rotateKey,
  type KeyAlgorithm,
  type KeyCertifier,
} from '@sealpack/openpgp';
import { writeFileAtomic } from '@sealpack/sign';
import type { Context } from '../main.js';
import { parseExpiry, readKeyFile } from '../options.js';
import { readNewPassphrase } from '../prompt.js';
import { printJson } from '../report.js';

const ALGORITHMS: Record<string, KeyAlgorithm> = { ed25519: 'ed25519', rsa3072: 'rsa3072', rsa4096: 'rsa4096' };
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * `sealpack keys rotate --from OLD.key.asc | --signer gpg[:KEYID] --name NEW [--out DIR]`: writes NEW.key.asc,
 * NEW.pub.asc (certified by the old key) and OLD.revocation.asc (`superseded`, dated now).
 * The old key's passphrase is SEALPACK_PASSPHRASE; the new key is encrypted with
 * SEALPACK_NEW_PASSPHRASE, else the same passphrase, else one asked on the terminal (prompt.ts).
 */
export async function run(_args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const signer = typeof options.signer === 'string' ? options.signer : context.env.SEALPACK_SIGNER;
  if (typeof options.from !== 'string' && !signer) {
    throw new SealError(
      'ESEAL_CONFIG',
      '--from: expected the old private key file (OLD.key.asc) or --signer gpg[:KEYID], found neither',
    );
  }
  const name = typeof options.name === 'string' ? options.name : '';
  if (!NAME.test(name)) {
    throw new SealError('ESEAL_CONFIG', `--name: expected a file-safe key name such as release-2027, found ${name || 'nothing'}`);
  }
  const algorithm = ALGORITHMS[String(options.algo ?? 'ed25519')];
  if (!algorithm)
    throw new SealError('ESEAL_CONFIG', `--algo: expected ed25519, rsa3072 or rsa4096, found ${String(options.algo)}`);
  // Asked (or refused) before the old key is touched, as keygen asks: never an unencrypted key by accident.
  const newPassphrase = await readNewPassphrase(context.env, context.logger, ['SEALPACK_NEW_PASSPHRASE', 'SEALPACK_PASSPHRASE']);
  const fromFile = typeof options.from === 'string' ? resolve(context.cwd, options.from) : undefined;
  const certifier = await oldKey(fromFile, signer, context);
  const oldName = fromFile
    ? basename(fromFile).replace(/(\.key)?\.(asc|gpg|pgp)$/, '')
    : certifier.publicKey.userIds[0]?.replace(/\s*<.*$/, '').replace(/[^A-Za-z0-9._-]+/g, '-') || certifier.publicKey.keyId;
  const out = resolve(context.cwd, String(options.out ?? '.'));
  const files = {
    privateKey: join(out, `${name}.key.asc`),
    publicKey: join(out, `${name}.pub.asc`),
    revocation: join(out, `${oldName}.revocation.asc`),
  };
  // Never replace a key or a revocation: either may be the only copy.
  for (const file of Object.values(files)) {
    if (existsSync(file)) throw new SealError('ESEAL_CONFIG', `${file} exists: expected a new key name or another --out folder`);
  }
  const oldEmail = /<([^>]+)>/.exec(certifier.publicKey.userIds[0] ?? '')?.[1];
  const rotated = await rotateKey({
    from: certifier,
    key: {
      name,
      email: typeof options.email === 'string' ? options.email : oldEmail,
      algorithm,
      v6: options.v6 === true,
      expires: parseExpiry(options.expires ?? '2y'),
      passphrase: newPassphrase,
    },
  });
  for (const warning of rotated.warnings) context.logger.warn(warning);
  await mkdir(out, { recursive: true });
  await writeFileAtomic(files.privateKey, rotated.privateKey, 0o600);
  await writeFileAtomic(files.publicKey, rotated.publicKey, 0o644);
  await writeFileAtomic(files.revocation, rotated.revocation, 0o644);
  const when = rotated.date.toISOString();
  if (options.json === true) {
    printJson(context, {
      ok: true,
      exitCode: 0,
      fingerprint: rotated.fingerprint,
      superseded: { name: oldName, fingerprint: rotated.oldFingerprint, date: when },
      privateKey: files.privateKey,
      publicKey: files.publicKey,
      revocation: files.revocation,
    });
  }
  context.out(`new key ${rotated.fingerprint}, certified by ${oldName} (${rotated.oldFingerprint})`);
  if (!fromFile) context.out(`gpg: the new public key was imported into your keyring to certify it`);
  context.out(`${oldName} is revoked as superseded on ${when}: its signatures made before stay valid, later ones fail`);
  context.out(`wrote ${files.privateKey} (private: keep it secret), ${files.publicKey} and ${files.revocation}`);
  context.out(`publish ${basename(files.publicKey)} and ${basename(files.revocation)}; consumers run`);
  context.out(`  sealpack keys update ${basename(files.publicKey)} ${basename(files.revocation)}`);
  context.out(`and re-sign earlier releases with \`sealpack keys resign X.tgz --key ${basename(files.privateKey)}\``);
  for (const file of Object.values(files)) context.out(file);
  return 0;
}

/**
 * The old key: a key file (`--from`, passphrase SEALPACK_PASSPHRASE), or the local GnuPG
 * (`--signer gpg[:KEYID]` or SEALPACK_SIGNER). An exec: signer makes document signatures only:
 * it cannot certify a key, so it is refused.
 */
async function oldKey(fromFile: string | undefined, signer: string | undefined, context: Context): Promise<KeyCertifier> {
  if (fromFile) {
    const passphrase = context.env.SEALPACK_PASSPHRASE || undefined;
    return keyFileCertifier(await readPrivateKey(await readKeyFile(fromFile), passphrase, fromFile));
  }
  const [kind, ...rest] = String(signer).split(':');
  if (kind === 'gpg') {
    const keyId = rest.join(':').trim();
    return gpgCertifier({ env: context.env, ...(keyId ? { keyId } : {}) });
  }
  throw new SealError(
    'ESEAL_CONFIG',
    `keys rotate: expected --from OLD.key.asc or --signer gpg[:KEYID], found ${JSON.stringify(signer)}: an exec: signer makes document signatures only, and a hand-over needs a key certification and a revocation by the old key`,
  );
}
