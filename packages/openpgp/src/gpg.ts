import { spawnSync } from 'node:child_process';
import { APPROVAL_NOTATION, APPROVAL_VALUE } from './approval.js';
import { sealError } from './error.js';
import { externalSigner } from './external.js';
import { readPublicKey } from './key.js';
import type { KeyCertifier } from './certify.js';
import type { KeyInfo, Signer } from './key.types.js';

export interface GpgSignerOptions {
  /** gpg's `--local-user`: a fingerprint, key id or user ID; `FPR!` for one subkey. Default: the only secret key that can sign. */
  keyId?: string;
  /** The public key signatures must verify against; default: the one gpg exports for the key. */
  key?: KeyInfo;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  now?: () => Date;
  onStderr?: (line: string) => void;
}

/**
 * Signs through the local GnuPG (its agent, smartcards and tokens): `gpg --detach-sign` of
 * the bytes on stdin, as a binary document signature with SHA-512, whatever gpg.conf says
 * about text mode or digests. The key is resolved once, here: every signature gpg returns
 * is then checked against it before it is used.
 */
export async function gpgSigner(options: GpgSignerOptions = {}): Promise<Signer> {
  const env = options.env ?? process.env;
  const fingerprint = findSecretKey(options.keyId, env);
  const key =
    options.key ??
    (await readPublicKey(
      gpgText(['--armor', '--export', fingerprint], env, `export key ${fingerprint}`),
      `gpg key ${fingerprint}`,
    ));
  if (key.fingerprint !== fingerprint) {
    throw sealError('ESEAL_CONFIG', `gpg: expected the public key of ${fingerprint}, found ${key.fingerprint}`, undefined, {
      fingerprint,
    });
  }
  const args = ['--batch', '--no-textmode', '--armor', '--digest-algo', 'SHA512', '--local-user', options.keyId ?? fingerprint];
  const sign = ['--detach-sign', '--output', '-'];
  return externalSigner({
    command: ['gpg', ...args, ...sign],
    // gpg puts --sig-notation in the hashed area; non-critical, so any verifier still checks the signature.
    approvalCommand: ['gpg', ...args, '--sig-notation', `${APPROVAL_NOTATION}=${APPROVAL_VALUE}`, ...sign],
    key,
    label: `gpg (${options.keyId ?? fingerprint})`,
    env,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.now ? { now: options.now } : {}),
    ...(options.onStderr ? { onStderr: options.onStderr } : {}),
  });
}

/**
 * The primary fingerprint of the one secret key `keyId` names (or, without one, of the one
 * secret key that can sign). gpg itself picks a default key by rules of its own
 * (gpg.conf's default-key, keyring order): sealpack asks for a choice instead of guessing.
 */
function findSecretKey(keyId: string | undefined, env: NodeJS.ProcessEnv): string {
  const query = keyId?.replace(/!$/, '');
  const listing = gpgText(
    ['--with-colons', '--list-secret-keys', ...(query ? [query] : [])],
    env,
    `find secret key ${query ?? ''}`,
  );
  const keys = parseSecretKeys(listing);
  const usable = keyId ? keys : keys.filter((k) => k.canSign);
  if (usable.length === 1) return usable[0]!.fingerprint;
  const found = usable.length === 0 ? 'none' : usable.map((k) => k.fingerprint).join(', ');
  throw sealError(
    'ESEAL_CONFIG',
    keyId
      ? `gpg: expected one secret key matching ${keyId}, found ${found}`
      : `gpg: expected one secret key that can sign, found ${found}: choose one with --signer gpg:FINGERPRINT`,
    undefined,
  );
}

interface SecretKey {
  fingerprint: string;
  canSign: boolean;
}

/** `sec` records and the `fpr` that follows each, from `--with-colons` (gpg's DETAILS file). */
export function parseSecretKeys(listing: string): SecretKey[] {
  const keys: SecretKey[] = [];
  let current: { canSign: boolean } | undefined;
  for (const line of listing.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === 'sec') {
      // Field 2: validity (r revoked, e expired); field 12: capabilities of the whole key (S: sign).
      const validity = fields[1] ?? '';
      current = { canSign: (fields[11] ?? '').includes('S') && !/[rei]/.test(validity) };
    } else if (fields[0] === 'fpr' && current) {
      keys.push({ fingerprint: (fields[9] ?? '').toUpperCase(), ...current });
      current = undefined;
    } else if (fields[0] === 'ssb') {
      current = undefined;
    }
  }
  return keys;
}

function gpgText(args: string[], env: NodeJS.ProcessEnv, what: string): string {
  const result = spawnSync('gpg', ['--batch', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    throw sealError('ESEAL_CONFIG', `gpg: cannot run gpg to ${what} (${code ?? result.error.message})`, undefined, {
      cause: result.error,
    });
  }
  // gpg exits 2 for "no secret key" and similar; an empty listing says the same.
  if (result.status !== 0 && !result.stdout) {
    const tail = result.stderr.trim().split('\n').slice(-2).join(' / ');
    throw sealError('ESEAL_CONFIG', `gpg: could not ${what}: exit ${result.status}${tail ? `: ${tail}` : ''}`, undefined);
  }
  return result.stdout;
}

/**
 * The old key in the local GnuPG (`keys rotate --signer gpg[:KEYID]`): gpg certifies the
 * successor (`--quick-sign-key`, after importing its public key, which stays in the keyring)
 * and writes the revocation certificate (`--gen-revoke`, reason "superseded", answered on
 * --command-fd; gpg-agent asks for the PIN or passphrase as usual). rotateKey checks both.
 */
export async function gpgCertifier(options: { keyId?: string; env?: NodeJS.ProcessEnv } = {}): Promise<KeyCertifier> {
  const env = options.env ?? process.env;
  const fingerprint = findSecretKey(options.keyId, env);
  const publicKey = await readPublicKey(
    gpgText(['--armor', '--export', fingerprint], env, `export key ${fingerprint}`),
    `gpg key ${fingerprint}`,
  );
  const run = (args: string[], input: string, what: string): string => {
    const result = spawnSync('gpg', args, { env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    if (result.error || result.status !== 0) {
      const tail = (result.stderr ?? '').trim().split('\n').slice(-2).join(' / ');
      throw sealError(
        'ESEAL_CONFIG',
        `gpg: could not ${what}: ${result.error?.message ?? `exit ${result.status}`}${tail ? `: ${tail}` : ''}`,
        undefined,
        {
          fingerprint,
        },
      );
    }
    return result.stdout;
  };
  return {
    publicKey,
    async certify(armored, successor) {
      run(['--batch', '--import'], armored, `import the new key ${successor}`);
      run(['--batch', '--yes', '--local-user', fingerprint, '--quick-sign-key', successor], '', `certify ${successor}`);
      return run(['--batch', '--armor', '--export', successor], '', `export ${successor}`);
    },
    async revoke(comment, date) {
      // gpg dates the revocation by its clock: asked for `date` (a second after the
      // certification), so the certification is not made after the key was superseded.
      const at = `${date.toISOString().slice(0, 19).replace(/[-:]/g, '')}`;
      const answers = `y\n2\n${comment.replace(/\n/g, ' ')}\n\ny\n`;
      return run(
        [
          '--command-fd',
          '0',
          '--status-fd',
          '2',
          '--no-tty',
          '--yes',
          '--faked-system-time',
          `${at}!`,
          '--armor',
          '--output',
          '-',
          '--gen-revoke',
          fingerprint,
        ],
        answers,
        `revoke ${fingerprint}`,
      );
    },
  };
}
