import { createMessage, decryptKey, readKey, sign, type Key, type PrivateKey, type Subkey } from './openpgp.js';
import { approvalNotation } from './approval.js';
import { sealError, messageOf } from './error.js';
import type { SignOptions, Signer } from './key.types.js';

/** Reads an armored private key and decrypts it; `source` names it in errors. */
export async function readPrivateKey(armored: string, passphrase: string | undefined, source?: string): Promise<PrivateKey> {
  let key: Key;
  try {
    key = await readKey({ armoredKey: armored });
  } catch (error) {
    throw sealError('ESEAL_MALFORMED', `unreadable OpenPGP private key: ${messageOf(error)}`, source, { cause: error });
  }
  const fingerprint = key.getFingerprint().toUpperCase();
  if (!key.isPrivate()) {
    throw sealError(
      'ESEAL_CONFIG',
      `expected a private key, found the public key ${fingerprint}: a public key cannot sign`,
      source,
      { fingerprint },
    );
  }
  return decrypt(key, passphrase, fingerprint, source);
}

/**
 * Reads an armored private key, decrypts it, and picks the (sub)key OpenPGP.js would sign
 * with now. Signing uses OpenPGP.js's default, strict config: sealpack never makes SHA-1
 * signatures or signs with keys its own policy would refuse by default.
 */
export async function readSigningKey(armored: string, passphrase?: string, source?: string): Promise<Signer> {
  const privateKey = await readPrivateKey(armored, passphrase, source);
  const fingerprint = privateKey.getFingerprint().toUpperCase();

  const now = new Date();
  let signingKey: PrivateKey | Subkey;
  try {
    signingKey = await privateKey.getSigningKey(undefined, now);
  } catch (error) {
    throw sealError(
      'ESEAL_CONFIG',
      `key ${fingerprint} cannot sign now: ${await whyNotSigning(privateKey, now, error)}`,
      source,
      { fingerprint, cause: error },
    );
  }
  const signingKeyIDs = [signingKey.getKeyID()];
  const userId = await privateKey.getPrimaryUser(now).then(
    ({ user }) => user.userID?.userID,
    () => undefined,
  );

  return {
    fingerprint,
    ...(userId ? { userId } : {}),
    async sign(data: Uint8Array, date?: Date, options: SignOptions = {}): Promise<string> {
      try {
        const message = await createMessage({ binary: data });
        // signingKeyIDs: sign with the key chosen above, whatever the date asked for.
        return await sign({
          message,
          signingKeys: privateKey,
          signingKeyIDs,
          detached: true,
          format: 'armored',
          ...(date ? { date } : {}),
          ...(options.approval ? { signatureNotations: [approvalNotation()] } : {}),
        });
      } catch (error) {
        throw sealError('ESEAL_CONFIG', `key ${fingerprint} could not sign: ${messageOf(error)}`, source, {
          fingerprint,
          cause: error,
        });
      }
    },
  };
}

async function decrypt(
  key: PrivateKey,
  passphrase: string | undefined,
  fingerprint: string,
  source: string | undefined,
): Promise<PrivateKey> {
  if (key.isDecrypted()) return key;
  if (passphrase === undefined || passphrase === '') {
    throw sealError('ESEAL_CONFIG', `private key ${fingerprint} is encrypted: expected a passphrase, found none`, source, {
      fingerprint,
    });
  }
  try {
    return await decryptKey({ privateKey: key, passphrase });
  } catch (error) {
    throw sealError('ESEAL_CONFIG', `wrong passphrase for private key ${fingerprint}: ${messageOf(error)}`, source, {
      fingerprint,
      cause: error,
    });
  }
}

// OpenPGP.js says "could not find valid signing key packet"; say revoked or expired when that is why.
async function whyNotSigning(key: PrivateKey, now: Date, error: unknown): Promise<string> {
  if (await key.isRevoked(undefined, undefined, now).catch(() => false)) return 'it is revoked';
  const expires = await key.getExpirationTime().catch(() => null);
  if (expires instanceof Date && expires <= now) return `it expired on ${expires.toISOString()}`;
  return messageOf(error);
}
