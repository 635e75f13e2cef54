import type { PinnedKey } from './keyring.js';
import type { Policy } from './policy.types.js';
import type { Revocation } from './revocation.js';

/** Everything a verification is judged against: the policy, the pinned keys and every known revocation. */
export interface Trust {
  policy: Policy;
  keys: PinnedKey[];
  /** The revocation list's entries, then the revocation signatures found in key files. */
  revocations: Revocation[];
  warnings: string[];
}
