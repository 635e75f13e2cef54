import { algorithmProblem } from './algorithm.js';
import { readKeyring } from './keyring.js';
import { byCodeUnit } from './order.js';
import { loadPolicy } from './policy.js';
import { keyRevocations, readRevocations, type Revocation } from './revocation.js';
import type { Trust } from './trust.types.js';
import { formatDate } from './validate.js';

const compareRevocations = (a: Revocation, b: Revocation): number =>
  byCodeUnit(a.fingerprint, b.fingerprint) || a.date.getTime() - b.date.getTime();

/**
 * Loads the policy, the pinned keyring and the revocation list (merged with revocation
 * signatures inside key files). Throws ESEAL_CONFIG for anything invalid; returns warnings
 * for what is allowed but will make verifications fail or warn.
 */
export async function loadTrust(options: { cwd: string; configFile?: string }): Promise<Trust> {
  const { policy, warnings } = await loadPolicy(options);
  const keyring = await readKeyring(policy.keyring);
  const { keys } = keyring;
  warnings.push(...keyring.warnings);
  const listed = await readRevocations(policy.revocations);
  const revocations = [...listed.sort(compareRevocations), ...keyRevocations(keys).sort(compareRevocations)];
  if (keys.length === 0) warnings.push(`no pinned keys in ${policy.keyring}: no seal can be verified`);
  const now = new Date();
  for (const { name, key } of keys) {
    const label = `${name} (${key.fingerprint})`;
    const revoked = revocations.filter((r) => r.fingerprint === key.fingerprint);
    for (const r of revoked)
      warnings.push(
        `key ${label} is revoked (${r.reason}, ${formatDate(r.date)}, from the ${r.source === 'list' ? 'revocation list' : 'key file'})`,
      );
    if (key.expires && key.expires <= now) {
      warnings.push(`key ${label} expired on ${formatDate(key.expires)}: signatures it made before stay valid, later ones fail`);
    }
    const weak = algorithmProblem(key.algorithm, key.bits, policy.algorithms.minRsaBits);
    if (weak)
      warnings.push(`key ${label}: ${weak.found} is refused by ${weak.rule} (${weak.expected}): its signatures will fail`);
  }
  return { policy, keys, revocations, warnings };
}
