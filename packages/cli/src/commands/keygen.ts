import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { SealError } from '@sealpack/diagnostics';
import { generateKey, type KeyAlgorithm } from '@sealpack/openpgp';
import { writeFileAtomic } from '@sealpack/sign';
import type { Context } from '../main.js';
import { parseExpiry } from '../options.js';
import { readNewPassphrase } from '../prompt.js';
import { printJson } from '../report.js';

/** Private keys live outside any repository by default: a key in a checkout gets committed. */
const defaultKeyFolder = (): string => join(homedir(), '.sealpack', 'keys');

const ALGORITHMS: Record<string, KeyAlgorithm> = { ed25519: 'ed25519', rsa3072: 'rsa3072', rsa4096: 'rsa4096' };

export async function run(_args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const name = typeof options.name === 'string' ? options.name : '';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new SealError('ESEAL_CONFIG', `--name: expected a file-safe key name such as release-bot, found ${name || 'nothing'}`);
  }
  const algorithm = ALGORITHMS[String(options.algo)];
  if (!algorithm)
    throw new SealError('ESEAL_CONFIG', `--algo: expected ed25519, rsa3072 or rsa4096, found ${String(options.algo)}`);
  const out = typeof options.out === 'string' ? resolve(context.cwd, options.out) : defaultKeyFolder();
  const privateFile = join(out, `${name}.key.asc`);
  const publicFile = join(out, `${name}.pub.asc`);
  // Never replace a key: the old private key may be the only copy.
  for (const file of [privateFile, publicFile]) {
    if (existsSync(file)) throw new SealError('ESEAL_CONFIG', `${file} exists: expected a new key name or another --out folder`);
  }
  const passphrase = await readNewPassphrase(context.env, context.logger);
  await mkdir(out, { recursive: true, mode: 0o700 });
  const key = await generateKey({
    name,
    email: typeof options.email === 'string' ? options.email : undefined,
    algorithm,
    v6: options.v6 === true,
    expires: parseExpiry(options.expires),
    passphrase,
  });
  for (const warning of key.warnings) context.logger.warn(warning);
  await writeFileAtomic(privateFile, key.privateKey, 0o600);
  await writeFileAtomic(publicFile, key.publicKey, 0o644);
  if (options.json === true)
    printJson(context, { ok: true, exitCode: 0, fingerprint: key.fingerprint, privateKey: privateFile, publicKey: publicFile });
  context.out(`wrote ${privateFile} (private: keep it secret) and ${publicFile}`);
  context.out(`fingerprint ${key.fingerprint}`);
  context.out(
    `pin it (here and in consumers' repositories) as .sealpack/keys/${name}.asc: cp ${publicFile} .sealpack/keys/${name}.asc`,
  );
  return 0;
}
