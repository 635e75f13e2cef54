import { generateKey as generateOpenPGPKey, readKey, type KeyOptions } from './openpgp.js';
import { sealError, messageOf } from './error.js';
import type { GeneratedKey, GenerateKeyOptions, KeyAlgorithm } from './key.types.js';

export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = 'ed25519';

const V6_WARNING =
  'this is a v6 key (RFC 9580): GnuPG before 2.5 cannot check its signatures (`gpg --verify X.tgz.asc` fails there)';

/**
 * A sign-only key: a primary key that signs and certifies, no encryption subkey (sealpack
 * never encrypts, and a smaller key is easier to review when it is pinned).
 */
export async function generateKey(options: GenerateKeyOptions): Promise<GeneratedKey> {
  const { name, email, algorithm = DEFAULT_KEY_ALGORITHM, v6 = false, expires, passphrase, date = new Date() } = options;
  if (!name.trim()) throw sealError('ESEAL_CONFIG', 'generateKey: expected a non-empty name', undefined);
  let keyExpirationTime = 0;
  if (expires) {
    keyExpirationTime = Math.floor((expires.getTime() - date.getTime()) / 1000);
    if (keyExpirationTime <= 0) {
      throw sealError(
        'ESEAL_CONFIG',
        `generateKey: expected an expiry after the creation time ${date.toISOString()}, found ${expires.toISOString()}`,
        undefined,
      );
    }
  }
  const shape: Partial<Pick<KeyOptions, 'type' | 'curve' | 'rsaBits'>> =
    algorithm === 'ed25519'
      ? // v4: EdDSA legacy (algorithm 22), what GnuPG 2.2 verifies; v6 requires the RFC 9580 Ed25519 (27).
        v6
        ? { type: 'curve25519' }
        : { type: 'ecc', curve: 'ed25519Legacy' }
      : { type: 'rsa', rsaBits: algorithm === 'rsa4096' ? 4096 : 3072 };
  try {
    const { privateKey, publicKey } = await generateOpenPGPKey({
      ...shape,
      userIDs: [email ? { name, email } : { name }],
      subkeys: [],
      keyExpirationTime,
      date,
      ...(passphrase ? { passphrase } : {}),
      format: 'armored',
      config: { v6Keys: v6 },
    });
    const fingerprint = (await readKey({ armoredKey: publicKey })).getFingerprint().toUpperCase();
    return { privateKey, publicKey, fingerprint, warnings: v6 ? [V6_WARNING] : [] };
  } catch (error) {
    throw sealError('ESEAL_CONFIG', `generateKey: ${messageOf(error)}`, undefined, { cause: error });
  }
}
