import { config as defaults, type Config } from './openpgp.js';

/**
 * The configuration for reading keys and checking signatures. OpenPGP.js refuses SHA-1
 * message signatures, DSA/ElGamal keys, some curves and short RSA keys before anyone can
 * see them; sealpack must report those (ESEAL_WEAK_ALGORITHM, by its own policy), so
 * nothing is refused here. A copy passed per call: the global `openpgp.config` is never
 * mutated, and a later change to it does not change our verdicts.
 */
export const READ_CONFIG: Config = {
  ...defaults,
  rejectHashAlgorithms: new Set(),
  rejectMessageHashAlgorithms: new Set(),
  rejectPublicKeyAlgorithms: new Set(),
  rejectCurves: new Set(),
  minRSABits: 0,
};

/**
 * OpenPGP.js takes `null` as "no date": no creation-in-the-future and no expiry checks.
 * Its .d.ts types dates as `Date` only, hence the cast in one place.
 */
export const ANY_TIME = null as unknown as Date;
