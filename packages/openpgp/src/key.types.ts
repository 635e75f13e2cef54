export type KeyAlgorithm = 'ed25519' | 'rsa3072' | 'rsa4096';

export interface GenerateKeyOptions {
  name: string;
  email?: string;
  /** Default `ed25519`: a v4 EdDSA key, the form GnuPG 2.2 and later verify. */
  algorithm?: KeyAlgorithm;
  /** An RFC 9580 v6 key (GnuPG before 2.5 cannot check its signatures). */
  v6?: boolean;
  expires?: Date;
  /** Encrypts the private key. */
  passphrase?: string;
  /** Creation time (default now). */
  date?: Date;
}

export interface GeneratedKey {
  privateKey: string;
  publicKey: string;
  fingerprint: string;
  warnings: string[];
}

/** OpenPGP revocation reason codes: 0 (none) → `unspecified`, 1 `superseded`, 2 `compromised`, 3 `retired`. */
export interface KeyRevocation {
  reason: 'compromised' | 'superseded' | 'retired' | 'unspecified';
  date: Date;
  comment?: string;
}

export interface SubkeyInfo {
  fingerprint: string;
  keyId: string;
  algorithm: string;
  bits?: number;
  created: Date;
  expires: Date | null;
  /**
   * When a valid self-signature first bound it, when later than `created` (gpg re-dates a
   * binding when the expiry changes): signatures dated before it are not bound, as sqv judges.
   */
  boundSince?: Date;
  revocations: KeyRevocation[];
  /** Has the sign-data flag and a valid back-signature: its signatures count for the primary key. */
  canSign: boolean;
}

export interface KeyInfo {
  /** Uppercase hex: 40 digits for v4, 64 for v6. */
  fingerprint: string;
  keyId: string;
  version: 4 | 6;
  /** `ed25519` | `ed448` | `rsa` | `ecdsa` | `dsa` | … */
  algorithm: string;
  bits?: number;
  created: Date;
  expires: Date | null;
  revocations: KeyRevocation[];
  /**
   * When a valid self-signature first bound it, when later than `created` (gpg re-dates a
   * binding when the expiry changes): signatures dated before it are not bound, as sqv judges.
   */
  boundSince?: Date;
  userIds: string[];
  subkeys: SubkeyInfo[];
}

export interface Signer {
  /** The primary key's fingerprint, uppercase hex. */
  fingerprint: string;
  userId?: string;
  /** The public key its signatures are checked against, for back-ends that sign elsewhere (gpg, exec). */
  publicKey?: KeyInfo;
  /** An ASCII-armored detached binary (type 0x00) signature over `data`. */
  sign(data: Uint8Array, date?: Date, options?: SignOptions): Promise<string>;
}

export interface SignOptions {
  /** Marks the signature as an approval (the `approval@sealpack.dev` notation), not a release signature. */
  approval?: boolean;
}
